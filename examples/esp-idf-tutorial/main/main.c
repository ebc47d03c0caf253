/*
 * The seed tutorial's task (FreeRTOS memory on the ESP32), as ESP-IDF code.
 * Its three versions are chosen by TUTORIAL_VERSION:
 *   1  the overflow: a 1 KiB stack (ESP-IDF counts bytes) and a 100-int array
 *      on it; the kernel's stack check catches it and the board resets.
 *   2  the leak: pvPortMalloc( 1024 * sizeof( int ) ) every loop and never
 *      freed, with the NULL check: "Not enough heap." once the heap is gone.
 *   3  the fix: vPortFree( ptr ) every loop; the free heap holds.
 * Each loop prints the stack left and the free heap before and after the
 * allocation, then waits TUTORIAL_DELAY_MS (the tutorial: 100 ms). After
 * TUTORIAL_LOOPS loops it prints "tutorial: done ..." and rests.
 */

#include <stdio.h>

#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "esp_heap_caps.h"
#include "esp_log.h"
#include "esp_system.h"

#define TUTORIAL_OVERFLOW    1
#define TUTORIAL_LEAK        2
#define TUTORIAL_FIX         3

#ifndef TUTORIAL_VERSION
    #define TUTORIAL_VERSION    TUTORIAL_FIX
#endif
#ifndef TUTORIAL_LOOPS
    #define TUTORIAL_LOOPS      20
#endif
#ifndef TUTORIAL_DELAY_MS
    #define TUTORIAL_DELAY_MS    100
#endif

/* The tutorial's first try: 1024 bytes. Its fix: "change the stack size of task to 1500 bytes". */
#if ( TUTORIAL_VERSION == TUTORIAL_OVERFLOW )
    #define TEST_TASK_STACK_BYTES    1024
#else
    #define TEST_TASK_STACK_BYTES    1500
#endif

static const char * TAG = "tutorial";
static const BaseType_t app_cpu = 1;

static void testTask( void * parameter )
{
    ( void ) parameter;

    for( int loop = 1; loop <= TUTORIAL_LOOPS; loop++ )
    {
        int a = 1;
        volatile int b[ 100 ];

        for( int i = 0; i < 100; i++ )
        {
            b[ i ] = a + 1;
        }

        printf( "%d\n", b[ 0 ] );

        /* ESP-IDF answers in bytes (the tutorial says words, which is vanilla FreeRTOS's unit). */
        printf( "Remaining Stack Memory %d (bytes)\n", ( int ) uxTaskGetStackHighWaterMark( NULL ) );

        printf( "Heap before malloc %d (bytes)\n", ( int ) esp_get_free_heap_size() );
        int * ptr = ( int * ) pvPortMalloc( 1024 * sizeof( int ) );

        if( ptr == NULL )
        {
            printf( "Not enough heap.\n" );
        }
        else
        {
            for( int i = 0; i < 1024; i++ )
            {
                ptr[ i ] = 3;
            }
        }

        #if ( TUTORIAL_VERSION == TUTORIAL_FIX )
            /* Free up our allocated memory */
            vPortFree( ptr );
        #endif

        printf( "Heap after malloc %d (bytes)\n", ( int ) esp_get_free_heap_size() );
        vTaskDelay( TUTORIAL_DELAY_MS / portTICK_PERIOD_MS );
    }

    ESP_LOGI( TAG, "minimum free heap %u bytes, largest free block %u bytes",
              ( unsigned int ) esp_get_minimum_free_heap_size(),
              ( unsigned int ) heap_caps_get_largest_free_block( MALLOC_CAP_DEFAULT ) );
    printf( "tutorial: done after %d loops\n", TUTORIAL_LOOPS );

    /* The tutorial's task loops forever; this one rests once it has counted its loops. */
    for( ; ; )
    {
        vTaskDelay( portMAX_DELAY );
    }
}

void app_main( void )
{
    ESP_LOGI( TAG, "version %d, free heap %u bytes", TUTORIAL_VERSION, ( unsigned int ) esp_get_free_heap_size() );
    xTaskCreatePinnedToCore( testTask, "TestTask", TEST_TASK_STACK_BYTES, NULL, 1, NULL, app_cpu );
}
