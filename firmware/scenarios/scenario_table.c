/*
 * The registered scenarios, in the order `ready` and `list` show them.
 */

#include "scenarios.h"

const Scenario_t * const pxMhScenarios[] =
{
    &xScenarioHeapReport,
    &xScenarioAllocFree,
    &xScenarioLeak,
    &xScenarioOverflow,
    &xScenarioHeap5Early,
    &xScenarioFaultInject,
    &xScenarioStackHwm,
    &xScenarioTaskOverhead,
    &xScenarioKernelObjects,
    &xScenarioFragmentation,
    &xScenarioHeap1NoFree,
    &xScenarioMallocFailed,
    &xScenarioHeap5Regions,
    &xScenarioCalloc,
    &xScenarioStaticObjects,
    &xScenarioSeedTask
};

const UBaseType_t uxMhScenarioCount = sizeof( pxMhScenarios ) / sizeof( pxMhScenarios[ 0 ] );
