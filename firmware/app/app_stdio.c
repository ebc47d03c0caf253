/*
 * printf and friends for a user's app, straight to the board's UART.
 *
 * newlib's printf needs a FILE buffer from malloc and about 1 KiB of the
 * calling task's stack; these use the harness's small formatter instead
 * (firmware/record.c: %d %i %u %x %X %s %c %p %%, 0 flag, width, l/z/h),
 * no heap, and print each call whole, never interleaved with another task's.
 * GCC turns printf("text\n") into puts() and printf("%c") into putchar(),
 * so those are here too; anything else that writes stdout goes to _write.
 */

#include <stdarg.h>
#include <stdio.h>

#include "board.h"
#include "record.h"

int _write( int iFile,
            const char * pcData,
            int iLength );

int vprintf( const char * pcFormat,
             va_list xArgs )
{
    return iMhPrint( pcFormat, xArgs );
}

int printf( const char * pcFormat,
            ... )
{
    va_list xArgs;
    int iCount;

    va_start( xArgs, pcFormat );
    iCount = iMhPrint( pcFormat, xArgs );
    va_end( xArgs );

    return iCount;
}

static int prvPrintf( const char * pcFormat,
                      ... )
{
    va_list xArgs;
    int iCount;

    va_start( xArgs, pcFormat );
    iCount = iMhPrint( pcFormat, xArgs );
    va_end( xArgs );

    return iCount;
}

int puts( const char * pcText )
{
    return prvPrintf( "%s\n", pcText );
}

int putchar( int iChar )
{
    vBoardUartPutc( ( char ) iChar );
    return iChar;
}

int _write( int iFile,
            const char * pcData,
            int iLength )
{
    ( void ) iFile;

    for( int i = 0; i < iLength; i++ )
    {
        vBoardUartPutc( pcData[ i ] );
    }

    return iLength;
}
