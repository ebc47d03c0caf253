/*
 * Cortex-M3 vector table and reset handler for MPS2 boards.
 * Reset_Handler copies .data from flash, zeroes .bss, then calls main().
 * .noinit is left alone so the reset reason survives a reset.
 */

#include <stdint.h>

#include "hooks.h"

#define startupSYSTEM_HANDLER_COUNT  15 /* Cortex-M exceptions 1..15. */
#define startupEXTERNAL_IRQ_COUNT    32 /* CMSDK/MPS2 external interrupts. */

typedef void ( * VectorEntry_t )( void );

/* Linker script symbols. */
extern uint32_t _sidata;
extern uint32_t _sdata;
extern uint32_t _edata;
extern uint32_t _sbss;
extern uint32_t _ebss;
extern uint32_t _estack;

/* FreeRTOS port handlers (portable/GCC/ARM_CM3/port.c). */
extern void vPortSVCHandler( void );
extern void xPortPendSVHandler( void );
extern void xPortSysTickHandler( void );

extern int main( void );

void Reset_Handler( void ) __attribute__( ( noreturn ) );

typedef struct VectorTable
{
    uint32_t * pulInitialStack;
    VectorEntry_t pxSystemHandlers[ startupSYSTEM_HANDLER_COUNT ];
    VectorEntry_t pxExternalHandlers[ startupEXTERNAL_IRQ_COUNT ];
} VectorTable_t;

__attribute__( ( section( ".isr_vector" ), used ) )
const VectorTable_t xVectorTable =
{
    .pulInitialStack = &_estack,
    .pxSystemHandlers =
    {
        Reset_Handler,      /* Reset */
        HardFault_Handler,  /* NMI: reported as a fault */
        HardFault_Handler,  /* HardFault */
        HardFault_Handler,  /* MemManage */
        HardFault_Handler,  /* BusFault */
        HardFault_Handler,  /* UsageFault */
        0,
        0,
        0,
        0,
        vPortSVCHandler,    /* SVCall */
        HardFault_Handler,  /* DebugMonitor */
        0,
        xPortPendSVHandler, /* PendSV */
        xPortSysTickHandler /* SysTick */
    },
    /* No external interrupt is enabled: one that fires anyway is a fault. */
    .pxExternalHandlers = { [ 0 ... startupEXTERNAL_IRQ_COUNT - 1 ] = HardFault_Handler }
};

void Reset_Handler( void )
{
    const uint32_t * pulSource = &_sidata;
    uint32_t * pulDestination = &_sdata;

    while( pulDestination < &_edata )
    {
        *pulDestination = *pulSource;
        pulDestination++;
        pulSource++;
    }

    for( pulDestination = &_sbss; pulDestination < &_ebss; pulDestination++ )
    {
        *pulDestination = 0UL;
    }

    ( void ) main();

    for( ; ; )
    {
    }
}
