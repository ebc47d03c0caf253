/*
 * Vector table for the MPS2 boards (AN385 Cortex-M3, AN386 M4F, AN500 M7,
 * AN505 M33). The reset handler is boards/cortex_m/reset.c.
 */

#include <stdint.h>

#include "cortex_m.h"
#include "hooks.h"

#define startupEXTERNAL_IRQ_COUNT    32 /* No external interrupt is used; a stray one is a fault. */

typedef struct VectorTable
{
    uint32_t * pulInitialStack;
    VectorEntry_t pxSystemHandlers[ cortexmSYSTEM_HANDLER_COUNT ];
    VectorEntry_t pxExternalHandlers[ startupEXTERNAL_IRQ_COUNT ];
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
    .pxExternalHandlers = { [ 0 ... startupEXTERNAL_IRQ_COUNT - 1 ] = HardFault_Handler }
};
