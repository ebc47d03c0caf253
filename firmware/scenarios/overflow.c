/*
 * overflow: the seed's "TestTask" with a 400-byte local array. With enough
 * stack (depth 256 words) it runs `iterations` times and the scenario is done;
 * with depth 64 the array overflows the stack, and at the next context switch
 * the kernel's check calls the stack-overflow hook, which resets the board.
 *
 * A `guard` block, allocated just before the task, sits below its stack so
 * that the overflow lands in scratch memory rather than in another task's TCB.
 */

#include "FreeRTOS.h"
#include "task.h"

#include "heap_figures.h"
#include "record.h"
#include "scenarios.h"

#define overflowTASK_NAME            "TestTask"
#define overflowTASK_PRIORITY        ( tskIDLE_PRIORITY + 1 )
#define overflowARRAY_LENGTH         100 /* The seed's int b[100]: 400 bytes. */
#define overflowMAX_DEPTH_WORDS      4096UL
#define overflowMAX_GUARD_BYTES      65536UL
#define overflowTICKS_PER_ITERATION  ( ( TickType_t ) 1 )
#define overflowWAIT_MARGIN_MS       1000UL
#define overflowPARAM_DEPTH          0
#define overflowPARAM_ITERATIONS     1
#define overflowPARAM_GUARD          2

static const ScenarioParam_t xParams[] =
{
    /* name          default  min   max */
    { "depth",       256UL,   16UL, overflowMAX_DEPTH_WORDS },
    { "iterations",  50UL,    1UL,  100000UL                },
    { "guard",       512UL,   0UL,  overflowMAX_GUARD_BYTES }
};

typedef struct OverflowRun
{
    TaskHandle_t xNotify;        /* The console task, told when TestTask ends. */
    uint32_t ulIterations;       /* Requested. */
    uint32_t ulDepthWords;
    volatile uint32_t ulDone;    /* Completed so far. */
} OverflowRun_t;

static OverflowRun_t xRun;

static void prvTestTask( void * pvParameters )
{
    OverflowRun_t * pxRun = ( OverflowRun_t * ) pvParameters;

    while( pxRun->ulDone < pxRun->ulIterations )
    {
        int a = 1;
        volatile int b[ overflowARRAY_LENGTH ];

        for( int i = 0; i < overflowARRAY_LENGTH; i++ )
        {
            b[ i ] = a + 1;
        }

        vMhText( "%d", b[ 0 ] );

        UBaseType_t uxHighWaterMark = uxTaskGetStackHighWaterMark( NULL );
        vMhRecord( "stack", "task=%s hwm_words=%u hwm_bytes=%u depth_words=%lu", overflowTASK_NAME,
                   ( unsigned int ) uxHighWaterMark, ( unsigned int ) ( uxHighWaterMark * sizeof( StackType_t ) ),
                   pxRun->ulDepthWords );

        pxRun->ulDone++;
        vTaskDelay( overflowTICKS_PER_ITERATION );
    }

    xTaskNotifyGive( pxRun->xNotify );
    vTaskDelete( NULL );
}

#if ( configSUPPORT_DYNAMIC_ALLOCATION == 1 )

    static void * prvAllocateGuard( size_t uxGuard )
    {
        return ( uxGuard > 0U ) ? pvPortMalloc( uxGuard ) : NULL;
    }

    static void prvReleaseGuard( void * pvGuard )
    {
        if( xMhHeapCanFree() != pdFALSE )
        {
            vPortFree( pvGuard );
        }
    }

    static BaseType_t prvCreateTestTask( uint32_t ulDepthWords )
    {
        return xTaskCreate( prvTestTask, overflowTASK_NAME, ( configSTACK_DEPTH_TYPE ) ulDepthWords,
                            &xRun, overflowTASK_PRIORITY, NULL );
    }

#else /* Static profile: the guard is fixed memory just below the stack. */

    typedef struct TestTaskMemory
    {
        uint8_t ucGuard[ overflowMAX_GUARD_BYTES ];
        StackType_t uxStack[ overflowMAX_DEPTH_WORDS ];
    } TestTaskMemory_t;

    static TestTaskMemory_t xTestTaskMemory __attribute__( ( aligned( 8 ) ) );
    static StaticTask_t xTestTaskTcb;

    static void * prvAllocateGuard( size_t uxGuard )
    {
        ( void ) uxGuard;
        return xTestTaskMemory.ucGuard;
    }

    static void prvReleaseGuard( void * pvGuard )
    {
        ( void ) pvGuard;
    }

    static BaseType_t prvCreateTestTask( uint32_t ulDepthWords )
    {
        TaskHandle_t xHandle = xTaskCreateStatic( prvTestTask, overflowTASK_NAME, ( configSTACK_DEPTH_TYPE ) ulDepthWords,
                                                  &xRun, overflowTASK_PRIORITY, xTestTaskMemory.uxStack, &xTestTaskTcb );

        return ( xHandle != NULL ) ? pdPASS : pdFAIL;
    }

#endif /* configSUPPORT_DYNAMIC_ALLOCATION */

static void prvRun( const uint32_t * pulValues )
{
    const uint32_t ulIterations = pulValues[ overflowPARAM_ITERATIONS ];
    const TickType_t xWait = pdMS_TO_TICKS( ( ulIterations * 10UL ) + overflowWAIT_MARGIN_MS );
    void * pvGuard = prvAllocateGuard( ( size_t ) pulValues[ overflowPARAM_GUARD ] );
    const char * pcStatus = "ok";

    xRun.xNotify = xTaskGetCurrentTaskHandle();
    xRun.ulIterations = ulIterations;
    xRun.ulDepthWords = pulValues[ overflowPARAM_DEPTH ];
    xRun.ulDone = 0;
    ( void ) ulTaskNotifyTake( pdTRUE, 0 );

    if( prvCreateTestTask( xRun.ulDepthWords ) != pdPASS )
    {
        pcStatus = "no_memory";
    }
    else if( ulTaskNotifyTake( pdTRUE, xWait ) == 0U )
    {
        pcStatus = "timeout";
    }

    prvReleaseGuard( pvGuard );
    vMhRecord( "done", "scenario=overflow status=%s iterations=%lu", pcStatus, xRun.ulDone );
}

const Scenario_t xScenarioOverflow =
{
    .pcName         = "overflow",
    .pxParams       = xParams,
    .uxParamCount   = sizeof( xParams ) / sizeof( xParams[ 0 ] ),
    .pxIsApplicable = NULL,
    .pxRun          = prvRun
};
