/*
 * Why the board last reset, kept in a .noinit section (never zeroed, never
 * rewritten by QEMU's loader) so that it survives SYSRESETREQ.
 */

#ifndef RESET_REASON_H
#define RESET_REASON_H

#include <stdint.h>

#include "FreeRTOS.h"

typedef enum MhResetReason
{
    eMhResetNone = 0,      /* Nothing stored: an external reset (e.g. QMP system_reset). */
    eMhResetStackOverflow,
    eMhResetAssert,
    eMhResetHardFault,
    eMhResetStackLimit,    /* ARMv8-M: a task crossed its PSPLIM (UsageFault, UFSR.STKOF). */
    eMhResetSoftware       /* The app asked for it (esp_restart() in an app built with esp_idf = true). */
} MhResetReason_t;

#define mhRESET_FILE_LEN    32

typedef struct MhResetInfo
{
    MhResetReason_t eReason;
    char cTask[ configMAX_TASK_NAME_LEN ]; /* Empty if none. */
    char cFile[ mhRESET_FILE_LEN ];        /* Empty if none. */
    uint32_t ulLine;
    uint32_t ulPc;
    uint32_t ulCfsr;
    uint32_t ulHasFaultRegisters;
} MhResetInfo_t;

/* Called once at boot: counts the boot, takes the stored reason (if any)
 * into xMhLastReset and clears it for the next reset. */
void vMhResetReasonBoot( void );

/* Boot number: 1 after power-on, +1 on each reset since. */
uint32_t ulMhBootCount( void );

/* The reason of the reset that started this boot ("power_on", "assert"...). */
const char * pcMhResetReasonName( void );

/* Details of the reset that started this boot. */
const MhResetInfo_t * pxMhLastReset( void );

/* Store the reason of the coming reset; pcTask/pcFile may be NULL. */
void vMhResetReasonStore( MhResetReason_t eReason,
                          const char * pcTask,
                          const char * pcFile,
                          uint32_t ulLine );

/* Add fault registers to the stored reason. */
void vMhResetReasonStoreFault( uint32_t ulPc,
                               uint32_t ulCfsr );

/* One-shot flag for the next boot: skip vPortDefineHeapRegions (heap5_early). */
void vMhResetSetSkipHeapRegions( void );

/* Returns pdTRUE once if the flag was set before this boot. */
BaseType_t xMhResetTakeSkipHeapRegions( void );

/* A flag for every following boot (until power-off or vMhResetClearRestart):
 * restart a task at boot with ulParameter (overflow restart=1: a reset loop,
 * as an ESP32 shows `rst:` again and again). */
void vMhResetSetRestart( uint32_t ulParameter );
void vMhResetClearRestart( void );

/* pdTRUE if the restart flag is set: counts this boot and gives the parameter
 * and the number of boots that restarted the task (1 on the first). */
BaseType_t xMhResetRestartPending( uint32_t * pulParameter,
                                   uint32_t * pulCount );

#endif /* RESET_REASON_H */
