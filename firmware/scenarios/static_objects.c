/*
 * static_objects: a task, a queue, binary and counting semaphores, a mutex,
 * an event group, a software timer and a stream buffer, all created with the
 * ...Static APIs from application memory, then a small workload through them
 * (queue items to the task, which gives the binary semaphore back for each;
 * the counting semaphore and the mutex; a one-shot timer that sets an event
 * bit; bytes through the stream buffer).
 *   @mh object name=.. mode=static static_size=.. [taken=..]   (taken: free heap
 *       before minus after, where there is a heap: the mixed profile)
 *   @mh workload items=.. counted=.. mutex=.. timer=.. stream=..
 * In the mixed profile one more task, of the same depth, is created with
 * xTaskCreate for comparison:
 *   @mh object name=task mode=dynamic static_size=.. taken=..
 * Needs configSUPPORT_STATIC_ALLOCATION (profiles static and mixed).
 */

#include <string.h>

#include "FreeRTOS.h"
#include "event_groups.h"
#include "queue.h"
#include "semphr.h"
#include "stream_buffer.h"
#include "task.h"
#include "timers.h"

#include "alloc_trace.h"
#include "heap_figures.h"
#include "record.h"
#include "scenario_support.h"
#include "scenarios.h"

#define staticMAX_DEPTH           512UL
#define staticMAX_LENGTH          16UL
#define staticMAX_ITEM_SIZE       64UL
#define staticMAX_STREAM_SIZE     256UL
#define staticTIMER_PERIOD        ( ( TickType_t ) 2 )
#define staticWAIT_TICKS          ( ( TickType_t ) 20 )
#define staticTIMER_BIT           ( ( EventBits_t ) 1 )
#define staticSTREAM_TRIGGER      1
#define staticSTACK_ALIGN         portBYTE_ALIGNMENT
#define staticPARAM_DEPTH         0
#define staticPARAM_LENGTH        1
#define staticPARAM_ITEM_SIZE     2
#define staticPARAM_STREAM_SIZE   3

static const ScenarioParam_t xParams[] =
{
    /* name          default  min   max */
    { "depth",       128UL,   64UL, staticMAX_DEPTH       },
    { "length",      4UL,     1UL,  staticMAX_LENGTH      },
    { "item_size",   8UL,     1UL,  staticMAX_ITEM_SIZE   },
    { "stream_size", 64UL,    1UL,  staticMAX_STREAM_SIZE }
};

static BaseType_t prvIsApplicable( void )
{
    return ( configSUPPORT_STATIC_ALLOCATION == 1 ) ? pdTRUE : pdFALSE;
}

