/*
 * stack_hwm: `tasks` worker tasks; worker k has a stack of
 * depth + k * depth_step words and calls a function that writes
 * use * (k + 1) bytes of its stack. Each worker takes its own high-water mark
 * (uxTaskGetStackHighWaterMark) before and after the call, then suspends
 * itself. The console task then prints, per worker:
 *   @mh stack task=hwmK at=before|after ... use_bytes=..   (the worker's view)
 *   @mh stack task=hwmK at=suspended ... stack_base=.. stack_top=..
 * The last is taken while the worker's stack is quiescent, with its bounds, so
 * the harness can count the untouched 0xa5 fill from outside (QMP) and
 * compare. The workers stay suspended until the next stack_hwm run deletes
 * them (never on heap_1), so the stacks are still there when the harness reads.
 */

#include <stdint.h>

#include "FreeRTOS.h"
#include "task.h"

#include "record.h"
#include "scenario_support.h"
#include "scenarios.h"

#define stackhwmMAX_TASKS          4
#define stackhwmFILL_BYTE          0x5A /* Anything but the kernel's 0xa5 fill. */
#define stackhwmMARGIN_BYTES       256UL /* Frames, the saved context and the canary. */
#define stackhwmNAME_LENGTH        8
#define stackhwmPARAM_DEPTH        0
#define stackhwmPARAM_USE          1
#define stackhwmPARAM_TASKS        2
#define stackhwmPARAM_DEPTH_STEP   3

static const ScenarioParam_t xParams[] =
{
    /* name          default  min   max */
    { "depth",       256UL,   64UL, 1024UL            },
    { "use",         128UL,   0UL,  2048UL            },
    { "tasks",       3UL,     1UL,  stackhwmMAX_TASKS },
    { "depth_step",  64UL,    0UL,  256UL             }
};

typedef struct StackWorker
{
    TaskHandle_t xHandle;
    uint32_t ulDepthWords;
    uint32_t ulUseBytes;
    UBaseType_t uxBefore; /* Words, as the worker saw them. */
    UBaseType_t uxAfter;
    char cName[ stackhwmNAME_LENGTH ];
} StackWorker_t;

static StackWorker_t xWorkers[ stackhwmMAX_TASKS ];

/* Writes ulBytes of this function's frame; calls nothing after the alloca, so
 * the deepest byte touched is the last byte allocated. */
static void __attribute__( ( noinline ) ) prvUseStack( uint32_t ulBytes )
{
    if( ulBytes > 0U )
    {
        volatile uint8_t * pucArea = __builtin_alloca( ulBytes );

        for( uint32_t ulIndex = 0; ulIndex < ulBytes; ulIndex++ )
        {
            pucArea[ ulIndex ] = stackhwmFILL_BYTE;
        }
    }
}

static void prvWorkerTask( void * pvParameters )
{
    StackWorker_t * pxWorker = ( StackWorker_t * ) pvParameters;

    pxWorker->uxBefore = uxTaskGetStackHighWaterMark( NULL );
    prvUseStack( pxWorker->ulUseBytes );
    pxWorker->uxAfter = uxTaskGetStackHighWaterMark( NULL );

    for( ; ; )
    {
        vTaskSuspend( NULL );
    }
}

static void prvReleasePrevious( void )
{
    for( UBaseType_t uxIndex = 0; uxIndex < stackhwmMAX_TASKS; uxIndex++ )
    {
        if( xWorkers[ uxIndex ].xHandle != NULL )
        {
            ( void ) xMhTaskRelease( xWorkers[ uxIndex ].xHandle );
            xWorkers[ uxIndex ].xHandle = NULL;
        }
    }
}

static void prvWorkerRecord( const StackWorker_t * pxWorker,
                             const char * pcAt,
                             UBaseType_t uxWords )
{
    vMhRecord( "stack", "task=%s at=%s hwm_words=%u hwm_bytes=%u depth_words=%lu use_bytes=%lu",
               pxWorker->cName, pcAt, ( unsigned int ) uxWords,
               ( unsigned int ) ( uxWords * sizeof( StackType_t ) ), pxWorker->ulDepthWords, pxWorker->ulUseBytes );
}

static void prvRun( const uint32_t * pulValues )
{
    const uint32_t ulTasks = pulValues[ stackhwmPARAM_TASKS ];
    const char * pcStatus = "ok";
    uint32_t ulMeasured = 0;

    /* Cross-parameter check: every worker's use must fit its stack. */
    for( uint32_t ulIndex = 0; ulIndex < ulTasks; ulIndex++ )
    {
        const uint32_t ulDepth = pulValues[ stackhwmPARAM_DEPTH ] + ( ulIndex * pulValues[ stackhwmPARAM_DEPTH_STEP ] );
        const uint32_t ulUse = pulValues[ stackhwmPARAM_USE ] * ( ulIndex + 1U );

        if( ( ulUse + stackhwmMARGIN_BYTES ) > ( ulDepth * sizeof( StackType_t ) ) )
        {
            vMhRecord( "error", "code=bad_value name=stack_hwm key=use value=%lu", pulValues[ stackhwmPARAM_USE ] );
            return;
        }

        if( ulDepth > ulMhTaskMaxDepth() )
        {
            vMhRecord( "error", "code=bad_value name=stack_hwm key=depth value=%lu", pulValues[ stackhwmPARAM_DEPTH ] );
            return;
        }
    }

    prvReleasePrevious();

    for( uint32_t ulIndex = 0; ulIndex < ulTasks; ulIndex++ )
    {
        StackWorker_t * pxWorker = &xWorkers[ ulIndex ];

        pxWorker->ulDepthWords = pulValues[ stackhwmPARAM_DEPTH ] + ( ulIndex * pulValues[ stackhwmPARAM_DEPTH_STEP ] );
        pxWorker->ulUseBytes = pulValues[ stackhwmPARAM_USE ] * ( ulIndex + 1U );
        ( void ) uxMhFormat( pxWorker->cName, sizeof( pxWorker->cName ), "hwm%lu", ulIndex );

        /* Higher priority than this task: it runs until it suspends itself. */
        if( xMhTaskCreate( prvWorkerTask, pxWorker->cName, pxWorker->ulDepthWords, pxWorker,
                           supportWORKER_PRIORITY, supportSLOTS_STACK_HWM + ( UBaseType_t ) ulIndex,
                           &pxWorker->xHandle ) != pdPASS )
        {
            pxWorker->xHandle = NULL;
            pcStatus = "no_memory";
            break;
        }

        if( xMhTaskWaitSuspended( pxWorker->xHandle, 1U ) == pdFALSE )
        {
            pcStatus = "not_suspended";
            break;
        }

        prvWorkerRecord( pxWorker, "before", pxWorker->uxBefore );
        prvWorkerRecord( pxWorker, "after", pxWorker->uxAfter );
        vMhStackRecord( "suspended", pxWorker->xHandle, pxWorker->ulDepthWords );
        ulMeasured++;
    }

    vMhRecord( "done", "scenario=stack_hwm status=%s tasks=%lu", pcStatus, ulMeasured );
}

const Scenario_t xScenarioStackHwm =
{
    .pcName         = "stack_hwm",
    .pxParams       = xParams,
    .uxParamCount   = sizeof( xParams ) / sizeof( xParams[ 0 ] ),
    .pxIsApplicable = NULL,
    .pxRun          = prvRun
};
