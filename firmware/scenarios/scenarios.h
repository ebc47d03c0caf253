/*
 * The scenario table type. Each scenario file defines one Scenario_t with
 * its parameter table; scenario_table.c lists them. The console validates
 * a command's key=value pairs against the parameter table and calls pxRun
 * with one value per parameter (in table order, defaults filled in).
 * pxRun prints the scenario's records, ending with `@mh done ...`.
 */

#ifndef SCENARIOS_H
#define SCENARIOS_H

#include <stdint.h>

#include "FreeRTOS.h"

#define scenarioMAX_PARAMS    8

typedef struct ScenarioParam
{
    const char * pcName;
    uint32_t ulDefault;
    uint32_t ulMin;
    uint32_t ulMax;
} ScenarioParam_t;

typedef struct Scenario
{
    const char * pcName;
    const ScenarioParam_t * pxParams; /* NULL if uxParamCount is 0. */
    UBaseType_t uxParamCount;
    BaseType_t ( * pxIsApplicable )( void ); /* NULL: applicable everywhere. */
    void ( * pxRun )( const uint32_t * pulValues );
} Scenario_t;

extern const Scenario_t * const pxMhScenarios[];
extern const UBaseType_t uxMhScenarioCount;

/* The scenarios (one file each). */
extern const Scenario_t xScenarioHeapReport;
extern const Scenario_t xScenarioAllocFree;
extern const Scenario_t xScenarioLeak;
extern const Scenario_t xScenarioOverflow;
extern const Scenario_t xScenarioHeap5Early;
extern const Scenario_t xScenarioFaultInject;
extern const Scenario_t xScenarioStackHwm;
extern const Scenario_t xScenarioTaskOverhead;
extern const Scenario_t xScenarioKernelObjects;
extern const Scenario_t xScenarioFragmentation;
extern const Scenario_t xScenarioHeap1NoFree;
extern const Scenario_t xScenarioMallocFailed;
extern const Scenario_t xScenarioHeap5Regions;
extern const Scenario_t xScenarioCalloc;
extern const Scenario_t xScenarioStaticObjects;
extern const Scenario_t xScenarioSeedTask;

/* overflow restart=1: restart TestTask (ulDepthWords) at boot; ulCount is the
 * number of boots that restarted it (restart_at_boot.c calls it). */
void vMhOverflowRestartAtBoot( uint32_t ulDepthWords,
                               uint32_t ulCount );

#endif /* SCENARIOS_H */
