/*
 * alloc_free: one pvPortMalloc, every byte written, one vPortFree (except on
 * heap_1, whose vPortFree asserts on a non-NULL pointer), with the heap
 * figures before, after the allocation and after the free.
 */

#include <string.h>

#include "FreeRTOS.h"

#include "heap_figures.h"
#include "record.h"
#include "scenarios.h"

#define allocfreeFILL_BYTE     0x5A
#define allocfreePARAM_SIZE    0

static const ScenarioParam_t xParams[] =
{
    /* name    default  min  max */
    { "size",  1024UL,  1UL, 1048576UL }
};

#if ( configSUPPORT_DYNAMIC_ALLOCATION == 1 )
    static void prvRun( const uint32_t * pulValues )
    {
        const size_t uxSize = ( size_t ) pulValues[ allocfreePARAM_SIZE ];
        uint8_t * pucBlock;
        BaseType_t xReleased = pdFALSE;

        vMhHeapRecord( "before" );
        pucBlock = pvPortMalloc( uxSize );

        if( pucBlock != NULL )
        {
            memset( pucBlock, allocfreeFILL_BYTE, uxSize );
        }

        vMhRecord( "alloc", "size=%u ptr=%p", ( unsigned int ) uxSize, ( void * ) pucBlock );
        vMhHeapRecord( "after_alloc" );

        if( xMhHeapCanFree() != pdFALSE )
        {
            vPortFree( pucBlock );
            xReleased = pdTRUE;
        }

        vMhRecord( "free", "ptr=%p released=%u", ( void * ) pucBlock, ( unsigned int ) xReleased );
        vMhHeapRecord( "after_free" );
        vMhRecord( "done", "scenario=alloc_free status=ok allocated=%u", ( pucBlock != NULL ) ? 1U : 0U );
    }
#else
    static void prvRun( const uint32_t * pulValues )
    {
        ( void ) pulValues;
    }
#endif /* configSUPPORT_DYNAMIC_ALLOCATION */

const Scenario_t xScenarioAllocFree =
{
    .pcName         = "alloc_free",
    .pxParams       = xParams,
    .uxParamCount   = sizeof( xParams ) / sizeof( xParams[ 0 ] ),
    .pxIsApplicable = xMhHeapCanAllocate,
    .pxRun          = prvRun
};
