/*
 * kernel_objects: the free heap each kernel object takes, and gives back when
 * deleted (not on heap_1, whose vPortFree asserts). Per object the
 * allocations are traced (`@mh malloc size=..` is the request the kernel
 * made), then
 *   @mh object name=<object> static_size=<sizeof(Static..._t)> taken=.. [given_back=..]
 * The objects: a queue (length x item_size), binary and counting semaphores,
 * a mutex, an event group, a software timer, a stream buffer and a message
 * buffer (stream_size bytes each). Dynamic allocation only.
 */

#include "FreeRTOS.h"
#include "event_groups.h"
#include "message_buffer.h"
#include "queue.h"
#include "semphr.h"
#include "stream_buffer.h"
#include "task.h"
#include "timers.h"

#include "alloc_trace.h"
#include "heap_figures.h"
#include "record.h"
#include "scenarios.h"

#define objectsPARAM_LENGTH        0
#define objectsPARAM_ITEM_SIZE     1
#define objectsPARAM_STREAM_SIZE   2
#define objectsPARAM_COUNT_MAX     3
#define objectsTIMER_PERIOD        ( ( TickType_t ) 100 )
#define objectsSTREAM_TRIGGER      1
#define objectsDELETE_SETTLE       ( ( TickType_t ) 2 )

static const ScenarioParam_t xParams[] =
{
    /* name          default  min  max */
    { "length",      8UL,     1UL, 256UL   },
    { "item_size",   16UL,    1UL, 1024UL  },
    { "stream_size", 256UL,   1UL, 4096UL  },
    { "count_max",   5UL,     1UL, 100UL   }
};

#if ( configSUPPORT_DYNAMIC_ALLOCATION == 1 )

    typedef enum ObjectKind
    {
        eObjectQueue = 0,
        eObjectBinarySemaphore,
        eObjectCountingSemaphore,
        eObjectMutex,
        eObjectEventGroup,
        eObjectTimer,
        eObjectStreamBuffer,
        eObjectMessageBuffer,
        eObjectKindCount
    } ObjectKind_t;

    static const char * const pcObjectNames[ eObjectKindCount ] =
    {
        "queue", "binary_semaphore", "counting_semaphore", "mutex",
        "event_group", "timer", "stream_buffer", "message_buffer"
    };

    static const size_t uxStaticSizes[ eObjectKindCount ] =
    {
        sizeof( StaticQueue_t ), sizeof( StaticSemaphore_t ), sizeof( StaticSemaphore_t ), sizeof( StaticSemaphore_t ),
        sizeof( StaticEventGroup_t ), sizeof( StaticTimer_t ), sizeof( StaticStreamBuffer_t ), sizeof( StaticMessageBuffer_t )
    };

    static void prvTimerCallback( TimerHandle_t xTimer )
    {
        ( void ) xTimer;
    }

    static void * prvCreate( ObjectKind_t eKind,
                             const uint32_t * pulValues )
    {
        void * pvObject = NULL;

        switch( eKind )
        {
            case eObjectQueue:
                pvObject = xQueueCreate( pulValues[ objectsPARAM_LENGTH ], pulValues[ objectsPARAM_ITEM_SIZE ] );
                break;

            case eObjectBinarySemaphore:
                pvObject = xSemaphoreCreateBinary();
                break;

            case eObjectCountingSemaphore:
                pvObject = xSemaphoreCreateCounting( pulValues[ objectsPARAM_COUNT_MAX ], 0U );
                break;

            case eObjectMutex:
                pvObject = xSemaphoreCreateMutex();
                break;

            case eObjectEventGroup:
                pvObject = xEventGroupCreate();
                break;

            case eObjectTimer:
                pvObject = xTimerCreate( "obj_timer", objectsTIMER_PERIOD, pdFALSE, NULL, prvTimerCallback );
                break;

            case eObjectStreamBuffer:
                pvObject = xStreamBufferCreate( pulValues[ objectsPARAM_STREAM_SIZE ], objectsSTREAM_TRIGGER );
                break;

            case eObjectMessageBuffer:
            default:
                pvObject = xMessageBufferCreate( pulValues[ objectsPARAM_STREAM_SIZE ] );
                break;
        }

        return pvObject;
    }

    static void prvDelete( ObjectKind_t eKind,
                           void * pvObject )
    {
        switch( eKind )
        {
            case eObjectEventGroup:
                vEventGroupDelete( ( EventGroupHandle_t ) pvObject );
                break;

            case eObjectTimer:
                /* The timer task frees it; it runs above this task, so by the
                 * time the command is queued it is done. The delay makes sure. */
                ( void ) xTimerDelete( ( TimerHandle_t ) pvObject, portMAX_DELAY );
                vTaskDelay( objectsDELETE_SETTLE );
                break;

            case eObjectStreamBuffer:
            case eObjectMessageBuffer:
                vStreamBufferDelete( ( StreamBufferHandle_t ) pvObject );
                break;

            default:
                vQueueDelete( ( QueueHandle_t ) pvObject );
                break;
        }
    }

    static void prvRun( const uint32_t * pulValues )
    {
        uint32_t ulCreated = 0;

        vMhHeapRecord( "before" );

        for( UBaseType_t uxKind = 0; uxKind < ( UBaseType_t ) eObjectKindCount; uxKind++ )
        {
            const ObjectKind_t eKind = ( ObjectKind_t ) uxKind;
            size_t uxBefore = 0;
            size_t uxAfter = 0;
            size_t uxDeleted = 0;
            void * pvObject;

            ( void ) xMhHeapFreeFigure( &uxBefore );
            vMhAllocTraceSet( pdTRUE );
            pvObject = prvCreate( eKind, pulValues );
            vMhAllocTraceSet( pdFALSE );
            ( void ) xMhHeapFreeFigure( &uxAfter );

            if( pvObject == NULL )
            {
                vMhRecord( "object", "name=%s static_size=%u created=0", pcObjectNames[ eKind ],
                           ( unsigned int ) uxStaticSizes[ eKind ] );
                continue;
            }

            ulCreated++;

            if( xMhHeapCanFree() != pdFALSE )
            {
                prvDelete( eKind, pvObject );
                ( void ) xMhHeapFreeFigure( &uxDeleted );
                vMhRecord( "object", "name=%s static_size=%u created=1 taken=%u given_back=%u", pcObjectNames[ eKind ],
                           ( unsigned int ) uxStaticSizes[ eKind ], ( unsigned int ) ( uxBefore - uxAfter ),
                           ( unsigned int ) ( uxDeleted - uxAfter ) );
            }
            else
            {
                vMhRecord( "object", "name=%s static_size=%u created=1 taken=%u", pcObjectNames[ eKind ],
                           ( unsigned int ) uxStaticSizes[ eKind ], ( unsigned int ) ( uxBefore - uxAfter ) );
            }
        }

        vMhHeapRecord( "end" );
        vMhRecord( "done", "scenario=kernel_objects status=ok created=%lu", ulCreated );
    }

#else /* Static profile: not applicable (see static_objects). */

    static void prvRun( const uint32_t * pulValues )
    {
        ( void ) pulValues;
    }

#endif /* configSUPPORT_DYNAMIC_ALLOCATION */

const Scenario_t xScenarioKernelObjects =
{
    .pcName         = "kernel_objects",
    .pxParams       = xParams,
    .uxParamCount   = sizeof( xParams ) / sizeof( xParams[ 0 ] ),
    .pxIsApplicable = xMhHeapCanAllocate,
    .pxRun          = prvRun
};
