/*
 * The UART console task: prints `ready`, reads one command line at a time
 * ("run <scenario> key=value ..." or "list"), validates it against the
 * scenario table, runs the scenario and prints `ready` again.
 */

#ifndef CONSOLE_H
#define CONSOLE_H

#define consoleTASK_NAME          "console"
#define consoleTASK_STACK_DEPTH   ( configMINIMAL_STACK_SIZE * 4 )
#define consoleTASK_PRIORITY      ( tskIDLE_PRIORITY + 1 )

/* Create the console task (static in the static profile). */
void vMhConsoleStart( void );

#endif /* CONSOLE_H */
