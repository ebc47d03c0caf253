/*
 * overflow: the seed's "TestTask" with a 400-byte local array. With enough
 * stack (depth 256 words) it runs `iterations` times and the scenario is done;
 * with depth 64 the array overflows the stack, and at the next context switch
 * the kernel's check (method 1 or 2, a build option) calls the stack-overflow
 * hook, which resets the board.
 *
 * A `guard` block, allocated just before the task, sits below its stack so
 * that the overflow lands in scratch memory rather than in another task's TCB.
 *
 * smash > 0: the overflow the check cannot catch. A "Neighbour" task is
 * created first, so its TCB lies just below TestTask's stack; TestTask then
 * writes its whole stack and `smash` bytes below it with an invalid address
 * (overflowSMASH_WORD) and spins without a context switch. At the next tick
 * the kernel follows the neighbour's corrupted list item out of the address
 * space: a HardFault (a fault record, not a canary trip). The layout is
 * checked and reported first:
 *   @mh smash task=TestTask stack_base=.. neighbour_tcb=.. bytes=..
 *
 * restart=1: a reset loop. A flag in no-init RAM makes every following boot
 * restart TestTask (from the timer task's start-up hook, restart_at_boot.c),
 * which overflows again, as an ESP32 prints `rst:` again and again:
 *   @mh restart task=TestTask count=<boots that restarted it> depth_words=..
 */

#include "FreeRTOS.h"
#include "board.h"
#include "task.h"

#include "heap_figures.h"
#include "record.h"
#include "reset_reason.h"
#include "scenario_support.h"
#include "scenarios.h"

#define overflowTASK_NAME            "TestTask"
#define overflowNEIGHBOUR_NAME       "Neighbour"
#define overflowTASK_PRIORITY        ( tskIDLE_PRIORITY + 1 )
#define overflowARRAY_LENGTH         100 /* The seed's int b[100]: 400 bytes. */
#define overflowMAX_DEPTH_WORDS      4096UL
#define overflowMAX_GUARD_BYTES      65536UL
#define overflowMAX_SMASH_BYTES      4096UL
#define overflowNEIGHBOUR_DEPTH      128UL
#define overflowSMASH_WORD           0xFFFFFFF0UL /* No memory or device there. */
#define overflowRESTART_GUARD_BYTES  512UL
#define overflowFOREVER              0xFFFFFFFFUL
#define overflowTICKS_PER_ITERATION  ( ( TickType_t ) 1 )
#define overflowWAIT_MARGIN_MS       1000UL
#define overflowSTACK_ALIGN          portBYTE_ALIGNMENT
#define overflowPARAM_DEPTH          0
#define overflowPARAM_ITERATIONS     1
#define overflowPARAM_GUARD          2
#define overflowPARAM_SMASH          3
#define overflowPARAM_RESTART        4

static const ScenarioParam_t xParams[] =
{
    /* name          default  min   max */
    { "depth",       256UL,   16UL, overflowMAX_DEPTH_WORDS },
    { "iterations",  50UL,    1UL,  100000UL                },
    { "guard",       512UL,   0UL,  overflowMAX_GUARD_BYTES },
    { "smash",       0UL,     0UL,  overflowMAX_SMASH_BYTES },
    { "restart",     0UL,     0UL,  1UL                     }
};

typedef struct OverflowRun
{
    TaskHandle_t xNotify;        /* The console task, told when TestTask ends (NULL: nobody). */
    TaskHandle_t xTask;
    TaskHandle_t xNeighbour;
    uint32_t ulIterations;       /* Requested. */
    uint32_t ulDepthWords;
    uint32_t ulSmashBytes;       /* 0: the seed's loop. */
    volatile uint32_t ulDone;    /* Completed so far. */
} OverflowRun_t;

static OverflowRun_t xRun;

/* Writes from a new stack pointer ulBytes below the current one up to it,
 * then spins: no call, no yield, so no context switch checks this stack. */
