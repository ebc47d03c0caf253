/*
 * heap5_early (test only): the next boot skips vPortDefineHeapRegions, so its
 * first allocation trips configASSERT( pxEnd ) in heap_5.c; the assert resets
 * and the boot after that is normal again. heap_5 only.
 */

#include "FreeRTOS.h"

#include "board.h"
#include "heap_figures.h"
#include "record.h"
#include "reset_reason.h"
#include "scenarios.h"

static BaseType_t prvIsApplicable( void )
{
    return ( xMhHeapScheme() == mhHEAP_SCHEME_5 ) ? pdTRUE : pdFALSE;
}

static void prvRun( const uint32_t * pulValues )
{
    ( void ) pulValues;

    vMhResetSetSkipHeapRegions();
    vMhRecord( "reset_request", "why=heap5_early" );
    vBoardRequestReset();
}

const Scenario_t xScenarioHeap5Early =
{
    .pcName         = "heap5_early",
    .pxParams       = NULL,
    .uxParamCount   = 0,
    .pxIsApplicable = prvIsApplicable,
    .pxRun          = prvRun
};
