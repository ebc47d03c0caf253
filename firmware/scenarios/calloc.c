/*
 * calloc: pvPortCalloc( count, size ) zeroes its block and costs what
 * pvPortMalloc( count * size ) costs. The memory is dirtied first (a block of
 * the same size filled with 0x5A and freed), so zeroes are calloc's work.
 *   @mh heap at=before|after|freed
 *   @mh calloc count=.. size=.. ptr=.. zeroed=0|1 reused=0|1
 *   @mh calloc_overflow ptr=..    (count * size past SIZE_MAX: NULL)
 * heap_2, heap_4 and heap_5 only: the others have no pvPortCalloc.
 */

#include <stdint.h>
#include <string.h>

#include "FreeRTOS.h"

#include "heap_figures.h"
#include "record.h"
#include "scenarios.h"

#define callocDIRT_BYTE          0x5A
#define callocOVERFLOW_COUNT     0x10000UL /* 0x10000 * 0x10000 wraps a 32-bit size_t. */
#define callocPARAM_COUNT        0
#define callocPARAM_SIZE         1

static const ScenarioParam_t xParams[] =
{
    /* name     default  min  max */
    { "count",  16UL,    1UL, 4096UL },
    { "size",   64UL,    1UL, 4096UL }
};

static BaseType_t prvIsApplicable( void )
{
    return xMhHeapHasCalloc();
}

#if ( configSUPPORT_DYNAMIC_ALLOCATION == 1 )

    static void prvRun( const uint32_t * pulValues )
    {
        const size_t uxCount = ( size_t ) pulValues[ callocPARAM_COUNT ];
        const size_t uxSize = ( size_t ) pulValues[ callocPARAM_SIZE ];
        const size_t uxBytes = uxCount * uxSize;
        uint8_t * pucDirty = pvPortMalloc( uxBytes );
        const uintptr_t uxDirtyAddress = ( uintptr_t ) pucDirty;
        uint8_t * pucBlock;
        void * pvOverflow;
        BaseType_t xZeroed = pdTRUE;

        if( pucDirty != NULL )
        {
            memset( pucDirty, callocDIRT_BYTE, uxBytes );
            vPortFree( pucDirty );
        }

        vMhHeapRecord( "before" );
        pucBlock = pvMhHeapCalloc( uxCount, uxSize );
        vMhHeapRecord( "after" );

        if( pucBlock == NULL )
        {
            xZeroed = pdFALSE;
        }
        else
        {
            for( size_t uxIndex = 0; uxIndex < uxBytes; uxIndex++ )
            {
                if( pucBlock[ uxIndex ] != 0U )
                {
                    xZeroed = pdFALSE;
                    break;
                }
            }
        }

        vMhRecord( "calloc", "count=%u size=%u ptr=%p zeroed=%u reused=%u", ( unsigned int ) uxCount,
                   ( unsigned int ) uxSize, ( void * ) pucBlock, ( unsigned int ) xZeroed,
                   ( ( pucBlock != NULL ) && ( ( uintptr_t ) pucBlock == uxDirtyAddress ) ) ? 1U : 0U );
        vPortFree( pucBlock );
        vMhHeapRecord( "freed" );

        pvOverflow = pvMhHeapCalloc( callocOVERFLOW_COUNT, callocOVERFLOW_COUNT );
        vMhRecord( "calloc_overflow", "ptr=%p", pvOverflow );
        vPortFree( pvOverflow );

        vMhRecord( "done", "scenario=calloc status=%s", ( xZeroed != pdFALSE ) ? "ok" : "not_zeroed" );
    }

#else

    static void prvRun( const uint32_t * pulValues )
    {
        ( void ) pulValues;
    }

#endif /* configSUPPORT_DYNAMIC_ALLOCATION */

const Scenario_t xScenarioCalloc =
{
    .pcName         = "calloc",
    .pxParams       = xParams,
    .uxParamCount   = sizeof( xParams ) / sizeof( xParams[ 0 ] ),
    .pxIsApplicable = prvIsApplicable,
    .pxRun          = prvRun
};
