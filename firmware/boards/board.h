/*
 * Board API: what the firmware needs from a board, nothing more.
 * Each board family implements it under boards/<family>/.
 */

#ifndef BOARD_H
#define BOARD_H

/* Value of xBoardUartGetc() when no character is waiting. */
#define boardUART_NO_CHAR    ( -1 )

/* Clocks and the console UART; called first thing in main(). */
void vBoardInit( void );

/* Blocking (polled) transmit of one character. */
void vBoardUartPutc( char cChar );

/* Non-blocking receive: the character, or boardUART_NO_CHAR. */
int xBoardUartGetc( void );

/* System reset request (SCB AIRCR SYSRESETREQ); never returns. */
void vBoardRequestReset( void ) __attribute__( ( noreturn ) );

#endif /* BOARD_H */
