/*
 * MPS2 board support (QEMU mps2-an385/an386/an500/an505): the console is the
 * CMSDK UART0, at MH_UART_BASE from the board's YAML. Reset: boards/cortex_m.
 */

#include "board.h"
#include "uart_cmsdk.h"

void vBoardInit( void )
{
    vUartCmsdkInit();
}
