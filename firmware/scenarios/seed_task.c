/*
 * seed_task: the tutorial's task, in its three versions, printing its own
 * text lines as the seed does (kept verbatim by the harness):
 *   "2"                                      (Serial.println(b[0]))
 *   "Remaining Stack Memory %d (words)"
 *   "Heap before malloc %d (bytes)"
 *   "Heap after malloc %d (bytes)"
 *   "Not enough heap."                       (versions 2 and 3)
 * version=1 the leak: pvPortMalloc( 1024 * sizeof( int ) ) every loop, never
 *           freed, no NULL check. When the heap runs out the task writes
 *           through NULL; the NULL guard (null_guard.h) turns that into a
 *           fault record and a reset, as the ESP32 panics and reboots.
 * version=2 the leak with the NULL check: "Not enough heap." and it goes on.
 * version=3 the fix: vPortFree( ptr ) each loop, so the heap figure holds.
 * The task delays delay_ms (the seed: 100 ms) per loop and stops after
 * `loops` loops. Needs a heap scheme.
 */

#include "FreeRTOS.h"
#include "task.h"

#include "heap_figures.h"
#include "null_guard.h"
#include "record.h"
#include "scenario_support.h"
#include "scenarios.h"

#define seedTASK_NAME            "TestTask"
#define seedTASK_PRIORITY        ( tskIDLE_PRIORITY + 1 )
#define seedARRAY_LENGTH         100  /* The seed's int b[100]. */
#define seedMALLOC_INTS          1024 /* The seed's pvPortMalloc( 1024 * sizeof( int ) ). */
#define seedFILL_VALUE           3
#define seedVERSION_LEAK         1UL
#define seedVERSION_CHECKED      2UL
#define seedVERSION_FIXED        3UL
#define seedWAIT_MARGIN_TICKS    ( ( TickType_t ) 1000 )
#define seedPARAM_VERSION        0
#define seedPARAM_DEPTH          1
#define seedPARAM_DELAY_MS       2
#define seedPARAM_LOOPS          3

static const ScenarioParam_t xParams[] =
{
    /* name        default  min    max */
    { "version",   3UL,     1UL,   3UL    },
    { "depth",     256UL,   128UL, 2048UL },
    { "delay_ms",  100UL,   0UL,   1000UL },
    { "loops",     10UL,    1UL,   1000UL }
};

#if ( configSUPPORT_DYNAMIC_ALLOCATION == 1 )

    typedef struct SeedRun
    {
        TaskHandle_t xNotify;
        uint32_t ulVersion;
        uint32_t ulLoops;
        TickType_t xDelay;
        BaseType_t xGuarded;
    } SeedRun_t;

    static SeedRun_t xRun;

    static int prvFreeHeap( void )
    {
        size_t uxFree = 0;

        ( void ) xMhHeapFreeFigure( &uxFree ); /* heap_3: the firmware's newlib figure. */
        return ( int ) uxFree;
    }

    static void prvTestTask( void * pvParameters )
    {
        SeedRun_t * pxRun = ( SeedRun_t * ) pvParameters;

        for( uint32_t ulLoop = 0; ulLoop < pxRun->ulLoops; ulLoop++ )
        {
            int a = 1;
            volatile int b[ seedARRAY_LENGTH ];

            for( int i = 0; i < seedARRAY_LENGTH; i++ )
            {
                b[ i ] = a + 1;
            }

            vMhText( "%d", b[ 0 ] );

            /* Print out remaining stack memory (words) */
            vMhText( "Remaining Stack Memory %d (words)", ( int ) uxTaskGetStackHighWaterMark( NULL ) );

            vMhText( "Heap before malloc %d (bytes)", prvFreeHeap() );
            int * ptr = ( int * ) pvPortMalloc( seedMALLOC_INTS * sizeof( int ) );

            if( ( pxRun->ulVersion != seedVERSION_LEAK ) && ( ptr == NULL ) )
            {
                vMhText( "Not enough heap." );
            }
            else if( ( ptr == NULL ) && ( pxRun->xGuarded == pdFALSE ) )
            {
                /* No guard on this core: report the write instead of doing it. */
                vMhRecord( "null_write", "guarded=0" );
                break;
            }
            else
            {
                volatile int * pxWrite = ptr;

                for( int i = 0; i < seedMALLOC_INTS; i++ )
                {
                    pxWrite[ i ] = seedFILL_VALUE;
                }
            }

            if( pxRun->ulVersion == seedVERSION_FIXED )
            {
                /* Free up our allocated memory */
                vPortFree( ptr );
            }

            vMhText( "Heap after malloc %d (bytes)", prvFreeHeap() );
            vTaskDelay( pxRun->xDelay );
        }

        xTaskNotifyGive( pxRun->xNotify );

        for( ; ; )
        {
            vTaskSuspend( NULL );
        }
    }

    static void prvRun( const uint32_t * pulValues )
    {
        const uint32_t ulLoops = pulValues[ seedPARAM_LOOPS ];
        const uint32_t ulDelayMs = pulValues[ seedPARAM_DELAY_MS ];
        const TickType_t xWait = ( pdMS_TO_TICKS( ulDelayMs ) + 1U ) * ( TickType_t ) ulLoops + seedWAIT_MARGIN_TICKS;
        TaskHandle_t xTask = NULL;
        const char * pcStatus = "ok";

        xRun.xNotify = xTaskGetCurrentTaskHandle();
        xRun.ulVersion = pulValues[ seedPARAM_VERSION ];
        xRun.ulLoops = ulLoops;
        xRun.xDelay = pdMS_TO_TICKS( ulDelayMs );
        xRun.xGuarded = pdFALSE;
        ( void ) ulTaskNotifyTake( pdTRUE, 0 );

        if( xRun.ulVersion == seedVERSION_LEAK )
        {
            xRun.xGuarded = xMhNullGuardEnable();
            vMhRecord( "null_guard", "enabled=%u bytes=%lu", ( unsigned int ) xRun.xGuarded, nullguardBYTES );
        }

        if( xTaskCreate( prvTestTask, seedTASK_NAME, ( configSTACK_DEPTH_TYPE ) pulValues[ seedPARAM_DEPTH ], &xRun,
                         seedTASK_PRIORITY, &xTask ) != pdPASS )
        {
            pcStatus = "no_memory";
        }
        else if( ulTaskNotifyTake( pdTRUE, xWait ) == 0U )
        {
            pcStatus = "timeout";
        }
        else
        {
            ( void ) xMhTaskRelease( xTask );
        }

        vMhHeapRecord( "end" );
        vMhRecord( "done", "scenario=seed_task status=%s version=%lu", pcStatus, xRun.ulVersion );
    }

#else

    static void prvRun( const uint32_t * pulValues )
    {
        ( void ) pulValues;
    }

#endif /* configSUPPORT_DYNAMIC_ALLOCATION */

const Scenario_t xScenarioSeedTask =
{
    .pcName         = "seed_task",
    .pxParams       = xParams,
    .uxParamCount   = sizeof( xParams ) / sizeof( xParams[ 0 ] ),
    .pxIsApplicable = xMhHeapCanAllocate,
    .pxRun          = prvRun
};
