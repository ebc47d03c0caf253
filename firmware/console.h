/*
 * The UART console task: prints `ready`, reads one command line at a time
 * ("run <scenario> key=value ..." or "list"), validates it against the
 * scenario table, runs the scenario and prints `ready` again.
 */

#ifndef CONSOLE_H
#define CONSOLE_H

#define consoleTASK_NAME          "console"
/* A build may give the console task more stack (-DconsoleTASK_STACK_DEPTH=...): the boot figures
 * then show it as heap taken before the scheduler runs (the CI recipe's regressed build does). */
#ifndef consoleTASK_STACK_DEPTH
    #define consoleTASK_STACK_DEPTH    ( configMINIMAL_STACK_SIZE * 4 )
#endif
#define consoleTASK_PRIORITY      ( tskIDLE_PRIORITY + 1 )

/* Create the console task (static in the static profile). */
void vMhConsoleStart( void );

#endif /* CONSOLE_H */
