/*
 * STM32F7 USART (the newer register layout: ISR, RDR and TDR apart), polled
 * transmit and receive. The base address comes from the build (MH_UART_BASE).
 */

#include <stdint.h>

#include "board.h"
#include "usart_stm32f7.h"

#ifndef MH_UART_BASE
    #error "MH_UART_BASE must be given by the build"
#endif

#define usartCR1_REG         ( *( ( volatile uint32_t * ) ( ( MH_UART_BASE ) + 0x00UL ) ) )
#define usartBRR_REG         ( *( ( volatile uint32_t * ) ( ( MH_UART_BASE ) + 0x0CUL ) ) )
#define usartISR_REG         ( *( ( volatile uint32_t * ) ( ( MH_UART_BASE ) + 0x1CUL ) ) )
#define usartRDR_REG         ( *( ( volatile uint32_t * ) ( ( MH_UART_BASE ) + 0x24UL ) ) )
#define usartTDR_REG         ( *( ( volatile uint32_t * ) ( ( MH_UART_BASE ) + 0x28UL ) ) )

#define usartCR1_UE          ( 1UL << 0 )
#define usartCR1_RE          ( 1UL << 2 )
#define usartCR1_TE          ( 1UL << 3 )
#define usartISR_RXNE        ( 1UL << 5 )
#define usartISR_TXE         ( 1UL << 7 )
#define usartDATA_MASK       0xFFUL

/* 115200 baud from the 16 MHz HSI the chip runs on out of reset: 16e6 / 115200 = 139 (oversampling by 16). */
#define usartBRR_115200_AT_16MHZ    139UL

void vUsartStm32f7Init( void )
{
    usartBRR_REG = usartBRR_115200_AT_16MHZ;
    usartCR1_REG = usartCR1_UE | usartCR1_TE | usartCR1_RE;
}

void vBoardUartPutc( char cChar )
{
    while( ( usartISR_REG & usartISR_TXE ) == 0UL )
    {
    }

    usartTDR_REG = ( uint32_t ) ( uint8_t ) cChar;
}

int xBoardUartGetc( void )
{
    int xChar = boardUART_NO_CHAR;

    if( ( usartISR_REG & usartISR_RXNE ) != 0UL )
    {
        xChar = ( int ) ( usartRDR_REG & usartDATA_MASK );
    }

    return xChar;
}
