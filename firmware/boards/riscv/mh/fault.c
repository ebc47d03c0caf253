/*
 * Our firmware's RISC-V trap report: an exception (a load or store to nowhere,
 * an illegal instruction) prints ONE fault record naming its class with
 * mcause, mepc and mtval, stores the reason for the next boot and resets, as
 * the Cortex-M HardFault does. Files under mh/ are built into memharness's
 * firmware only, not into a user's application on the same board support.
 */

#include <stdint.h>

#include "FreeRTOS.h"
#include "task.h"

#include "board.h"
#include "hooks.h"
#include "null_guard.h"
#include "record.h"
#include "reset_reason.h"
#include "riscv.h"

/* mcause exception codes, as the privileged specification numbers them. */
static const char * const pcTrapNames[] =
{
    "instruction_misaligned", "instruction_access_fault", "illegal_instruction", "breakpoint",
    "load_misaligned",        "load_access_fault",        "store_misaligned",    "store_access_fault",
    "ecall_u",                "ecall_s",                  "reserved",            "ecall_m",
    "instruction_page_fault", "load_page_fault",          "reserved",            "store_page_fault"
};

void freertos_risc_v_application_exception_handler( uint32_t ulMcause )
{
    uint32_t ulMepc;
    uint32_t ulMtval;
    const char * pcTask = pcMhCurrentTaskName();
    const char * pcKind = "exception";

    ( void ) ulBoardMaskInterrupts();
    __asm volatile ( "csrr %0, mepc" : "=r" ( ulMepc ) );
    __asm volatile ( "csrr %0, mtval" : "=r" ( ulMtval ) );

    if( ulMcause < ( sizeof( pcTrapNames ) / sizeof( pcTrapNames[ 0 ] ) ) )
    {
        pcKind = pcTrapNames[ ulMcause ];
    }

    if( pcTask != NULL )
    {
        vMhRecord( "fault", "kind=%s pc=0x%08lx mcause=0x%08lx mtval=0x%08lx task=%s",
                   pcKind, ulMepc, ulMcause, ulMtval, pcTask );
    }
    else
    {
        vMhRecord( "fault", "kind=%s pc=0x%08lx mcause=0x%08lx mtval=0x%08lx", pcKind, ulMepc, ulMcause, ulMtval );
    }

    vMhResetReasonStore( eMhResetHardFault, pcTask, NULL, 0U );
    vMhResetReasonStoreFault( ulMepc, ulMcause );
    vBoardRequestReset();
}

/* No memory protection is set up on RISC-V boards: the seed's NULL write is not guarded. */
BaseType_t xMhNullGuardEnable( void )
{
    return pdFALSE;
}
