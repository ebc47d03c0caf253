/*
 * Tick points: where the outside reader takes its tick-spaced snapshots of a
 * user's app, and where a run bounded by ticks ends.
 *
 * The generated FreeRTOSConfig.h defines traceTASK_INCREMENT_TICK to call
 * vMhTickTrace() at the entry of every xTaskIncrementTick(), with xTickCount
 * still holding N (N ticks done) and the scheduler's suspension count. Every
 * MH_TICK_POINT_EVERY ticks it calls vMhTickPoint(), where the harness keeps
 * a breakpoint: an instruction-exact point the app reaches identically on
 * every run under -icount, however fast the idle task lets virtual time run.
 * A tick that comes while the scheduler is suspended (a heap or list
 * operation may be half done) is passed over for the next one.
 */

#include "FreeRTOS.h"

#ifndef MH_TICK_POINT_EVERY
    #define MH_TICK_POINT_EVERY    100UL
#endif
#ifndef MH_TICK_END
    #define MH_TICK_END    0UL /* 0: the run does not end by ticks */
#endif

void vMhTickTrace( unsigned long ulTickCount,
                   unsigned long ulSchedulerSuspended );
void vMhTickPoint( unsigned long ulTickCount ) __attribute__( ( noinline, used ) );
void vMhTickEnd( unsigned long ulTickCount ) __attribute__( ( noinline, used ) );

static unsigned long ulNextPoint = MH_TICK_POINT_EVERY;
static BaseType_t xEnded = pdFALSE;

/* Breakpoint targets: the asm keeps each call from being optimised away. */
void vMhTickPoint( unsigned long ulTickCount )
{
    ( void ) ulTickCount;
    __asm volatile ( "" ::: "memory" );
}

void vMhTickEnd( unsigned long ulTickCount )
{
    ( void ) ulTickCount;
    __asm volatile ( "" ::: "memory" );
}

void vMhTickTrace( unsigned long ulTickCount,
                   unsigned long ulSchedulerSuspended )
{
    if( ulSchedulerSuspended != 0UL )
    {
        return;
    }

    if( ( MH_TICK_END != 0UL ) && ( ulTickCount >= MH_TICK_END ) && ( xEnded == pdFALSE ) )
    {
        xEnded = pdTRUE;
        vMhTickEnd( ulTickCount );
    }
    else if( ulTickCount >= ulNextPoint )
    {
        ulNextPoint = ( ulTickCount - ( ulTickCount % MH_TICK_POINT_EVERY ) ) + MH_TICK_POINT_EVERY;
        vMhTickPoint( ulTickCount );
    }
}
