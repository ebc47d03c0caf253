/*
 * task_overhead: what one task costs on this port, the figure the seed calls
 * "768 bytes of overhead" on the ESP32.
 *   1. An idle-looping task (vTaskDelay( 1 ) `loops` times, then it suspends
 *      itself) is created with `depth` words. The free heap before and after
 *      xTaskCreate gives what creation takes (stack + TCB + the scheme's block
 *      headers); the allocations are traced (`@mh malloc`) while it is created.
 *        @mh task_cost task=idle_loop depth_words=.. tcb_size=.. [taken=..]
 *      Once it has suspended itself its stack is quiescent:
 *        @mh stack task=idle_loop at=suspended ... stack_base=.. stack_top=..
 *      gives the stack an idle-looping task touches.
 *   2. try_depth > 0: the same task with try_depth words runs `loops`
 *      context switches (each one checks the stack); if none trips the check:
 *        @mh fits task=empty depth_words=..
 *      A depth too small ends in the stack-overflow hook (and a reset).
 * In the static profile the tasks are created with xTaskCreateStatic and the
 * heap figures are absent.
 *   fpu=1: the tasks do float arithmetic each loop. On a board with an FPU
 *   (M4F, M7, M33) every later switch then saves the extended frame
 *   (s0-s15 and FPSCR by the hardware, s16-s31 by the port): more stack used.
 */

#include "FreeRTOS.h"
#include "task.h"

#include "alloc_trace.h"
#include "heap_figures.h"
#include "record.h"
#include "scenario_support.h"
#include "scenarios.h"

#define overheadMEASURE_NAME      "idle_loop"
#define overheadTRY_NAME          "empty"
#define overheadMEASURE_SLOT      ( supportSLOTS_TASK_OVERHEAD )
#define overheadTRY_SLOT          ( supportSLOTS_TASK_OVERHEAD + 1 )
#define overheadWAIT_MARGIN       ( ( TickType_t ) 10 )
#define overheadPARAM_DEPTH       0
#define overheadPARAM_LOOPS       1
#define overheadPARAM_TRY_DEPTH   2
#define overheadPARAM_FPU         3
#define overheadPARAM_SYNC        4
#define overheadFPU_SCALE         1.5f
#define overheadFPU_OFFSET        0.25f

static const ScenarioParam_t xParams[] =
{
    /* name         default  min   max */
    { "depth",      256UL,   64UL, 1024UL  },
    { "loops",      10UL,    1UL,  1000UL  },
    { "try_depth",  0UL,     0UL,  1024UL  }, /* 0: no trial. */
    { "fpu",        0UL,     0UL,  1UL     }, /* 1: float arithmetic in the loop. */
    { "sync",       0UL,     0UL,  1UL     }  /* 1: wait for the harness after the quiescent record. */
};

static uint32_t ulLoops;
static BaseType_t xUseFpu;
static volatile float fFpuSink;

/* Out of line so that its FPU instructions run only when fpu=1: inlined, the
 * compiler hoists them (and a vpush) into the task, which then always uses the FPU. */
static void prvFloatWork( void ) __attribute__( ( noinline ) );

static void prvFloatWork( void )
{
    fFpuSink = ( fFpuSink * overheadFPU_SCALE ) + overheadFPU_OFFSET;
}

/* An empty task: it only delays, a context switch (and a stack check) each time. */
static void prvIdleLoopTask( void * pvParameters )
{
    ( void ) pvParameters;

    for( uint32_t ulLoop = 0; ulLoop < ulLoops; ulLoop++ )
    {
        if( xUseFpu != pdFALSE )
        {
            prvFloatWork();
        }

        vTaskDelay( 1 );
    }

    for( ; ; )
    {
        vTaskSuspend( NULL );
    }
}

static BaseType_t prvCreate( const char * pcName,
                             uint32_t ulDepthWords,
                             UBaseType_t uxSlot,
                             TaskHandle_t * pxHandle )
{
    return xMhTaskCreate( prvIdleLoopTask, pcName, ulDepthWords, NULL, supportWORKER_PRIORITY, uxSlot, pxHandle );
}

static void prvRun( const uint32_t * pulValues )
{
    const uint32_t ulDepth = pulValues[ overheadPARAM_DEPTH ];
    const uint32_t ulTryDepth = pulValues[ overheadPARAM_TRY_DEPTH ];
    const TickType_t xWait = ( TickType_t ) pulValues[ overheadPARAM_LOOPS ] + overheadWAIT_MARGIN;
    TaskHandle_t xMeasured = NULL;
    TaskHandle_t xTried = NULL;
    size_t uxBefore = 0;
    size_t uxAfter = 0;
    BaseType_t xHasFigure;
    BaseType_t xCreated;

    ulLoops = pulValues[ overheadPARAM_LOOPS ];
    xUseFpu = ( pulValues[ overheadPARAM_FPU ] != 0U ) ? pdTRUE : pdFALSE;

    vMhHeapRecord( "before" );
    xHasFigure = xMhHeapFreeFigure( &uxBefore );
    vMhAllocTraceSet( pdTRUE );
    xCreated = prvCreate( overheadMEASURE_NAME, ulDepth, overheadMEASURE_SLOT, &xMeasured );
    vMhAllocTraceSet( pdFALSE );
    ( void ) xMhHeapFreeFigure( &uxAfter );

    if( xCreated != pdPASS )
    {
        vMhRecord( "done", "scenario=task_overhead status=no_memory" );
        return;
    }

    if( xHasFigure != pdFALSE )
    {
        vMhRecord( "task_cost", "task=%s depth_words=%lu tcb_size=%u taken=%u", overheadMEASURE_NAME, ulDepth,
                   ( unsigned int ) sizeof( StaticTask_t ), ( unsigned int ) ( uxBefore - uxAfter ) );
    }
    else
    {
        vMhRecord( "task_cost", "task=%s depth_words=%lu tcb_size=%u", overheadMEASURE_NAME, ulDepth,
                   ( unsigned int ) sizeof( StaticTask_t ) );
    }

    if( xMhTaskWaitSuspended( xMeasured, xWait ) == pdFALSE )
    {
        vMhRecord( "done", "scenario=task_overhead status=not_suspended" );
        return;
    }

    vMhStackRecord( "suspended", xMeasured, ulDepth );

    if( pulValues[ overheadPARAM_SYNC ] != 0UL )
    {
        /* The harness reads the stack from outside before it is freed (and reused). */
        vMhWaitForHarness();
    }

    if( ulTryDepth > 0U )
    {
        if( prvCreate( overheadTRY_NAME, ulTryDepth, overheadTRY_SLOT, &xTried ) != pdPASS )
        {
            vMhRecord( "done", "scenario=task_overhead status=no_memory" );
            return;
        }

        if( xMhTaskWaitSuspended( xTried, xWait ) == pdFALSE )
        {
            vMhRecord( "done", "scenario=task_overhead status=not_suspended" );
            return;
        }

        vMhRecord( "fits", "task=%s depth_words=%lu loops=%lu", overheadTRY_NAME, ulTryDepth, ulLoops );
        ( void ) xMhTaskRelease( xTried );
    }

    ( void ) xMhTaskRelease( xMeasured );
    vMhHeapRecord( "end" );
    vMhRecord( "done", "scenario=task_overhead status=ok" );
}

const Scenario_t xScenarioTaskOverhead =
{
    .pcName         = "task_overhead",
    .pxParams       = xParams,
    .uxParamCount   = sizeof( xParams ) / sizeof( xParams[ 0 ] ),
    .pxIsApplicable = NULL,
    .pxRun          = prvRun
};
