/*
 * FreeRTOS hooks and configASSERT. Each prints ONE record, stores the reason
 * for the next boot, then resets (the malloc-failed hook returns: pvPortMalloc
 * then returns NULL). The two application hooks are weak, so a user's app
 * built by memharness may keep its own (the harness then catches them from
 * outside). The fault handlers are the core's (boards/<core>/mh/fault.c).
 */

#include <stdint.h>

#include "FreeRTOS.h"
#include "task.h"

#include "board.h"
#include "hooks.h"
#include "record.h"
#include "reset_reason.h"
#include "alloc_trace.h"

static void prvMaskAllInterrupts( void )
{
    ( void ) ulBoardMaskInterrupts();
}

const char * pcMhCurrentTaskName( void )
{
    const char * pcName = NULL;

    if( xTaskGetSchedulerState() != taskSCHEDULER_NOT_STARTED )
    {
        pcName = pcTaskGetName( NULL );
    }

    return pcName;
}

const char * pcMhBaseName( const char * pcPath )
{
    const char * pcBase = pcPath;

    for( ; *pcPath != '\0'; pcPath++ )
    {
        if( ( *pcPath == '/' ) || ( *pcPath == '\\' ) )
        {
            pcBase = pcPath + 1;
        }
    }

    return pcBase;
}

__attribute__( ( weak ) ) void vApplicationStackOverflowHook( TaskHandle_t xTask,
                                                             char * pcTaskName )
{
    ( void ) xTask;

    prvMaskAllInterrupts();
    vMhRecord( "stack_overflow", "task=%s method=%u", pcTaskName, ( unsigned int ) configCHECK_FOR_STACK_OVERFLOW );
    vMhResetReasonStore( eMhResetStackOverflow, pcTaskName, NULL, 0U );
    vBoardRequestReset();
}

#if ( configUSE_MALLOC_FAILED_HOOK == 1 )
    __attribute__( ( weak ) ) void vApplicationMallocFailedHook( void )
    {
        vMhRecord( "malloc_failed", "size=%u", ( unsigned int ) uxMhAllocLastRequestedSize() );
    }
#endif

void vMhAssertFailed( const char * pcFile,
                      unsigned long ulLine )
{
    const char * pcBase = pcMhBaseName( pcFile );

    prvMaskAllInterrupts();
    vMhRecord( "assert", "file=%s line=%lu", pcBase, ulLine );
    vMhResetReasonStore( eMhResetAssert, pcMhCurrentTaskName(), pcBase, ( uint32_t ) ulLine );
    vBoardRequestReset();
}
