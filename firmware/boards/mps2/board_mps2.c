/*
 * MPS2 (QEMU mps2-an385) board support: console UART and system reset.
 */

#include <stdint.h>

#include "board.h"
#include "uart_cmsdk.h"

#define boardSCB_AIRCR_REG          ( *( ( volatile uint32_t * ) 0xE000ED0CUL ) )
#define boardAIRCR_VECTKEY          ( 0x05FAUL << 16 )
#define boardAIRCR_SYSRESETREQ      ( 1UL << 2 )

void vBoardInit( void )
{
    vUartCmsdkInit();
}

void vBoardRequestReset( void )
{
    __asm volatile ( "dsb" ::: "memory" );
    boardSCB_AIRCR_REG = boardAIRCR_VECTKEY | boardAIRCR_SYSRESETREQ;
    __asm volatile ( "dsb" ::: "memory" );

    for( ; ; )
    {
    }
}
