/*
 * Reset reason in no-init RAM. A magic word tells a power-on (RAM holds
 * whatever QEMU or the silicon left there) from a reset of a running board.
 */

#include <string.h>

#include "reset_reason.h"

#define mhNOINIT_MAGIC        0x4D484E49UL /* "MHNI" */
#define mhSKIP_REGIONS_MAGIC  0x534B4950UL /* "SKIP" */
#define mhRESTART_MAGIC       0x52535452UL /* "RSTR" */

typedef struct MhNoInit
{
    uint32_t ulMagic;
    uint32_t ulBootCount;
    uint32_t ulSkipHeapRegions;
    MhResetInfo_t xStored;
    uint32_t ulRestartMagic;     /* mhRESTART_MAGIC: restart a task at every boot. */
    uint32_t ulRestartParameter; /* What the restarted task needs (overflow: its depth). */
    uint32_t ulRestartCount;     /* Boots that restarted it so far. */
} MhNoInit_t;

static MhNoInit_t xNoInit __attribute__( ( section( ".noinit" ) ) );

/* Copied out of xNoInit at boot; .bss, so zero at power-on. */
static MhResetInfo_t xLastReset;
static BaseType_t xPowerOn;

static void prvCopyName( char * pcDestination,
                         size_t uxSize,
                         const char * pcSource )
{
    size_t uxIndex = 0;

    if( pcSource != NULL )
    {
        while( ( ( uxIndex + 1U ) < uxSize ) && ( pcSource[ uxIndex ] != '\0' ) )
        {
            pcDestination[ uxIndex ] = pcSource[ uxIndex ];
            uxIndex++;
        }
    }

    pcDestination[ uxIndex ] = '\0';
}

void vMhResetReasonBoot( void )
{
    if( xNoInit.ulMagic != mhNOINIT_MAGIC )
    {
        memset( &xNoInit, 0, sizeof( xNoInit ) );
        xNoInit.ulMagic = mhNOINIT_MAGIC;
        xPowerOn = pdTRUE;
    }

    xNoInit.ulBootCount++;
    xLastReset = xNoInit.xStored;
    /* Strings in no-init RAM are only trusted once terminated. */
    xLastReset.cTask[ configMAX_TASK_NAME_LEN - 1 ] = '\0';
    xLastReset.cFile[ mhRESET_FILE_LEN - 1 ] = '\0';
    memset( &xNoInit.xStored, 0, sizeof( xNoInit.xStored ) );
}

uint32_t ulMhBootCount( void )
{
    return xNoInit.ulBootCount;
}

const char * pcMhResetReasonName( void )
{
    const char * pcName;

    if( xPowerOn != pdFALSE )
    {
        return "power_on";
    }

    switch( xLastReset.eReason )
    {
        case eMhResetStackOverflow:
            pcName = "stack_overflow";
            break;

        case eMhResetAssert:
            pcName = "assert";
            break;

        case eMhResetHardFault:
            pcName = "hardfault";
            break;

        case eMhResetStackLimit:
            pcName = "stack_limit";
            break;

        case eMhResetSoftware:
            pcName = "software";
            break;

        case eMhResetNone:
        default:
            pcName = "external";
            break;
    }

    return pcName;
}

const MhResetInfo_t * pxMhLastReset( void )
{
    return &xLastReset;
}

void vMhResetReasonStore( MhResetReason_t eReason,
                          const char * pcTask,
                          const char * pcFile,
                          uint32_t ulLine )
{
    xNoInit.xStored.eReason = eReason;
    prvCopyName( xNoInit.xStored.cTask, sizeof( xNoInit.xStored.cTask ), pcTask );
    prvCopyName( xNoInit.xStored.cFile, sizeof( xNoInit.xStored.cFile ), pcFile );
    xNoInit.xStored.ulLine = ulLine;
}

void vMhResetReasonStoreFault( uint32_t ulPc,
                               uint32_t ulCfsr )
{
    xNoInit.xStored.ulPc = ulPc;
    xNoInit.xStored.ulCfsr = ulCfsr;
    xNoInit.xStored.ulHasFaultRegisters = 1U;
}

void vMhResetSetSkipHeapRegions( void )
{
    xNoInit.ulSkipHeapRegions = mhSKIP_REGIONS_MAGIC;
}

BaseType_t xMhResetTakeSkipHeapRegions( void )
{
    BaseType_t xSkip = ( xNoInit.ulSkipHeapRegions == mhSKIP_REGIONS_MAGIC ) ? pdTRUE : pdFALSE;

    xNoInit.ulSkipHeapRegions = 0U;
    return xSkip;
}

void vMhResetSetRestart( uint32_t ulParameter )
{
    xNoInit.ulRestartParameter = ulParameter;
    xNoInit.ulRestartCount = 0U;
    xNoInit.ulRestartMagic = mhRESTART_MAGIC;
}

void vMhResetClearRestart( void )
{
    xNoInit.ulRestartMagic = 0U;
}

BaseType_t xMhResetRestartPending( uint32_t * pulParameter,
                                   uint32_t * pulCount )
{
    if( xNoInit.ulRestartMagic != mhRESTART_MAGIC )
    {
        return pdFALSE;
    }

    xNoInit.ulRestartCount++;
    *pulParameter = xNoInit.ulRestartParameter;
    *pulCount = xNoInit.ulRestartCount;
    return pdTRUE;
}
