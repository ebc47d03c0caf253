/*
 * The boot record: the first line of every boot, before the first allocation.
 * Shared by the harness's firmware (main.c) and the start-up of a user's app
 * (app/app_start.c), so both report resets the same way.
 */

#include <stdint.h>

#include "FreeRTOS.h"
#include "task.h"

#include "board.h"
#include "boot_record.h"
#include "heap_figures.h"
#include "record.h"
#include "reset_reason.h"

#define bootPROTOCOL_VERSION    1U
#define bootDETAILS_LENGTH      96

/* The profile numbers of firmware/FreeRTOSConfig.h, for an app built with its own config. */
#ifndef mhPROFILE_STATIC
    #define mhPROFILE_DYNAMIC    0
    #define mhPROFILE_STATIC     1
    #define mhPROFILE_MIXED      2
#endif

#ifndef MH_BOARD_NAME
    #define MH_BOARD_NAME    "unknown"
#endif
#ifndef MH_CPU_NAME
    #define MH_CPU_NAME      "unknown"
#endif
#ifndef MH_PORT_NAME
    #define MH_PORT_NAME     "unknown"
#endif

static const char * prvProfileName( void )
{
    #if ( MH_PROFILE == mhPROFILE_STATIC )
        return "static";
    #elif ( MH_PROFILE == mhPROFILE_MIXED )
        return "mixed";
    #else
        return "dynamic";
    #endif
}

/* The optional reset_* fields of the boot record. */
static void prvFormatResetDetails( char * pcBuffer,
                                   size_t uxSize )
{
    const MhResetInfo_t * pxReset = pxMhLastReset();
    size_t uxLength = 0;

    pcBuffer[ 0 ] = '\0';

    if( pxReset->cTask[ 0 ] != '\0' )
    {
        uxLength += uxMhFormat( &pcBuffer[ uxLength ], uxSize - uxLength, " reset_task=%s", pxReset->cTask );
    }

    if( pxReset->cFile[ 0 ] != '\0' )
    {
        uxLength += uxMhFormat( &pcBuffer[ uxLength ], uxSize - uxLength, " reset_file=%s reset_line=%lu",
                                pxReset->cFile, pxReset->ulLine );
    }

    if( pxReset->ulHasFaultRegisters != 0U )
    {
        ( void ) uxMhFormat( &pcBuffer[ uxLength ], uxSize - uxLength, " reset_pc=0x%08lx reset_%s=0x%08lx",
                             pxReset->ulPc, boardFAULT_STATUS_NAME, pxReset->ulCfsr );
    }
}

void vMhBootRecord( void )
{
    char cDetails[ bootDETAILS_LENGTH ];

    prvFormatResetDetails( cDetails, sizeof( cDetails ) );
    vMhRecord( "boot", "proto=%u board=%s cpu=%s port=%s kernel=%s heap=%s profile=%s heap_size=%u "
                       "overflow_check=%u tcb_size=%u align=%u stack_word=%u boot=%lu reset=%s%s",
               bootPROTOCOL_VERSION, MH_BOARD_NAME, MH_CPU_NAME, MH_PORT_NAME, tskKERNEL_VERSION_NUMBER,
               pcMhHeapSchemeName(), prvProfileName(), ( unsigned int ) uxMhHeapTotalSize(),
               ( unsigned int ) configCHECK_FOR_STACK_OVERFLOW, ( unsigned int ) sizeof( StaticTask_t ),
               ( unsigned int ) portBYTE_ALIGNMENT, ( unsigned int ) sizeof( StackType_t ), ulMhBootCount(),
               pcMhResetReasonName(), cDetails );
}

