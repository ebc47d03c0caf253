/*
 * Vector table for the STM32F4 (STM32F405/407: 82 external interrupts).
 * The reset handler is boards/cortex_m/reset.c.
 */

#include <stdint.h>

#include "cortex_m.h"
#include "hooks.h"

#define startupEXTERNAL_IRQ_COUNT    82 /* No external interrupt is used; a stray one is a fault. */

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
        HardFault_Handler, /* UsageFault */
        0,
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
