/*
 * SysTick-based operation timer (see op_timer.h). SysTick is at the same address on
 * every Cortex-M, so this file serves every board.
 */

#include <stdint.h>

#include "op_timer.h"

#define timerSYST_RVR          ( *( ( volatile uint32_t * ) 0xE000E014UL ) )
#define timerSYST_CVR          ( *( ( volatile uint32_t * ) 0xE000E018UL ) )
#define timerCOUNTER_MASK      0x00FFFFFFUL

void vMhOpTimerStart( MhOpTimer_t * pxTimer )
{
    uint32_t ulMask;
    const uint32_t ulGuard = ( ( timerSYST_RVR & timerCOUNTER_MASK ) + 1UL ) / 2UL;

    /* Start in the first half of a period, so no reload falls inside the operation (the
     * longest takes about a quarter of a period). Around a reload the value QEMU gives
     * depends on when its timer event is processed, and where an operation falls in the
     * period follows the host-timed arrival of the UART command, so a reload inside an
     * operation made its figure differ by one from run to run. The wait runs with
     * interrupts on (the tick's handler comes first) and is not part of the measurement. */
    while( ( timerSYST_CVR & timerCOUNTER_MASK ) < ulGuard )
    {
    }

    __asm volatile ( "mrs %0, primask\n cpsid i" : "=r" ( ulMask ) :: "memory" );
    pxTimer->ulMask = ulMask;
    pxTimer->ulStart = timerSYST_CVR & timerCOUNTER_MASK;
}

uint32_t ulMhOpTimerStop( MhOpTimer_t * pxTimer )
{
    const uint32_t ulEnd = timerSYST_CVR & timerCOUNTER_MASK;
    const uint32_t ulPeriod = ( timerSYST_RVR & timerCOUNTER_MASK ) + 1UL;
    uint32_t ulElapsed;

    /* The counter counts down and reloads from RVR after zero; an operation is far shorter
     * than one period (a tick of the kernel), so at most one reload lies between the reads.
     * COUNTFLAG is not used: under QEMU it is set when the timer event is processed, which
     * can lag the counter value by a few instructions. */
    if( ulEnd <= pxTimer->ulStart )
    {
        ulElapsed = pxTimer->ulStart - ulEnd;
    }
    else
    {
        ulElapsed = pxTimer->ulStart + ( ulPeriod - ulEnd );
    }

    __asm volatile ( "msr primask, %0" :: "r" ( pxTimer->ulMask ) : "memory" );

    return ulElapsed;
}

uint32_t ulMhOpTimerBase( void )
{
    MhOpTimer_t xTimer;
    vMhOpTimerStart( &xTimer );
    return ulMhOpTimerStop( &xTimer );
}
