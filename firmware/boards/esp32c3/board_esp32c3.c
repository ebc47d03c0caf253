/*
 * ESP32-C3 board support: UART0 console, the kernel tick from SYSTIMER
 * comparator 0 through the interrupt matrix, and the system reset. The core's
 * start-up and trap report are in boards/riscv/.
 */

#include <stdint.h>

#include "FreeRTOS.h"
#include "task.h"

#include "board.h"
#include "esp32c3.h"
#include "riscv.h"

typedef void ( * RomResetCpu_t )( int iCpu );

void vPortSetupTimerInterrupt( void );

void vBoardInit( void )
{
    /* The ROM leaves UART0 set up at its baud rate; the emulator needs nothing more. */
}

void vBoardUartPutc( char cChar )
{
    while( esp32c3UART_TX_COUNT( esp32c3UART_STATUS ) >= esp32c3UART_TX_FIFO_SIZE )
    {
    }

    esp32c3UART_FIFO = ( uint32_t ) ( uint8_t ) cChar;
}

int xBoardUartGetc( void )
{
    if( esp32c3UART_RX_COUNT( esp32c3UART_STATUS ) == 0UL )
    {
        return boardUART_NO_CHAR;
    }

    return ( int ) ( esp32c3UART_FIFO & 0xFFUL );
}

void vBoardRequestReset( void )
{
    /* The ROM's own routine resets the CPU; the ROM then prints rst:0xc and boots again. */
    ( ( RomResetCpu_t ) esp32c3ROM_SOFTWARE_RESET_CPU )( 0 );

    for( ; ; )
    {
    }
}

/* The port calls this from xPortStartScheduler (configMTIME_BASE_ADDRESS is 0: no CLINT). */
void vPortSetupTimerInterrupt( void )
{
    esp32c3SYSTIMER_CONF |= esp32c3SYSTIMER_UNIT0_WORK_EN;
    esp32c3SYSTIMER_TARGET0_CONF = esp32c3SYSTIMER_TARGET0_PERIOD_MODE |
                                   ( esp32c3SYSTIMER_HZ / configTICK_RATE_HZ );
    esp32c3SYSTIMER_COMP0_LOAD = 1UL;
    esp32c3SYSTIMER_CONF |= esp32c3SYSTIMER_TARGET0_WORK_EN;
    esp32c3SYSTIMER_INT_CLR = esp32c3SYSTIMER_TARGET0_INT;
    esp32c3SYSTIMER_INT_ENA |= esp32c3SYSTIMER_TARGET0_INT;

    esp32c3INTMTX_SYSTIMER_TARGET0_MAP = esp32c3TICK_LINE;
    esp32c3INTMTX_LINE_TYPE &= ~( 1UL << esp32c3TICK_LINE ); /* level: the only kind modelled */
    esp32c3INTMTX_LINE_PRIORITY( esp32c3TICK_LINE ) = esp32c3TICK_PRIORITY;
    esp32c3INTMTX_THRESHOLD = esp32c3TICK_PRIORITY;
    esp32c3INTMTX_LINE_ENABLE |= ( 1UL << esp32c3TICK_LINE );
}

void vBoardInterrupt( uint32_t ulLine )
{
    if( ulLine == esp32c3TICK_LINE )
    {
        esp32c3SYSTIMER_INT_CLR = esp32c3SYSTIMER_TARGET0_INT;

        if( xTaskIncrementTick() != pdFALSE )
        {
            vTaskSwitchContext();
        }
    }
}
