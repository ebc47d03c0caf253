/*
 * What every RISC-V board family shares: the start-up (boards/riscv/start.S),
 * the trap report and the interrupt mask (boards/riscv/riscv.c). A family
 * supplies the tick (vPortSetupTimerInterrupt and the interrupt handler) and
 * the system reset.
 */

#ifndef RISCV_H
#define RISCV_H

#include <stdint.h>

#define riscvMSTATUS_MIE              ( 1UL << 3 )
#define riscvMCAUSE_INTERRUPT         ( 1UL << 31 )
#define riscvMCAUSE_CODE( x )         ( ( x ) & 0x7FFFFFFFUL )

/* The port calls these (portable/GCC/RISC-V/portASM.S) with mcause in a0. */
void freertos_risc_v_application_exception_handler( uint32_t ulMcause );
void freertos_risc_v_application_interrupt_handler( uint32_t ulMcause );

/* The family's handler for one CPU interrupt line (the tick among them). */
void vBoardInterrupt( uint32_t ulLine );

#endif /* RISCV_H */
