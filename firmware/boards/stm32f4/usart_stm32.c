/*
 * STM32F4 USART, polled transmit and receive. The base address comes from
 * the build (MH_UART_BASE): USART2, 0x40004400, on netduinoplus2 as on
 * Renode's stm32f4_discovery.
 */

#include <stdint.h>

#include "board.h"
#include "usart_stm32.h"

#ifndef MH_UART_BASE
    #error "MH_UART_BASE must be given by the build"
#endif

#define usartSR_REG          ( *( ( volatile uint32_t * ) ( ( MH_UART_BASE ) + 0x00UL ) ) )
#define usartDR_REG          ( *( ( volatile uint32_t * ) ( ( MH_UART_BASE ) + 0x04UL ) ) )
#define usartBRR_REG         ( *( ( volatile uint32_t * ) ( ( MH_UART_BASE ) + 0x08UL ) ) )
#define usartCR1_REG         ( *( ( volatile uint32_t * ) ( ( MH_UART_BASE ) + 0x0CUL ) ) )

#define usartSR_RXNE         ( 1UL << 5 )
#define usartSR_TXE          ( 1UL << 7 )
#define usartCR1_RE          ( 1UL << 2 )
#define usartCR1_TE          ( 1UL << 3 )
#define usartCR1_UE          ( 1UL << 13 )
#define usartDATA_MASK       0xFFUL

/* 115200 baud from the 16 MHz HSI the chip runs on out of reset: 16e6 / (16 * 115200) = 8.6875,
 * mantissa 8, fraction 0.6875 * 16 = 11. (QEMU ignores the baud rate.) */
#define usartBRR_115200_AT_16MHZ    ( ( 8UL << 4 ) | 11UL )

void vUsartStm32Init( void )
{
    usartBRR_REG = usartBRR_115200_AT_16MHZ;
    usartCR1_REG = usartCR1_UE | usartCR1_TE | usartCR1_RE;
}

void vBoardUartPutc( char cChar )
{
    while( ( usartSR_REG & usartSR_TXE ) == 0UL )
    {
    }

    usartDR_REG = ( uint32_t ) ( uint8_t ) cChar;
}

int xBoardUartGetc( void )
{
    int xChar = boardUART_NO_CHAR;

    if( ( usartSR_REG & usartSR_RXNE ) != 0UL )
    {
        xChar = ( int ) ( usartDR_REG & usartDATA_MASK );
    }

    return xChar;
}