static void __attribute__( ( noinline, noreturn ) ) prvSmash( uint32_t ulBytes )
{
    volatile uint32_t * pulArea = __builtin_alloca( ulBytes );

    for( uint32_t ulIndex = 0; ulIndex < ( ulBytes / sizeof( uint32_t ) ); ulIndex++ )
    {
        pulArea[ ulIndex ] = overflowSMASH_WORD;
    }

    for( ; ; )
    {
        __asm volatile ( "nop" );
    }
}

static void __attribute__( ( noinline ) ) prvSmashRun( OverflowRun_t * pxRun )
{
    TaskStatus_t xStatus;
    uint8_t * pucBase;
    uint8_t * pucSp;
    const uint8_t * pucNeighbour = ( const uint8_t * ) pxRun->xNeighbour;

    vTaskGetInfo( NULL, &xStatus, pdFALSE, eRunning );
    pucBase = ( uint8_t * ) xStatus.pxStackBase;
    pucSp = ( uint8_t * ) pvBoardStackPointer();

    /* Only go on if the neighbour's TCB is within reach, below this stack. */
    if( ( pucNeighbour >= pucBase ) || ( pucNeighbour < ( pucBase - pxRun->ulSmashBytes ) ) )
    {
        vMhRecord( "smash", "task=%s stack_base=%p neighbour_tcb=%p bytes=%lu reached=0", overflowTASK_NAME,
                   ( void * ) pucBase, pucNeighbour, pxRun->ulSmashBytes );
        return;
    }

    vMhRecord( "smash", "task=%s stack_base=%p neighbour_tcb=%p bytes=%lu reached=1", overflowTASK_NAME,
               ( void * ) pucBase, pucNeighbour, pxRun->ulSmashBytes );
    prvSmash( ( uint32_t ) ( pucSp - pucBase ) + pxRun->ulSmashBytes );
}

static void prvNeighbourTask( void * pvParameters )
{
    ( void ) pvParameters;

    for( ; ; )
    {
        vTaskDelay( 1 );
    }
}

/* The seed's loop. Out of line, so that its 400-byte array is in this frame
 * only, not in the smash path's. */
static void __attribute__( ( noinline ) ) prvSeedLoop( OverflowRun_t * pxRun )
{
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
}

