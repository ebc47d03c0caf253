/*
 * fault_inject (test only): failures the harness must tell apart.
 *   0 configASSERT( 0 )        1 HardFault (load from an invalid address)
 *   2 hang, interrupts on      3 flood of text lines, forever
 *   4 idle forever, never back to ready
 */

#include "FreeRTOS.h"
#include "task.h"

#include "record.h"
#include "scenarios.h"

#define faultKIND_ASSERT       0UL
#define faultKIND_HARDFAULT    1UL
#define faultKIND_HANG         2UL
#define faultKIND_FLOOD        3UL
#define faultKIND_IDLE         4UL
#define faultINVALID_ADDRESS   0xFFFFFFF0UL /* No memory or device there: BusFault. */
#define faultPARAM_KIND        0

static const ScenarioParam_t xParams[] =
{
    /* name    default  min  max */
    { "kind",  0UL,     0UL, faultKIND_IDLE }
};

static void prvRun( const uint32_t * pulValues )
{
    const uint32_t ulKind = pulValues[ faultPARAM_KIND ];
    uint32_t ulLine = 0;

    switch( ulKind )
    {
        case faultKIND_ASSERT:
            configASSERT( ulKind != faultKIND_ASSERT );
            break;

        case faultKIND_HARDFAULT:
            ( void ) *( ( volatile uint32_t * ) faultINVALID_ADDRESS );
            break;

        case faultKIND_HANG:
            for( ; ; )
            {
                __asm volatile ( "nop" );
            }

        case faultKIND_FLOOD:
            for( ; ; )
            {
                vMhText( "flood line %lu", ulLine );
                ulLine++;
            }

        case faultKIND_IDLE:
        default:
            for( ; ; )
            {
                vTaskDelay( portMAX_DELAY );
            }
    }

    vMhRecord( "done", "scenario=fault_inject status=ok kind=%lu", ulKind );
}

const Scenario_t xScenarioFaultInject =
{
    .pcName         = "fault_inject",
    .pxParams       = xParams,
    .uxParamCount   = sizeof( xParams ) / sizeof( xParams[ 0 ] ),
    .pxIsApplicable = NULL,
    .pxRun          = prvRun
};
