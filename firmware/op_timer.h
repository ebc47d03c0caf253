/*
 * Times one short operation with the Cortex-M SysTick counter, interrupts masked.
 *
 * Under QEMU's -icount every instruction takes a fixed slice of virtual time, so the
 * SysTick ticks an operation spans are the same on every run; the harness turns them
 * into instructions (harness/compare.py).
 */

#ifndef OP_TIMER_H
#define OP_TIMER_H

#include <stdint.h>

typedef struct MhOpTimer
{
    uint32_t ulStart;
    uint32_t ulMask;
} MhOpTimer_t;

/* Masks interrupts (PRIMASK, which the kernel's BASEPRI critical sections leave alone)
 * and samples the counter. */
void vMhOpTimerStart( MhOpTimer_t * pxTimer );

/* Samples the counter, restores interrupts, and returns the ticks elapsed (the operation
 * must take less than one SysTick period, one kernel tick). */
uint32_t ulMhOpTimerStop( MhOpTimer_t * pxTimer );

/* The ticks an empty start/stop pair takes, to subtract from every measurement. */
uint32_t ulMhOpTimerBase( void );

#endif /* OP_TIMER_H */
