/*
 * heap1_no_free: `cycles` times, allocate `size` bytes and give them back.
 *   @mh cycle n=.. ptr=.. free=<after the allocation>
 *   @mh release n=.. released=0|1 free=<after the free>
 * Every scheme but heap_1 gives the block back, so the figure returns each
 * cycle. heap_1 cannot: by default the free is skipped (released=0) and the
 * figure only falls; with call_free=1 vPortFree is called anyway, and heap_1's
 * vPortFree asserts (configASSERT( pv == NULL ) in heap_1.c).
 */

#include <string.h>

#include "FreeRTOS.h"

#include "heap_figures.h"
#include "record.h"
#include "scenarios.h"

#define nofreeFILL_BYTE          0x3C
#define nofreePARAM_SIZE         0
#define nofreePARAM_CYCLES       1
#define nofreePARAM_CALL_FREE    2

static const ScenarioParam_t xParams[] =
{
    /* name         default  min  max */
    { "size",       256UL,   1UL, 65536UL },
    { "cycles",     8UL,     1UL, 1000UL  },
    { "call_free",  0UL,     0UL, 1UL     }
};

#if ( configSUPPORT_DYNAMIC_ALLOCATION == 1 )

    static void prvRun( const uint32_t * pulValues )
    {
        const size_t uxSize = ( size_t ) pulValues[ nofreePARAM_SIZE ];
        const uint32_t ulCycles = pulValues[ nofreePARAM_CYCLES ];
        const BaseType_t xRelease = ( ( xMhHeapCanFree() != pdFALSE ) ||
                                      ( pulValues[ nofreePARAM_CALL_FREE ] != 0UL ) ) ? pdTRUE : pdFALSE;
        uint32_t ulGot = 0;

        vMhHeapRecord( "start" );

        for( uint32_t ulCycle = 0; ulCycle < ulCycles; ulCycle++ )
        {
            uint8_t * pucBlock = pvPortMalloc( uxSize );
            size_t uxFree = 0;

            if( pucBlock == NULL )
            {
                break;
            }

            ulGot++;
            memset( pucBlock, nofreeFILL_BYTE, uxSize );
            ( void ) xMhHeapFreeFigure( &uxFree );
            vMhRecord( "cycle", "n=%lu ptr=%p free=%u", ulCycle, ( void * ) pucBlock, ( unsigned int ) uxFree );

            if( xRelease != pdFALSE )
            {
                vPortFree( pucBlock );
            }

            ( void ) xMhHeapFreeFigure( &uxFree );
            vMhRecord( "release", "n=%lu released=%u free=%u", ulCycle, ( unsigned int ) xRelease, ( unsigned int ) uxFree );
        }

        vMhHeapRecord( "end" );
        vMhRecord( "done", "scenario=heap1_no_free status=ok cycles=%lu", ulGot );
    }

#else

    static void prvRun( const uint32_t * pulValues )
    {
        ( void ) pulValues;
    }

#endif /* configSUPPORT_DYNAMIC_ALLOCATION */

const Scenario_t xScenarioHeap1NoFree =
{
    .pcName         = "heap1_no_free",
    .pxParams       = xParams,
    .uxParamCount   = sizeof( xParams ) / sizeof( xParams[ 0 ] ),
    .pxIsApplicable = xMhHeapCanAllocate,
    .pxRun          = prvRun
};