static void prvTestTask( void * pvParameters )
{
    OverflowRun_t * pxRun = ( OverflowRun_t * ) pvParameters;

    if( pxRun->ulSmashBytes > 0U )
    {
        prvSmashRun( pxRun );
    }
    else
    {
        prvSeedLoop( pxRun );
    }

    if( pxRun->xNotify != NULL )
    {
        xTaskNotifyGive( pxRun->xNotify );
    }

    for( ; ; )
    {
        vTaskSuspend( NULL ); /* The console task deletes it (heap_1: keeps it). */
    }
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

    static BaseType_t prvCreateNeighbour( void )
    {
        return xTaskCreate( prvNeighbourTask, overflowNEIGHBOUR_NAME, ( configSTACK_DEPTH_TYPE ) overflowNEIGHBOUR_DEPTH,
                            NULL, supportWORKER_PRIORITY, &xRun.xNeighbour );
    }

    static BaseType_t prvCreateTestTask( uint32_t ulDepthWords )
    {
        return xTaskCreate( prvTestTask, overflowTASK_NAME, ( configSTACK_DEPTH_TYPE ) ulDepthWords,
                            &xRun, overflowTASK_PRIORITY, &xRun.xTask );
    }

#else /* Static profile: scratch memory (or the neighbour) just below the stack. */

    typedef struct TestTaskMemory
    {
        uint8_t ucGuard[ overflowMAX_GUARD_BYTES ];
        StackType_t uxNeighbourStack[ overflowNEIGHBOUR_DEPTH ];
        StaticTask_t xNeighbourTcb;
        StackType_t uxStack[ overflowMAX_DEPTH_WORDS ] __attribute__( ( aligned( overflowSTACK_ALIGN ) ) );
    } TestTaskMemory_t;

    static TestTaskMemory_t xTestTaskMemory __attribute__( ( aligned( overflowSTACK_ALIGN ) ) );
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

    static BaseType_t prvCreateNeighbour( void )
    {
        xRun.xNeighbour = xTaskCreateStatic( prvNeighbourTask, overflowNEIGHBOUR_NAME,
                                             ( configSTACK_DEPTH_TYPE ) overflowNEIGHBOUR_DEPTH, NULL,
                                             supportWORKER_PRIORITY, xTestTaskMemory.uxNeighbourStack,
                                             &xTestTaskMemory.xNeighbourTcb );
        return ( xRun.xNeighbour != NULL ) ? pdPASS : pdFAIL;
    }

    static BaseType_t prvCreateTestTask( uint32_t ulDepthWords )
    {
        xRun.xTask = xTaskCreateStatic( prvTestTask, overflowTASK_NAME, ( configSTACK_DEPTH_TYPE ) ulDepthWords,
                                        &xRun, overflowTASK_PRIORITY, xTestTaskMemory.uxStack, &xTestTaskTcb );
        return ( xRun.xTask != NULL ) ? pdPASS : pdFAIL;
    }

#endif /* configSUPPORT_DYNAMIC_ALLOCATION */

static void prvPrepare( TaskHandle_t xNotify,
                        uint32_t ulDepthWords,
                        uint32_t ulIterations,
                        uint32_t ulSmashBytes )
{
    xRun.xNotify = xNotify;
    xRun.xTask = NULL;
    xRun.xNeighbour = NULL;
    xRun.ulIterations = ulIterations;
    xRun.ulDepthWords = ulDepthWords;
    xRun.ulSmashBytes = ulSmashBytes;
    xRun.ulDone = 0;
}

void vMhOverflowRestartAtBoot( uint32_t ulDepthWords,
                               uint32_t ulCount )
{
    vMhRecord( "restart", "task=%s count=%lu depth_words=%lu", overflowTASK_NAME, ulCount, ulDepthWords );
    prvPrepare( NULL, ulDepthWords, overflowFOREVER, 0U );
    ( void ) prvAllocateGuard( overflowRESTART_GUARD_BYTES );
    ( void ) prvCreateTestTask( ulDepthWords );
}

static void prvRun( const uint32_t * pulValues )
{
    const uint32_t ulIterations = pulValues[ overflowPARAM_ITERATIONS ];
    const uint32_t ulSmash = pulValues[ overflowPARAM_SMASH ];
    const TickType_t xWait = pdMS_TO_TICKS( ( ulIterations * 10UL ) + overflowWAIT_MARGIN_MS );
    void * pvGuard = NULL;
    BaseType_t xReady = pdPASS;
    const char * pcStatus = "ok";

    prvPrepare( xTaskGetCurrentTaskHandle(), pulValues[ overflowPARAM_DEPTH ], ulIterations, ulSmash );
    ( void ) ulTaskNotifyTake( pdTRUE, 0 );

    if( ulSmash > 0U )
    {
        xReady = prvCreateNeighbour();
    }
    else
    {
        pvGuard = prvAllocateGuard( ( size_t ) pulValues[ overflowPARAM_GUARD ] );
    }

    if( pulValues[ overflowPARAM_RESTART ] != 0UL )
    {
        vMhResetSetRestart( xRun.ulDepthWords );
    }

    if( ( xReady != pdPASS ) || ( prvCreateTestTask( xRun.ulDepthWords ) != pdPASS ) )
    {
        pcStatus = "no_memory";
    }
    else if( ulTaskNotifyTake( pdTRUE, xWait ) == 0U )
    {
        pcStatus = "timeout";
    }

    /* Still here: no reset, so no loop either. */
    vMhResetClearRestart();

    if( xRun.xTask != NULL )
    {
        ( void ) xMhTaskRelease( xRun.xTask );
    }

    if( xRun.xNeighbour != NULL )
    {
        ( void ) xMhTaskRelease( xRun.xNeighbour );
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
