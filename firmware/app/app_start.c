/*
 * The start-up of a user's app: the board, the reset reason and the boot
 * record, heap_5's regions, then the app's own entry.
 *
 * Linked with -Wl,--wrap=main, so the reset handler's call of main() lands
 * in __wrap_main here. With entry = "main" the app's main() (__real_main)
 * starts its tasks and the scheduler itself. With entry = "app_main" (the
 * ESP-IDF way) this file starts app_main() in a task of its own, as ESP-IDF's
 * start-up does: named "main", priority 1, MH_APP_MAIN_STACK_BYTES of stack
 * (ESP-IDF's default CONFIG_ESP_MAIN_TASK_STACK_SIZE), deleted when it returns
 * (on heap_1, which cannot free, left blocked instead).
 * The static profile creates it statically (ESP-IDF: MH_APP_MAIN_STACK_BYTES
 * as they are, since the array size must be a constant).
 */

#include "FreeRTOS.h"
#include "task.h"

#include "app_support.h"
#include "board.h"
#include "boot_record.h"
#include "heap_figures.h"
#include "record.h"
#include "reset_reason.h"

#define appMAIN_TASK_NAME        "main"
#define appMAIN_TASK_PRIORITY    ( ( UBaseType_t ) 1U )

#ifndef MH_APP_MAIN_STACK_BYTES
    #define MH_APP_MAIN_STACK_BYTES    3584U
#endif

#if defined( MH_ESP_IDF )
    /* ESP-IDF bytes, mapped as for every ESP-IDF task (esp_idf/esp_idf_compat.h). */
    configSTACK_DEPTH_TYPE uxMhEspStackWords( uint32_t ulStackDepthBytes );
    #define appMAIN_STACK_WORDS    uxMhEspStackWords( MH_APP_MAIN_STACK_BYTES )
#else
    #define appMAIN_STACK_WORDS    ( ( MH_APP_MAIN_STACK_BYTES + sizeof( StackType_t ) - 1U ) / sizeof( StackType_t ) )
#endif

int __wrap_main( void );

static void prvStart( void )
{
    vBoardInit();
    vMhResetReasonBoot();
    vMhBootRecord();
    vMhHeapInit( pdFALSE );
}

void __attribute__( ( noinline ) ) vMhAppEntryReturned( void )
{
    vMhRecord( "app_returned", "task=%s", appMAIN_TASK_NAME );
}

#if defined( MH_APP_ENTRY_APP_MAIN )

    extern void app_main( void );

    static void prvMainTask( void * pvParameters )
    {
        ( void ) pvParameters;
        app_main();
        vMhAppEntryReturned();

        /* ESP-IDF deletes the main task here; heap_1 cannot free its stack and
         * TCB (its vPortFree asserts), so there the task stays, blocked. */
        #if ( INCLUDE_vTaskDelete == 1 ) && ( MH_HEAP_SCHEME != 1 )
            vTaskDelete( NULL );
        #endif

        for( ; ; )
        {
            vTaskDelay( portMAX_DELAY );
        }
    }

    int __wrap_main( void )
    {
        prvStart();

        #if ( configSUPPORT_DYNAMIC_ALLOCATION == 1 )
            ( void ) xTaskCreate( prvMainTask, appMAIN_TASK_NAME, ( configSTACK_DEPTH_TYPE ) appMAIN_STACK_WORDS,
                                  NULL, appMAIN_TASK_PRIORITY, NULL );
        #else
            #define appSTATIC_MAIN_WORDS    ( ( MH_APP_MAIN_STACK_BYTES + sizeof( StackType_t ) - 1U ) / sizeof( StackType_t ) )
            static StaticTask_t xMainTcb;
            static StackType_t uxMainStack[ appSTATIC_MAIN_WORDS ];

            ( void ) xTaskCreateStatic( prvMainTask, appMAIN_TASK_NAME, appSTATIC_MAIN_WORDS, NULL,
                                        appMAIN_TASK_PRIORITY, uxMainStack, &xMainTcb );
        #endif

        vTaskStartScheduler();

        /* Only reached if the idle or timer task could not be created. */
        configASSERT( 0 );
        return 0;
    }

#else /* entry = "main" */

    extern int __real_main( void );

    int __wrap_main( void )
    {
        prvStart();
        return __real_main();
    }

#endif /* MH_APP_ENTRY_APP_MAIN */

#if defined( MH_APP_USER_IDLE_HOOK )
    /* The app's own idle hook, renamed by the build (-DvApplicationIdleHook=vMhAppIdleHook). */
    extern void vMhAppIdleHook( void );
#endif

/*
 * memharness owns configUSE_IDLE_HOOK: the idle task sleeps until the next
 * interrupt, as a low-power idle does, so that under QEMU's -icount (sleep=off)
 * idle time costs no emulation at all: the virtual clock jumps to the next
 * tick. The app's own idle hook, if it has one, runs first.
 */
void vApplicationIdleHook( void )
{
    #if defined( MH_APP_USER_IDLE_HOOK )
        vMhAppIdleHook();
    #endif
    __asm volatile ( "dsb\n wfi" ::: "memory" );
}
