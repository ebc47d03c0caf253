/*
 * Operation timer on SYSTIMER unit 0 (16 MHz; see op_timer.h). The board's
 * `op_timer_hz` tells the harness the rate, so ticks convert to cycles.
 */

#include <stdint.h>

#include "board.h"
#include "esp32c3.h"
#include "op_timer.h"

static uint32_t prvNow( void )
{
    esp32c3SYSTIMER_UNIT0_OP = esp32c3SYSTIMER_UNIT0_UPDATE;

    while( ( esp32c3SYSTIMER_UNIT0_OP & esp32c3SYSTIMER_UNIT0_VALUE_VALID ) == 0UL )
    {
    }

    return esp32c3SYSTIMER_UNIT0_VALUE_LO;
}

void vMhOpTimerStart( MhOpTimer_t * pxTimer )
{
    pxTimer->ulMask = ulBoardMaskInterrupts();
    pxTimer->ulStart = prvNow();
}

uint32_t ulMhOpTimerStop( MhOpTimer_t * pxTimer )
{
    const uint32_t ulElapsed = prvNow() - pxTimer->ulStart; /* counts up; wraps are modular */

    vBoardRestoreInterrupts( pxTimer->ulMask );
    return ulElapsed;
}

uint32_t ulMhOpTimerBase( void )
{
    MhOpTimer_t xTimer;

    vMhOpTimerStart( &xTimer );
    return ulMhOpTimerStop( &xTimer );
}
