/*
 * nRF52840 board support (Renode's nrf52840 platform; only Renode emulates it):
 * the console is UARTE0, polled, one byte per EasyDMA transfer: transmit
 * points TXD.PTR at the byte and waits for EVENTS_ENDTX; receive keeps a
 * one-byte transfer armed and takes the byte when EVENTS_ENDRX says it landed.
 * Pins as on the nRF52840-DK (TX P0.06, RX P0.08). Reset: boards/cortex_m.
 */

#include <stdint.h>

#include "board.h"

#ifndef MH_UART_BASE
    #error "MH_UART_BASE must be given by the build"
#endif

#define uarteREG( offset )          ( *( ( volatile uint32_t * ) ( ( MH_UART_BASE ) + ( offset ) ) ) )
#define uarteTASKS_STARTRX_REG      uarteREG( 0x000UL )
#define uarteTASKS_STARTTX_REG      uarteREG( 0x008UL )
#define uarteEVENTS_ENDRX_REG       uarteREG( 0x110UL )
#define uarteEVENTS_ENDTX_REG       uarteREG( 0x120UL )
#define uarteENABLE_REG             uarteREG( 0x500UL )
#define uartePSEL_TXD_REG           uarteREG( 0x50CUL )
#define uartePSEL_RXD_REG           uarteREG( 0x514UL )
#define uarteBAUDRATE_REG           uarteREG( 0x524UL )
#define uarteRXD_PTR_REG            uarteREG( 0x534UL )
#define uarteRXD_MAXCNT_REG         uarteREG( 0x538UL )
#define uarteTXD_PTR_REG            uarteREG( 0x544UL )
#define uarteTXD_MAXCNT_REG         uarteREG( 0x548UL )

#define uarteENABLE_UARTE           8UL
#define uarteBAUDRATE_115200        0x01D60000UL
#define uarteTX_PIN                 6UL
#define uarteRX_PIN                 8UL
#define uarteTASK_TRIGGER           1UL
#define uarteEVENT_CLEAR            0UL
#define uarteONE_BYTE               1UL

static volatile uint8_t ucTxByte;
static volatile uint8_t ucRxByte;

static void prvArmReceive( void )
{
    uarteEVENTS_ENDRX_REG = uarteEVENT_CLEAR;
    uarteRXD_PTR_REG = ( uint32_t ) &ucRxByte;
    uarteRXD_MAXCNT_REG = uarteONE_BYTE;
    uarteTASKS_STARTRX_REG = uarteTASK_TRIGGER;
}

void vBoardInit( void )
{
    uartePSEL_TXD_REG = uarteTX_PIN;
    uartePSEL_RXD_REG = uarteRX_PIN;
    uarteBAUDRATE_REG = uarteBAUDRATE_115200;
    uarteENABLE_REG = uarteENABLE_UARTE;
    prvArmReceive();
}

void vBoardUartPutc( char cChar )
{
    ucTxByte = ( uint8_t ) cChar;
    uarteEVENTS_ENDTX_REG = uarteEVENT_CLEAR;
    uarteTXD_PTR_REG = ( uint32_t ) &ucTxByte;
    uarteTXD_MAXCNT_REG = uarteONE_BYTE;
    uarteTASKS_STARTTX_REG = uarteTASK_TRIGGER;

    while( uarteEVENTS_ENDTX_REG == uarteEVENT_CLEAR )
    {
    }
}

int xBoardUartGetc( void )
{
    int xChar = boardUART_NO_CHAR;

    if( uarteEVENTS_ENDRX_REG != uarteEVENT_CLEAR )
    {
        xChar = ( int ) ucRxByte;
        prvArmReceive();
    }

    return xChar;
}
