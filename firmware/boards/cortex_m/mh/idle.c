/*
 * The idle task sleeps until the next interrupt, as a low-power idle does.
 *
 * Under QEMU's -icount with sleep=off a halted core costs no emulation: the
 * virtual clock jumps to the next timer deadline. Without this, the idle task
 * spins for a whole tick (a million instructions at shift 0) every time a task
 * blocks, and the console, which polls the UART once a tick, takes that long
 * per character it receives. Heap and stack figures do not change: the hook
 * runs in the idle task, which allocates nothing.
 */

#include "FreeRTOS.h"
#include "task.h"

void vApplicationIdleHook( void )
{
    __asm volatile ( "dsb \n wfi" ::: "memory" );
}
