/*
 * The Cortex-M fault handler: HardFault (and on ARMv8-M the UsageFault of a
 * stack-limit crossing) prints ONE fault record, stores the reason for the
 * next boot, then resets.
 *
 * On ARMv8-M (MH_STACK_LIMIT) a task that crosses its stack's end (PSPLIM)
 * raises a UsageFault with UFSR.STKOF at that very instruction; the kernel
 * calls no hook for it, so the fault handler reports it as kind=stack_limit.
 */

#include <stdint.h>

#include "FreeRTOS.h"
#include "task.h"

#include "board.h"
#include "hooks.h"
#include "record.h"
#include "reset_reason.h"

#define hooksSCB_CFSR_REG     ( *( ( volatile uint32_t * ) 0xE000ED28UL ) )
#define hooksSCB_HFSR_REG     ( *( ( volatile uint32_t * ) 0xE000ED2CUL ) )
#define hooksSCB_MMFAR_REG    ( *( ( volatile uint32_t * ) 0xE000ED34UL ) )
#define hooksSCB_BFAR_REG     ( *( ( volatile uint32_t * ) 0xE000ED38UL ) )
#define hooksCFSR_STKOF       ( 1UL << 20 ) /* UFSR.STKOF: a stack limit was crossed (ARMv8-M). */

/* Exception stack frame: r0 r1 r2 r3 r12 lr pc xpsr. */
#define hooksFRAME_LR         5
#define hooksFRAME_PC         6
#define hooksFRAME_PSR        7
#define hooksFRAME_WORDS      8

/* RAM bounds (from the board's YAML, via the linker), to check a stacked frame before reading it. */
extern uint32_t __mh_ram_start;
extern uint32_t __mh_ram_end;
extern uint32_t __mh_ram2_start;
extern uint32_t __mh_ram2_end;

static BaseType_t prvFrameInRam( const uint32_t * pulFrame )
{
    const uint32_t * pulEnd = pulFrame + hooksFRAME_WORDS;

    return ( ( ( pulFrame >= &__mh_ram_start ) && ( pulEnd <= &__mh_ram_end ) ) ||
             ( ( pulFrame >= &__mh_ram2_start ) && ( pulEnd <= &__mh_ram2_end ) ) ) ? pdTRUE : pdFALSE;
}

/* The task's stack end as the hardware checks it (PSPLIM), 0 where there is none. */
static uint32_t prvStackLimit( void )
{
    uint32_t ulLimit = 0UL;

    #if ( MH_STACK_LIMIT == 1 )
        __asm volatile ( "mrs %0, psplim" : "=r" ( ulLimit ) );
    #endif

    return ulLimit;
}

/* A task crossed its PSPLIM: the instruction at ulPc did not execute. */
static void prvStackLimitReport( const char * pcTask,
                                 uint32_t ulPc,
                                 uint32_t ulLr,
                                 uint32_t ulCfsr )
{
    if( pcTask != NULL )
    {
        vMhRecord( "fault", "kind=stack_limit task=%s pc=0x%08lx lr=0x%08lx cfsr=0x%08lx limit=0x%08lx",
                   pcTask, ulPc, ulLr, ulCfsr, prvStackLimit() );
    }
    else
    {
        vMhRecord( "fault", "kind=stack_limit pc=0x%08lx lr=0x%08lx cfsr=0x%08lx limit=0x%08lx",
                   ulPc, ulLr, ulCfsr, prvStackLimit() );
    }

    vMhResetReasonStore( eMhResetStackLimit, pcTask, NULL, 0U );
}

static void prvFaultReport( const uint32_t * pulFrame ) __attribute__( ( used, noreturn ) );

static void prvFaultReport( const uint32_t * pulFrame )
{
    uint32_t ulPc = 0UL;
    uint32_t ulLr = 0UL;
    uint32_t ulPsr = 0UL;
    const uint32_t ulCfsr = hooksSCB_CFSR_REG;
    const char * pcTask = pcMhCurrentTaskName();

    /* An overflowed stack may leave the frame pointer outside RAM. */
    if( prvFrameInRam( pulFrame ) != pdFALSE )
    {
        ulPc = pulFrame[ hooksFRAME_PC ];
        ulLr = pulFrame[ hooksFRAME_LR ];
        ulPsr = pulFrame[ hooksFRAME_PSR ];
    }

    if( ( ulCfsr & hooksCFSR_STKOF ) != 0UL )
    {
        prvStackLimitReport( pcTask, ulPc, ulLr, ulCfsr );
        vMhResetReasonStoreFault( ulPc, ulCfsr );
        vBoardRequestReset();
    }

    if( pcTask != NULL )
    {
        vMhRecord( "fault", "kind=hardfault pc=0x%08lx lr=0x%08lx psr=0x%08lx cfsr=0x%08lx hfsr=0x%08lx mmfar=0x%08lx bfar=0x%08lx task=%s",
                   ulPc, ulLr, ulPsr, ulCfsr, hooksSCB_HFSR_REG, hooksSCB_MMFAR_REG, hooksSCB_BFAR_REG, pcTask );
    }
    else
    {
        vMhRecord( "fault", "kind=hardfault pc=0x%08lx lr=0x%08lx psr=0x%08lx cfsr=0x%08lx hfsr=0x%08lx mmfar=0x%08lx bfar=0x%08lx",
                   ulPc, ulLr, ulPsr, ulCfsr, hooksSCB_HFSR_REG, hooksSCB_MMFAR_REG, hooksSCB_BFAR_REG );
    }

    vMhResetReasonStore( eMhResetHardFault, pcTask, NULL, 0U );
    vMhResetReasonStoreFault( ulPc, ulCfsr );
    vBoardRequestReset();
}

void HardFault_Handler( void )
{
    /* Pass the stacked frame (MSP or PSP, by EXC_RETURN bit 2) to C. */
    __asm volatile
    (
        "   cpsid i                 \n"
        "   tst lr, #4              \n"
        "   ite eq                  \n"
        "   mrseq r0, msp           \n"
        "   mrsne r0, psp           \n"
        "   b prvFaultReport        \n"
    );
}
