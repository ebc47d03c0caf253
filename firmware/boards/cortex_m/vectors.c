/*
 * The vector table every board shares; the number of external interrupts comes
 * from the family's board_vectors.h. The reset handler is reset.c.
 */

#include <stdint.h>

#include "cortex_m.h"
#include "hooks.h"
#include "board_vectors.h"

typedef struct VectorTable
{
    uint32_t * pulInitialStack;
    VectorEntry_t pxSystemHandlers[ cortexmSYSTEM_HANDLER_COUNT ];
    VectorEntry_t pxExternalHandlers[ boardEXTERNAL_IRQ_COUNT ];
} VectorTable_t;

__attribute__( ( section( ".isr_vector" ), used ) )
const VectorTable_t xVectorTable =
{
    .pulInitialStack = &_estack,
    .pxSystemHandlers =
    {
        Reset_Handler,     /* Reset */
        HardFault_Handler, /* NMI: reported as a fault */
        HardFault_Handler, /* HardFault */
        HardFault_Handler, /* MemManage */
        HardFault_Handler, /* BusFault */
        HardFault_Handler, /* UsageFault (ARMv8-M: STKOF, the stack limit) */
        HardFault_Handler, /* SecureFault on ARMv8-M, reserved on ARMv7-M */
        0,
        0,
        0,
        SVC_Handler,       /* SVCall */
        HardFault_Handler, /* DebugMonitor */
        0,
        PendSV_Handler,    /* PendSV */
        SysTick_Handler    /* SysTick */
    },
    /* No external interrupt is used: a stray one is reported as a fault. */
    .pxExternalHandlers = { [ 0 ... boardEXTERNAL_IRQ_COUNT - 1 ] = HardFault_Handler }
};