#if ( configSUPPORT_STATIC_ALLOCATION == 1 )

    typedef struct StaticObjects
    {
        StaticTask_t xTaskTcb;
        StaticQueue_t xQueue;
        StaticSemaphore_t xBinary;
        StaticSemaphore_t xCounting;
        StaticSemaphore_t xMutex;
        StaticEventGroup_t xEvents;
        StaticTimer_t xTimer;
        StaticStreamBuffer_t xStream;
        uint8_t ucQueueStorage[ staticMAX_LENGTH * staticMAX_ITEM_SIZE ];
        uint8_t ucStreamStorage[ staticMAX_STREAM_SIZE + 1U ];
        uint8_t ucItem[ staticMAX_ITEM_SIZE ];
        uint8_t ucBytes[ staticMAX_STREAM_SIZE ];
        uint8_t ucReceived[ staticMAX_STREAM_SIZE ];
    } StaticObjects_t;

    static StaticObjects_t xMemory;
    static StackType_t uxTaskStack[ staticMAX_DEPTH ] __attribute__( ( aligned( staticSTACK_ALIGN ) ) );

    typedef struct StaticHandles
    {
        QueueHandle_t xQueue;
        SemaphoreHandle_t xBinary;
        SemaphoreHandle_t xCounting;
        SemaphoreHandle_t xMutex;
        EventGroupHandle_t xEvents;
        TimerHandle_t xTimer;
        StreamBufferHandle_t xStream;
        TaskHandle_t xTask;
        uint32_t ulItemSize;
    } StaticHandles_t;

    static StaticHandles_t xHandles;

    /* Receives items and gives the binary semaphore back for each. */
    static void prvReceiverTask( void * pvParameters )
    {
        uint8_t ucItem[ staticMAX_ITEM_SIZE ];

        ( void ) pvParameters;

        for( ; ; )
        {
            if( xQueueReceive( xHandles.xQueue, ucItem, portMAX_DELAY ) == pdPASS )
            {
                ( void ) xSemaphoreGive( xHandles.xBinary );
            }
        }
    }

    #if ( configSUPPORT_DYNAMIC_ALLOCATION == 1 )
        /* The dynamic comparison task: it only parks itself. */
        static void prvParkedTask( void * pvParameters )
        {
            ( void ) pvParameters;

            for( ; ; )
            {
                vTaskSuspend( NULL );
            }
        }
    #endif

    static void prvTimerCallback( TimerHandle_t xTimer )
    {
        ( void ) xTimer;
        ( void ) xEventGroupSetBits( xHandles.xEvents, staticTIMER_BIT );
    }

    /* One object record; the free-heap difference where there is a heap. */
    static void prvObjectRecord( const char * pcName,
                                 const char * pcMode,
                                 size_t uxStaticSize,
                                 BaseType_t xHasFigure,
                                 size_t uxBefore )
    {
        size_t uxAfter = 0;

        if( ( xHasFigure != pdFALSE ) && ( xMhHeapFreeFigure( &uxAfter ) != pdFALSE ) )
        {
            vMhRecord( "object", "name=%s mode=%s static_size=%u taken=%u", pcName, pcMode,
                       ( unsigned int ) uxStaticSize, ( unsigned int ) ( uxBefore - uxAfter ) );
        }
        else
        {
            vMhRecord( "object", "name=%s mode=%s static_size=%u", pcName, pcMode, ( unsigned int ) uxStaticSize );
        }
    }

    static BaseType_t prvCreateAll( const uint32_t * pulValues )
    {
        const uint32_t ulLength = pulValues[ staticPARAM_LENGTH ];
        size_t uxBefore = 0;
        BaseType_t xHas;

        #define staticMEASURED( pcName, uxSize, xCreate )              \
    do {                                                               \
        xHas = xMhHeapFreeFigure( &uxBefore );                         \
        xCreate;                                                       \
        prvObjectRecord( ( pcName ), "static", ( uxSize ), xHas, uxBefore ); \
    } while( 0 )

        staticMEASURED( "queue", sizeof( StaticQueue_t ),
                        xHandles.xQueue = xQueueCreateStatic( ulLength, xHandles.ulItemSize, xMemory.ucQueueStorage, &xMemory.xQueue ) );
        staticMEASURED( "binary_semaphore", sizeof( StaticSemaphore_t ),
                        xHandles.xBinary = xSemaphoreCreateBinaryStatic( &xMemory.xBinary ) );
        staticMEASURED( "counting_semaphore", sizeof( StaticSemaphore_t ),
                        xHandles.xCounting = xSemaphoreCreateCountingStatic( ulLength, 0U, &xMemory.xCounting ) );
        staticMEASURED( "mutex", sizeof( StaticSemaphore_t ),
                        xHandles.xMutex = xSemaphoreCreateMutexStatic( &xMemory.xMutex ) );
        staticMEASURED( "event_group", sizeof( StaticEventGroup_t ),
                        xHandles.xEvents = xEventGroupCreateStatic( &xMemory.xEvents ) );
        staticMEASURED( "timer", sizeof( StaticTimer_t ),
                        xHandles.xTimer = xTimerCreateStatic( "st_timer", staticTIMER_PERIOD, pdFALSE, NULL,
                                                              prvTimerCallback, &xMemory.xTimer ) );
        staticMEASURED( "stream_buffer", sizeof( StaticStreamBuffer_t ),
                        xHandles.xStream = xStreamBufferCreateStatic( pulValues[ staticPARAM_STREAM_SIZE ] + 1U,
                                                                      staticSTREAM_TRIGGER, xMemory.ucStreamStorage,
                                                                      &xMemory.xStream ) );
        staticMEASURED( "task", sizeof( StaticTask_t ),
                        xHandles.xTask = xTaskCreateStatic( prvReceiverTask, "st_task",
                                                            ( configSTACK_DEPTH_TYPE ) pulValues[ staticPARAM_DEPTH ],
                                                            NULL, supportWORKER_PRIORITY, uxTaskStack, &xMemory.xTaskTcb ) );
        #undef staticMEASURED

        return ( ( xHandles.xQueue != NULL ) && ( xHandles.xBinary != NULL ) && ( xHandles.xCounting != NULL ) &&
                 ( xHandles.xMutex != NULL ) && ( xHandles.xEvents != NULL ) && ( xHandles.xTimer != NULL ) &&
                 ( xHandles.xStream != NULL ) && ( xHandles.xTask != NULL ) ) ? pdTRUE : pdFALSE;
    }

    static void prvWorkload( const uint32_t * pulValues )
    {
        const uint32_t ulLength = pulValues[ staticPARAM_LENGTH ];
        const size_t uxStream = ( size_t ) pulValues[ staticPARAM_STREAM_SIZE ];
        uint32_t ulItems = 0;
        uint32_t ulCounted = 0;
        uint32_t ulMutex = 0;
        uint32_t ulTimer = 0;
        size_t uxStreamed;

        for( uint32_t ulItem = 0; ulItem < ulLength; ulItem++ )
        {
            memset( xMemory.ucItem, ( int ) ulItem, xHandles.ulItemSize );

            if( ( xQueueSend( xHandles.xQueue, xMemory.ucItem, staticWAIT_TICKS ) == pdPASS ) &&
                ( xSemaphoreTake( xHandles.xBinary, staticWAIT_TICKS ) == pdPASS ) )
            {
                ulItems++;
            }
        }

        for( uint32_t ulGive = 0; ulGive < ulLength; ulGive++ )
        {
            ( void ) xSemaphoreGive( xHandles.xCounting );
        }

        while( xSemaphoreTake( xHandles.xCounting, 0 ) == pdPASS )
        {
            ulCounted++;
        }

        if( xSemaphoreTake( xHandles.xMutex, staticWAIT_TICKS ) == pdPASS )
        {
            ulMutex = ( xSemaphoreGive( xHandles.xMutex ) == pdPASS ) ? 1U : 0U;
        }

        if( xTimerStart( xHandles.xTimer, staticWAIT_TICKS ) == pdPASS )
        {
            ulTimer = ( ( xEventGroupWaitBits( xHandles.xEvents, staticTIMER_BIT, pdTRUE, pdTRUE, staticWAIT_TICKS ) &
                          staticTIMER_BIT ) != 0U ) ? 1U : 0U;
        }

        for( size_t uxIndex = 0; uxIndex < uxStream; uxIndex++ )
        {
            xMemory.ucBytes[ uxIndex ] = ( uint8_t ) uxIndex;
        }

        uxStreamed = xStreamBufferSend( xHandles.xStream, xMemory.ucBytes, uxStream, 0 );
        uxStreamed = ( xStreamBufferReceive( xHandles.xStream, xMemory.ucReceived, uxStream, 0 ) == uxStreamed ) &&
                     ( memcmp( xMemory.ucBytes, xMemory.ucReceived, uxStreamed ) == 0 ) ? uxStreamed : 0U;

        vMhRecord( "workload", "items=%lu counted=%lu mutex=%lu timer=%lu stream=%u", ulItems, ulCounted, ulMutex,
                   ulTimer, ( unsigned int ) uxStreamed );
    }

    static void prvDeleteAll( void )
    {
        vTaskDelete( xHandles.xTask );
        ( void ) xTimerDelete( xHandles.xTimer, staticWAIT_TICKS );
        vStreamBufferDelete( xHandles.xStream );
        vEventGroupDelete( xHandles.xEvents );
        vSemaphoreDelete( xHandles.xMutex );
        vSemaphoreDelete( xHandles.xCounting );
        vSemaphoreDelete( xHandles.xBinary );
        vQueueDelete( xHandles.xQueue );
    }

    /* Mixed profile: the same task created from the heap, to compare. */
    static void prvDynamicTask( uint32_t ulDepth )
    {
        #if ( configSUPPORT_DYNAMIC_ALLOCATION == 1 )
            TaskHandle_t xTask = NULL;
            size_t uxBefore = 0;
            BaseType_t xHas = xMhHeapFreeFigure( &uxBefore );
            BaseType_t xCreated;

            vMhAllocTraceSet( pdTRUE );
            xCreated = xTaskCreate( prvParkedTask, "dyn_task", ( configSTACK_DEPTH_TYPE ) ulDepth, NULL,
                                    supportWORKER_PRIORITY, &xTask );
            vMhAllocTraceSet( pdFALSE );

            if( xCreated == pdPASS )
            {
                prvObjectRecord( "task", "dynamic", sizeof( StaticTask_t ), xHas, uxBefore );
                ( void ) xMhTaskRelease( xTask );
            }
        #else
            ( void ) ulDepth;
        #endif
    }

    static void prvRun( const uint32_t * pulValues )
    {
        xHandles.ulItemSize = pulValues[ staticPARAM_ITEM_SIZE ];
        vMhHeapRecord( "before" );

        if( prvCreateAll( pulValues ) == pdFALSE )
        {
            vMhRecord( "done", "scenario=static_objects status=not_created" );
            return;
        }

        vMhHeapRecord( "created" );
        prvWorkload( pulValues );
        prvDeleteAll();
        vMhHeapRecord( "deleted" );
        prvDynamicTask( pulValues[ staticPARAM_DEPTH ] );
        vMhRecord( "done", "scenario=static_objects status=ok" );
    }

#else

    static void prvRun( const uint32_t * pulValues )
    {
        ( void ) pulValues;
    }

#endif /* configSUPPORT_STATIC_ALLOCATION */

const Scenario_t xScenarioStaticObjects =
{
    .pcName         = "static_objects",
    .pxParams       = xParams,
    .uxParamCount   = sizeof( xParams ) / sizeof( xParams[ 0 ] ),
    .pxIsApplicable = prvIsApplicable,
    .pxRun          = prvRun
};
