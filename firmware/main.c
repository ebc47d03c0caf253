/*
 * memharness firmware: boot report, heap set-up, console task, scheduler.
 *
 * Everything printed here comes before the first allocation, so the boot
 * record and `heap at=boot` show the heap untouched.
 */


#include "FreeRTOS.h"
#include "task.h"

#include "board.h"
#include "boot_record.h"
#include "console.h"
#include "heap_figures.h"
#include "reset_reason.h"

int main( void )
{
    vBoardInit();
    vMhResetReasonBoot();
    vMhBootRecord();

    vMhHeapInit( xMhResetTakeSkipHeapRegions() );
    vMhHeapRecord( "boot" );

    vMhConsoleStart();
    vTaskStartScheduler();

    /* Only reached if the idle or timer task could not be created. */
    configASSERT( 0 );
    return 0;
}
