/*
 * Board API: what the firmware needs from a board, nothing more.
 * Each board family implements it under boards/<family>/.
 */

#ifndef BOARD_H
#define BOARD_H

#include <stdint.h>

/* The fault status word a reset record carries (reset_<name>=): the core's own name for it. */
#if defined( __riscv )
    #define boardFAULT_STATUS_NAME    "mcause"
#else
    #define boardFAULT_STATUS_NAME    "cfsr"
#endif

/* Value of xBoardUartGetc() when no character is waiting. */
#define boardUART_NO_CHAR    ( -1 )

/* Clocks and the console UART; called first thing in main(). */
void vBoardInit( void );

/* Blocking (polled) transmit of one character. */
void vBoardUartPutc( char cChar );

/* Non-blocking receive: the character, or boardUART_NO_CHAR. */
int xBoardUartGetc( void );

/* System reset request (Cortex-M: SCB AIRCR SYSRESETREQ); never returns. */
void vBoardRequestReset( void ) __attribute__( ( noreturn ) );

/* Mask every interrupt; returns the previous state for vBoardRestoreInterrupts().
 * Implemented by the core (boards/<core>/): PRIMASK on Cortex-M, mstatus.MIE on RISC-V. */
uint32_t ulBoardMaskInterrupts( void );
void vBoardRestoreInterrupts( uint32_t ulState );

/* The caller's stack pointer (a leaf call: the callee's sp is the caller's). */
void * pvBoardStackPointer( void );

#endif /* BOARD_H */
