/*
 * fragmentation: a deterministic pseudo-random alloc/free workload.
 * Each step draws a slot (of `slots`); a live slot is freed, an empty one gets
 * a block of min_size..max_size bytes (xorshift32 from `seed`). Every `every`
 * steps, and after the last:
 *   @mh frag step=.. free=.. [largest=.. free_blocks=..] failures=.. live=..
 * (largest and free_blocks from vPortGetHeapStats on heap_4/5; heap_2 exposes
 * neither, the harness walks its free list from RAM instead). With sync=1 the
 * scenario waits after each frag record for a line from the harness, so the
 * heap stays as the record describes while the harness reads it. With
 * timing=1 the SysTick ticks of each vPortFree and of each pvPortMalloc that
 * succeeded are printed in batches:
 *   @mh op_times op=malloc|free ticks=t1,t2,...
 * a record per operation would be most of the run's emulation time (every
 * character is an MMIO write in the emulator and a write on the host).
 * heap_1 cannot free, so it does not apply there.
 */

#include "FreeRTOS.h"
#include "task.h"

#include "heap_figures.h"
#include "op_timer.h"
#include "record.h"
#include "scenario_support.h"
#include "scenarios.h"

#define fragMAX_SLOTS            64
#define fragPARAM_SEED           0
#define fragPARAM_STEPS          1
#define fragPARAM_MIN_SIZE       2
#define fragPARAM_MAX_SIZE       3
#define fragPARAM_SLOTS          4
#define fragPARAM_EVERY          5
#define fragPARAM_SYNC           6
#define fragPARAM_TIMING         7
#define fragXORSHIFT_A           13
#define fragXORSHIFT_B           17
#define fragXORSHIFT_C           5
#define fragTIMES_PER_RECORD     16
#define fragTICKS_DIGITS         10 /* 2^32 - 1 has 10 decimal digits. */

static const ScenarioParam_t xParams[] =
{
    /* name        default  min  max */
    { "seed",      1UL,     1UL, 0xFFFFFFFFUL  },
    { "steps",     2000UL,  1UL, 100000UL      },
    { "min_size",  16UL,    1UL, 8192UL        },
    { "max_size",  1024UL,  1UL, 8192UL        },
    { "slots",     32UL,    1UL, fragMAX_SLOTS },
    { "every",     100UL,   1UL, 100000UL      },
    { "sync",      0UL,     0UL, 1UL           },
    { "timing",    0UL,     0UL, 1UL           }
};

static BaseType_t prvIsApplicable( void )
{
    return xMhHeapCanFree();
}

