/*
 * heap5_regions: heap_5 spreads one heap over non-contiguous regions (their
 * addresses are in the boot's `@mh region` records). Blocks of `size` bytes
 * are taken until pvPortMalloc returns NULL, each one reported as
 *   @mh alloc size=.. ptr=..
 * so the harness can see them land in every region; then all are freed.
 *   @mh heap at=start|full|freed
 */

#include "FreeRTOS.h"

#include "heap_figures.h"
#include "record.h"
#include "scenarios.h"

#define regionsPARAM_SIZE    0

static const ScenarioParam_t xParams[] =
{
    /* name    default  min  max */
    { "size",  2048UL,  4UL, 65536UL }
};

static BaseType_t prvIsApplicable( void )
{
    return ( xMhHeapScheme() == mhHEAP_SCHEME_5 ) ? pdTRUE : pdFALSE;
}

#if ( configSUPPORT_DYNAMIC_ALLOCATION == 1 )

    static void prvRun( const uint32_t * pulValues )
    {
        const size_t uxSize = ( size_t ) pulValues[ regionsPARAM_SIZE ];
        void * pvChain = NULL; /* Each block's first word points to the one before. */
        uint32_t ulBlocks = 0;

        vMhHeapRecord( "start" );

        for( ; ; )
        {
            void ** ppvBlock = pvPortMalloc( uxSize );

            if( ppvBlock == NULL )
            {
                break;
            }

            vMhRecord( "alloc", "size=%u ptr=%p", ( unsigned int ) uxSize, ( void * ) ppvBlock );
            *ppvBlock = pvChain;
            pvChain = ppvBlock;
            ulBlocks++;
        }

        vMhHeapRecord( "full" );

        while( pvChain != NULL )
        {
            void * pvPrevious = *( ( void ** ) pvChain );

            vPortFree( pvChain );
            pvChain = pvPrevious;
        }

        vMhHeapRecord( "freed" );
        vMhRecord( "done", "scenario=heap5_regions status=ok blocks=%lu", ulBlocks );
    }

#else

    static void prvRun( const uint32_t * pulValues )
    {
        ( void ) pulValues;
    }

#endif /* configSUPPORT_DYNAMIC_ALLOCATION */

const Scenario_t xScenarioHeap5Regions =
{
    .pcName         = "heap5_regions",
    .pxParams       = xParams,
    .uxParamCount   = sizeof( xParams ) / sizeof( xParams[ 0 ] ),
    .pxIsApplicable = prvIsApplicable,
    .pxRun          = prvRun
};
