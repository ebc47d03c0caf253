/*
 * CMSDK APB UART, polled transmit and receive. The base address comes from
 * the build (MH_UART_BASE): UART0 is 0x40004000 on AN385/386/500 and
 * 0x50200000 (the secure alias) on AN505.
 */

#include <stdint.h>

#include "board.h"
#include "uart_cmsdk.h"

#ifndef MH_UART_BASE
    #error "MH_UART_BASE must be given by the build"
#endif

#define uartDATA_REG       ( *( ( volatile uint32_t * ) ( ( MH_UART_BASE ) + 0x00UL ) ) )
#define uartSTATE_REG      ( *( ( volatile uint32_t * ) ( ( MH_UART_BASE ) + 0x04UL ) ) )
#define uartCTRL_REG       ( *( ( volatile uint32_t * ) ( ( MH_UART_BASE ) + 0x08UL ) ) )
#define uartBAUDDIV_REG    ( *( ( volatile uint32_t * ) ( ( MH_UART_BASE ) + 0x10UL ) ) )

#define uartSTATE_TX_FULL    ( 1UL << 0 )
#define uartSTATE_RX_FULL    ( 1UL << 1 )
#define uartCTRL_TX_ENABLE   ( 1UL << 0 )
#define uartCTRL_RX_ENABLE   ( 1UL << 1 )
#define uartBAUD_DIVISOR     16UL /* The smallest divisor the CMSDK UART accepts. */
#define uartDATA_MASK        0xFFUL

void vUartCmsdkInit( void )
{
    uartBAUDDIV_REG = uartBAUD_DIVISOR;
    uartCTRL_REG = uartCTRL_TX_ENABLE | uartCTRL_RX_ENABLE;
}

void vBoardUartPutc( char cChar )
{
    while( ( uartSTATE_REG & uartSTATE_TX_FULL ) != 0UL )
    {
    }

    uartDATA_REG = ( uint32_t ) ( uint8_t ) cChar;
}

int xBoardUartGetc( void )
{
    int xChar = boardUART_NO_CHAR;

    if( ( uartSTATE_REG & uartSTATE_RX_FULL ) != 0UL )
    {
        xChar = ( int ) ( uartDATA_REG & uartDATA_MASK );
    }

    return xChar;
}