#if ( configSUPPORT_DYNAMIC_ALLOCATION == 1 )

    typedef struct FragState
    {
        uint32_t ulRandom;
        uint32_t ulFailures;
        uint32_t ulLive;
        void * pvSlots[ fragMAX_SLOTS ];
    } FragState_t;

    static FragState_t xState;

    /* Marsaglia's xorshift32: the same sequence on every board and scheme. */
    static uint32_t prvNext( void )
    {
        uint32_t ulX = xState.ulRandom;

        ulX ^= ulX << fragXORSHIFT_A;
        ulX ^= ulX >> fragXORSHIFT_B;
        ulX ^= ulX << fragXORSHIFT_C;
        xState.ulRandom = ulX;
        return ulX;
    }

    /* The operation times not printed yet, per operation. */
    typedef struct OpTimes
    {
        const char * pcOp;
        uint32_t ulCount;
        uint32_t pulTicks[ fragTIMES_PER_RECORD ];
    } OpTimes_t;

    static OpTimes_t xMallocTimes = { "malloc", 0U, { 0U } };
    static OpTimes_t xFreeTimes = { "free", 0U, { 0U } };

    static void prvFlushTimes( OpTimes_t * pxTimes )
    {
        static char cList[ ( fragTIMES_PER_RECORD * ( fragTICKS_DIGITS + 1U ) ) + 1U ];
        size_t uxLength = 0;

        if( pxTimes->ulCount == 0U )
        {
            return;
        }

        for( uint32_t ulIndex = 0; ulIndex < pxTimes->ulCount; ulIndex++ )
        {
            uxLength += uxMhFormat( &cList[ uxLength ], sizeof( cList ) - uxLength, "%s%lu",
                                    ( ulIndex == 0U ) ? "" : ",", pxTimes->pulTicks[ ulIndex ] );
        }

        vMhRecord( "op_times", "op=%s ticks=%s", pxTimes->pcOp, cList );
        pxTimes->ulCount = 0U;
    }

    static void prvAddTime( OpTimes_t * pxTimes,
                            uint32_t ulTicks )
    {
        pxTimes->pulTicks[ pxTimes->ulCount ] = ulTicks;
        pxTimes->ulCount++;

        if( pxTimes->ulCount == fragTIMES_PER_RECORD )
        {
            prvFlushTimes( pxTimes );
        }
    }

    static void prvReport( uint32_t ulStep,
                           BaseType_t xSync )
    {
        prvFlushTimes( &xMallocTimes );
        prvFlushTimes( &xFreeTimes );

        #if ( MH_HEAP_SCHEME == 4 ) || ( MH_HEAP_SCHEME == mhHEAP_SCHEME_5 )
            HeapStats_t xStats;

            vPortGetHeapStats( &xStats );
            vMhRecord( "frag", "step=%lu free=%u largest=%u free_blocks=%u failures=%lu live=%lu", ulStep,
                       ( unsigned int ) xStats.xAvailableHeapSpaceInBytes,
                       ( unsigned int ) xStats.xSizeOfLargestFreeBlockInBytes,
                       ( unsigned int ) xStats.xNumberOfFreeBlocks, xState.ulFailures, xState.ulLive );
        #else
            size_t uxFree = 0;

            ( void ) xMhHeapFreeFigure( &uxFree );
            vMhRecord( "frag", "step=%lu free=%u failures=%lu live=%lu", ulStep, ( unsigned int ) uxFree,
                       xState.ulFailures, xState.ulLive );
        #endif

        if( xSync != pdFALSE )
        {
            vMhWaitForHarness();
        }
    }

    static void prvRun( const uint32_t * pulValues )
    {
        const uint32_t ulSteps = pulValues[ fragPARAM_STEPS ];
        const uint32_t ulMin = pulValues[ fragPARAM_MIN_SIZE ];
        const uint32_t ulMax = pulValues[ fragPARAM_MAX_SIZE ];
        const uint32_t ulSlots = pulValues[ fragPARAM_SLOTS ];
        const uint32_t ulEvery = pulValues[ fragPARAM_EVERY ];
        const BaseType_t xSync = ( pulValues[ fragPARAM_SYNC ] != 0UL ) ? pdTRUE : pdFALSE;
        const BaseType_t xTiming = ( pulValues[ fragPARAM_TIMING ] != 0UL ) ? pdTRUE : pdFALSE;
        MhOpTimer_t xTimer;
        uint32_t ulTicks;

        if( ulMin > ulMax )
        {
            vMhRecord( "error", "code=bad_value name=fragmentation key=min_size value=%lu", ulMin );
            return;
        }

        xState.ulRandom = pulValues[ fragPARAM_SEED ];
        xState.ulFailures = 0;
        xState.ulLive = 0;

        for( uint32_t ulSlot = 0; ulSlot < fragMAX_SLOTS; ulSlot++ )
        {
            xState.pvSlots[ ulSlot ] = NULL;
        }

        vMhHeapRecord( "start" );

        if( xTiming != pdFALSE )
        {
            vMhRecord( "timer_base", "ticks=%lu", ulMhOpTimerBase() );
        }

        prvReport( 0U, xSync );

        for( uint32_t ulStep = 1; ulStep <= ulSteps; ulStep++ )
        {
            const uint32_t ulSlot = prvNext() % ulSlots;

            if( xState.pvSlots[ ulSlot ] != NULL )
            {
                vMhOpTimerStart( &xTimer );
                vPortFree( xState.pvSlots[ ulSlot ] );
                ulTicks = ulMhOpTimerStop( &xTimer );
                xState.pvSlots[ ulSlot ] = NULL;
                xState.ulLive--;

                if( xTiming != pdFALSE )
                {
                    prvAddTime( &xFreeTimes, ulTicks );
                }
            }
            else
            {
                const size_t uxSize = ( size_t ) ( ulMin + ( prvNext() % ( ulMax - ulMin + 1U ) ) );

                vMhOpTimerStart( &xTimer );
                xState.pvSlots[ ulSlot ] = pvPortMalloc( uxSize );
                ulTicks = ulMhOpTimerStop( &xTimer );

                if( ( xTiming != pdFALSE ) && ( xState.pvSlots[ ulSlot ] != NULL ) )
                {
                    prvAddTime( &xMallocTimes, ulTicks );
                }

                if( xState.pvSlots[ ulSlot ] == NULL )
                {
                    xState.ulFailures++;
                }
                else
                {
                    xState.ulLive++;
                }
            }

            if( ( ( ulStep % ulEvery ) == 0U ) || ( ulStep == ulSteps ) )
            {
                prvReport( ulStep, xSync );
            }
        }

        for( uint32_t ulSlot = 0; ulSlot < fragMAX_SLOTS; ulSlot++ )
        {
            vPortFree( xState.pvSlots[ ulSlot ] );
            xState.pvSlots[ ulSlot ] = NULL;
        }

        vMhHeapRecord( "end" );
        vMhRecord( "done", "scenario=fragmentation status=ok failures=%lu steps=%lu", xState.ulFailures, ulSteps );
    }

#else

    static void prvRun( const uint32_t * pulValues )
    {
        ( void ) pulValues;
    }

#endif /* configSUPPORT_DYNAMIC_ALLOCATION */

const Scenario_t xScenarioFragmentation =
{
    .pcName         = "fragmentation",
    .pxParams       = xParams,
    .uxParamCount   = sizeof( xParams ) / sizeof( xParams[ 0 ] ),
    .pxIsApplicable = prvIsApplicable,
    .pxRun          = prvRun
};
