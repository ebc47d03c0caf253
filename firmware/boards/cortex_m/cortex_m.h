/*
 * What every Cortex-M board family shares: the reset handler (boards/cortex_m/reset.c),
 * the system reset request, and the names its vector table gives the FreeRTOS port's
 * handlers. The ARMv8-M ports define SVC_Handler, PendSV_Handler and SysTick_Handler
 * themselves; for the ARMv7-M ports FreeRTOSConfig.h maps their names onto these.
 */

#ifndef CORTEX_M_H
#define CORTEX_M_H

#include <stdint.h>

/* Cortex-M system exceptions 1..15 (reset, NMI, faults, SVCall, PendSV, SysTick). */
#define cortexmSYSTEM_HANDLER_COUNT    15

typedef void ( * VectorEntry_t )( void );

/* Copies .data, zeroes .bss, enables the FPU (and on ARMv8-M the UsageFault exception), calls main(). */
void Reset_Handler( void ) __attribute__( ( noreturn ) );

/* The FreeRTOS port's handlers, by their CMSIS names. */
void SVC_Handler( void );
void PendSV_Handler( void );
void SysTick_Handler( void );

/* Linker script symbols. */
extern uint32_t _estack;

#endif /* CORTEX_M_H */
