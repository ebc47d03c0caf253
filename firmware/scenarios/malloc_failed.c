/*
 * malloc_failed: exhaust the heap with blocks of `size` bytes until
 * pvPortMalloc returns NULL, then ask `failures` - 1 more times. The
 * malloc-failed hook prints one `@mh malloc_failed` per NULL; the scenario
 * then shows the system still schedules (`@mh alive` after a delay), gives
 * everything back (not heap_1) and, where the kernel has it (heap_4/5,
 * V11.2.0+), resets the minimum-ever figure:
 *   @mh heap at=start|exhausted|freed|min_reset
 *   @mh exhausted blocks=.. nulls=..
 *   @mh alive ticks=<waited> expected=<asked>
 *   @mh min_ever_reset available=0|1
 */

#include "FreeRTOS.h"
#include "task.h"

#include "heap_figures.h"
#include "record.h"
#include "scenarios.h"

#define failedPARAM_SIZE          0
#define failedPARAM_FAILURES      1
#define failedALIVE_TICKS         ( ( TickType_t ) 5 )

static const ScenarioParam_t xParams[] =
{
    /* name        default  min  max */
    { "size",      1024UL,  4UL, 65536UL },
    { "failures",  3UL,     1UL, 100UL   }
};

#if ( configSUPPORT_DYNAMIC_ALLOCATION == 1 )

    static void prvRun( const uint32_t * pulValues )
    {
        const size_t uxSize = ( size_t ) pulValues[ failedPARAM_SIZE ];
        const uint32_t ulFailures = pulValues[ failedPARAM_FAILURES ];
        void * pvChain = NULL; /* Each block's first word points to the one before. */
        uint32_t ulBlocks = 0;
        uint32_t ulNulls = 0;
        TickType_t xBefore;

        vMhHeapRecord( "start" );

        for( ; ; )
        {
            void ** ppvBlock = pvPortMalloc( uxSize );

            if( ppvBlock == NULL )
            {
                ulNulls++;
                break;
            }

            *ppvBlock = pvChain;
            pvChain = ppvBlock;
            ulBlocks++;
        }

        while( ulNulls < ulFailures )
        {
            void * pvBlock = pvPortMalloc( uxSize );

            if( pvBlock != NULL )
            {
                /* Cannot happen with nothing freed; keep it rather than leak it. */
                *( ( void ** ) pvBlock ) = pvChain;
                pvChain = pvBlock;
                ulBlocks++;
            }
            else
            {
                ulNulls++;
            }
        }

        vMhHeapRecord( "exhausted" );
        vMhRecord( "exhausted", "blocks=%lu nulls=%lu size=%u", ulBlocks, ulNulls, ( unsigned int ) uxSize );

        xBefore = xTaskGetTickCount();
        vTaskDelay( failedALIVE_TICKS );
        vMhRecord( "alive", "ticks=%lu expected=%lu", ( uint32_t ) ( xTaskGetTickCount() - xBefore ),
                   ( uint32_t ) failedALIVE_TICKS );

        if( xMhHeapCanFree() != pdFALSE )
        {
            while( pvChain != NULL )
            {
                void * pvPrevious = *( ( void ** ) pvChain );

                vPortFree( pvChain );
                pvChain = pvPrevious;
            }

            vMhHeapRecord( "freed" );
        }

        if( xMhHeapResetMinimumEver() != pdFALSE )
        {
            vMhRecord( "min_ever_reset", "available=1" );
            vMhHeapRecord( "min_reset" );
        }
        else
        {
            vMhRecord( "min_ever_reset", "available=0" );
        }

        vMhRecord( "done", "scenario=malloc_failed status=ok blocks=%lu nulls=%lu", ulBlocks, ulNulls );
    }

#else

    static void prvRun( const uint32_t * pulValues )
    {
        ( void ) pulValues;
    }

#endif /* configSUPPORT_DYNAMIC_ALLOCATION */

const Scenario_t xScenarioMallocFailed =
{
    .pcName         = "malloc_failed",
    .pxParams       = xParams,
    .uxParamCount   = sizeof( xParams ) / sizeof( xParams[ 0 ] ),
    .pxIsApplicable = xMhHeapCanAllocate,
    .pxRun          = prvRun
};
