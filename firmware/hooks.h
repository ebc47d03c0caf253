/*
 * Application hooks and fault handlers: each prints one record, stores the
 * reset reason in no-init RAM and (except the malloc-failed hook) resets.
 */

#ifndef HOOKS_H
#define HOOKS_H

/* HardFault, MemManage, BusFault, UsageFault (and stray interrupts). */
void HardFault_Handler( void ) __attribute__( ( naked ) );

/* Basename of a path, e.g. "heap_5.c" for ".../MemMang/heap_5.c". */
const char * pcMhBaseName( const char * pcPath );

/* The running task's name, or NULL before the scheduler starts. */
const char * pcMhCurrentTaskName( void );

#endif /* HOOKS_H */
