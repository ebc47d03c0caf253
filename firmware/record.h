/*
 * The one record printer of the firmware.
 *
 * vMhRecord( "heap", "at=%s free=%u", ... ) writes "@mh heap at=.. free=..\n".
 * vMhText() writes a free text line (the seed's own printf lines).
 * A whole line is written with interrupts masked (PRIMASK saved and restored),
 * so lines from different tasks, hooks and fault handlers never interleave.
 * No kernel calls: usable before the scheduler starts and from fault handlers.
 *
 * Supported conversions: %s %c %d %i %u %x %X %p and %%, with an optional 0
 * flag, width and l, z or h modifier. %p prints a pointer as 0x%08x (%X prints
 * lower case digits too).
 */

#ifndef RECORD_H
#define RECORD_H

#include <stdarg.h>
#include <stddef.h>

/* A user's app built by memharness prints "memharness: " instead: its lines
 * are text for a reader there, the outside reader sees the events itself. */
#ifndef mhRECORD_PREFIX
    #define mhRECORD_PREFIX    "@mh "
#endif

void vMhRecord( const char * pcEvent,
                const char * pcFormat,
                ... ) __attribute__( ( format( printf, 2, 3 ) ) );

void vMhText( const char * pcFormat,
              ... ) __attribute__( ( format( printf, 1, 2 ) ) );

/* vprintf-like, for an app's printf: exactly what the format says (no line
 * end added), with interrupts masked for the whole call. Returns the count. */
int iMhPrint( const char * pcFormat,
              va_list xArgs );

/* snprintf-like, same conversions as vMhRecord; always terminates the buffer.
 * Returns the number of characters stored (without the terminator). */
size_t uxMhFormat( char * pcBuffer,
                   size_t uxBufferSize,
                   const char * pcFormat,
                   ... ) __attribute__( ( format( printf, 3, 4 ) ) );

#endif /* RECORD_H */
