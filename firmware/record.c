/*
 * The one record printer: a small formatter writing straight to the board's
 * UART with interrupts masked for the whole line. It uses no heap, no libc
 * stdio and no kernel call, so hooks and fault handlers can print through it.
 */

#include <stdint.h>

#include "record.h"
#include "board.h"

#define mhMAX_DIGITS         10 /* 2^32 - 1 has 10 decimal digits. */
#define mhDECIMAL_BASE       10U
#define mhHEX_BASE           16U
#define mhPOINTER_WIDTH      8
#define mhLINE_END           '\n'

/* Where the formatter puts characters: the UART or a caller's buffer. */
typedef struct MhSink
{
    char * pcBuffer; /* NULL: write to the UART. */
    size_t uxSize;
    size_t uxLength;
} MhSink_t;

static void prvPut( MhSink_t * pxSink,
                    char cChar )
{
    if( pxSink->pcBuffer == NULL )
    {
        vBoardUartPutc( cChar );
        pxSink->uxLength++;
    }
    else if( ( pxSink->uxLength + 1U ) < pxSink->uxSize )
    {
        pxSink->pcBuffer[ pxSink->uxLength ] = cChar;
        pxSink->uxLength++;
    }
}

static void prvPutString( MhSink_t * pxSink,
                          const char * pcString )
{
    if( pcString == NULL )
    {
        pcString = "(null)";
    }

    while( *pcString != '\0' )
    {
        prvPut( pxSink, *pcString );
        pcString++;
    }
}

static void prvPutNumber( MhSink_t * pxSink,
                          uint32_t ulValue,
                          uint32_t ulBase,
                          int iWidth,
                          char cPad,
                          int iNegative )
{
    static const char cDigits[] = "0123456789abcdef";
    char cReversed[ mhMAX_DIGITS + 1 ];
    int iCount = 0;

    do
    {
        cReversed[ iCount ] = cDigits[ ulValue % ulBase ];
        iCount++;
        ulValue /= ulBase;
    } while( ( ulValue != 0U ) && ( iCount < mhMAX_DIGITS ) );

    if( iNegative != 0 )
    {
        iWidth--;

        if( cPad == '0' )
        {
            prvPut( pxSink, '-' );
        }
    }

    while( iWidth > iCount )
    {
        prvPut( pxSink, cPad );
        iWidth--;
    }

    if( ( iNegative != 0 ) && ( cPad != '0' ) )
    {
        prvPut( pxSink, '-' );
    }

    while( iCount > 0 )
    {
        iCount--;
        prvPut( pxSink, cReversed[ iCount ] );
    }
}

static void prvFormat( MhSink_t * pxSink,
                       const char * pcFormat,
                       va_list xArgs )
{
    while( *pcFormat != '\0' )
    {
        char cPad = ' ';
        int iWidth = 0;

        if( *pcFormat != '%' )
        {
            prvPut( pxSink, *pcFormat );
            pcFormat++;
            continue;
        }

        pcFormat++;

        if( *pcFormat == '0' )
        {
            cPad = '0';
            pcFormat++;
        }

        while( ( *pcFormat >= '0' ) && ( *pcFormat <= '9' ) )
        {
            iWidth = ( iWidth * ( int ) mhDECIMAL_BASE ) + ( *pcFormat - '0' );
            pcFormat++;
        }

        /* long, size_t and int are all 32 bits on this target; short and char are promoted. */
        while( ( *pcFormat == 'l' ) || ( *pcFormat == 'z' ) || ( *pcFormat == 'h' ) )
        {
            pcFormat++;
        }

        switch( *pcFormat )
        {
            case 's':
                prvPutString( pxSink, va_arg( xArgs, const char * ) );
                break;

            case 'c':
                prvPut( pxSink, ( char ) va_arg( xArgs, int ) );
                break;

            case 'd':
            case 'i':
               {
                   int32_t lValue = ( int32_t ) va_arg( xArgs, int );
                   uint32_t ulMagnitude = ( lValue < 0 ) ? ( 0U - ( uint32_t ) lValue ) : ( uint32_t ) lValue;
                   prvPutNumber( pxSink, ulMagnitude, mhDECIMAL_BASE, iWidth, cPad, lValue < 0 );
               }
               break;

            case 'u':
                prvPutNumber( pxSink, va_arg( xArgs, uint32_t ), mhDECIMAL_BASE, iWidth, cPad, 0 );
                break;

            case 'x':
            case 'X':
                prvPutNumber( pxSink, va_arg( xArgs, uint32_t ), mhHEX_BASE, iWidth, cPad, 0 );
                break;

            case 'p':
                prvPutString( pxSink, "0x" );
                prvPutNumber( pxSink, ( uint32_t ) ( uintptr_t ) va_arg( xArgs, void * ), mhHEX_BASE, mhPOINTER_WIDTH, '0', 0 );
                break;

            case '%':
                prvPut( pxSink, '%' );
                break;

            case '\0':
                return;

            default:
                prvPut( pxSink, '%' );
                prvPut( pxSink, *pcFormat );
                break;
        }

        pcFormat++;
    }
}

static void prvWriteLine( const char * pcEvent,
                          const char * pcFormat,
                          va_list xArgs )
{
    MhSink_t xSink = { NULL, 0U, 0U };
    uint32_t ulPrimask = ulBoardMaskInterrupts();

    if( pcEvent != NULL )
    {
        prvPutString( &xSink, mhRECORD_PREFIX );
        prvPutString( &xSink, pcEvent );

        if( *pcFormat != '\0' )
        {
            prvPut( &xSink, ' ' );
        }
    }

    prvFormat( &xSink, pcFormat, xArgs );
    prvPut( &xSink, mhLINE_END );
    vBoardRestoreInterrupts( ulPrimask );
}

void vMhRecord( const char * pcEvent,
                const char * pcFormat,
                ... )
{
    va_list xArgs;

    va_start( xArgs, pcFormat );
    prvWriteLine( pcEvent, pcFormat, xArgs );
    va_end( xArgs );
}

void vMhText( const char * pcFormat,
              ... )
{
    va_list xArgs;

    va_start( xArgs, pcFormat );
    prvWriteLine( NULL, pcFormat, xArgs );
    va_end( xArgs );
}

int iMhPrint( const char * pcFormat,
              va_list xArgs )
{
    MhSink_t xSink = { NULL, 0U, 0U };
    uint32_t ulPrimask = ulBoardMaskInterrupts();

    prvFormat( &xSink, pcFormat, xArgs );
    vBoardRestoreInterrupts( ulPrimask );

    return ( int ) xSink.uxLength;
}

size_t uxMhFormat( char * pcBuffer,
                   size_t uxBufferSize,
                   const char * pcFormat,
                   ... )
{
    MhSink_t xSink = { pcBuffer, uxBufferSize, 0U };
    va_list xArgs;

    va_start( xArgs, pcFormat );
    prvFormat( &xSink, pcFormat, xArgs );
    va_end( xArgs );

    if( uxBufferSize > 0U )
    {
        pcBuffer[ xSink.uxLength ] = '\0';
    }

    return xSink.uxLength;
}
