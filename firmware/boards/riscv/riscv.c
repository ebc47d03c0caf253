/*
 * RISC-V core support for any application: the interrupt mask, the stack
 * pointer, interrupt dispatch to the family, and the idle hook that works
 * around the emulator's lost tick. Our firmware's trap report is in mh/fault.c.
 */

#include <stdint.h>

#include "FreeRTOS.h"
#include "task.h"

#include "board.h"
#include "riscv.h"

uint32_t ulBoardMaskInterrupts( void )
{
    uint32_t ulMstatus;

    __asm volatile ( "csrrci %0, mstatus, 8" : "=r" ( ulMstatus ) :: "memory" );
    return ulMstatus & riscvMSTATUS_MIE;
}

void vBoardRestoreInterrupts( uint32_t ulState )
{
    if( ( ulState & riscvMSTATUS_MIE ) != 0UL )
    {
        /* A CSR write, not mret: the emulator delivers an interrupt that became pending
         * while masked only then (ESP32-FACTS.md, the lost tick). */
        __asm volatile ( "csrsi mstatus, 8" ::: "memory" );
    }
}

void * __attribute__( ( naked, noinline ) ) pvBoardStackPointer( void )
{
    __asm volatile ( "mv a0, sp \n ret" );
}

void freertos_risc_v_application_interrupt_handler( uint32_t ulMcause )
{
    vBoardInterrupt( riscvMCAUSE_CODE( ulMcause ) );
}

/* The emulator's lost tick (ESP32-FACTS.md): an interrupt that became pending while
 * mstatus.MIE was 0 is delivered only when software sets MIE with a CSR write. The idle
 * task does that, then waits for the next interrupt. */
void vApplicationIdleHook( void )
{
    __asm volatile ( "csrci mstatus, 8 \n csrsi mstatus, 8 \n wfi" ::: "memory" );
}
