/*
 * heap_report: the heap figures of the linked scheme, nothing else.
 */

#include "heap_figures.h"
#include "record.h"
#include "scenarios.h"

static void prvRun( const uint32_t * pulValues )
{
    ( void ) pulValues;

    vMhHeapRecord( "report" );
    vMhRecord( "done", "scenario=heap_report status=ok" );
}

const Scenario_t xScenarioHeapReport =
{
    .pcName         = "heap_report",
    .pxParams       = NULL,
    .uxParamCount   = 0,
    .pxIsApplicable = NULL,
    .pxRun          = prvRun
};
