/*
 * The timer task's start-up hook (configUSE_DAEMON_TASK_STARTUP_HOOK): it runs
 * once per boot, first thing after the scheduler starts. If the no-init
 * restart flag is set (overflow restart=1), it restarts the overflowing task,
 * so every boot overflows and resets again: a reset loop.
 */

#include "FreeRTOS.h"
#include "task.h"

#include "reset_reason.h"
#include "scenarios.h"

void vApplicationDaemonTaskStartupHook( void );

void vApplicationDaemonTaskStartupHook( void )
{
    uint32_t ulParameter;
    uint32_t ulCount;

    if( xMhResetRestartPending( &ulParameter, &ulCount ) != pdFALSE )
    {
        vMhOverflowRestartAtBoot( ulParameter, ulCount );
    }
}
