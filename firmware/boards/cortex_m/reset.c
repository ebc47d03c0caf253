/*
 * Reset handler and system reset request, shared by every Cortex-M family.
 *
 * Reset_Handler copies .data from flash and zeroes .bss (.noinit is left
 * alone so the reset reason survives a reset), turns on the FPU before any
 * compiled code can use it (hard-float builds), and, on boards with a
 * hardware stack limit (MH_STACK_LIMIT, ARMv8-M), gives UsageFault its own
 * exception: a stack-limit crossing (UFSR.STKOF) then arrives as a
 * UsageFault rather than escalated to a HardFault.
 */

#include <stdint.h>

#include "board.h"
#include "cortex_m.h"

#define resetSCB_SHCSR_REG           ( *( ( volatile uint32_t * ) 0xE000ED24UL ) )
#define resetSCB_AIRCR_REG           ( *( ( volatile uint32_t * ) 0xE000ED0CUL ) )
#define resetSCB_CPACR_REG           ( *( ( volatile uint32_t * ) 0xE000ED88UL ) )
#define resetSHCSR_USGFAULTENA       ( 1UL << 18 )
#define resetAIRCR_VECTKEY           ( 0x05FAUL << 16 )
#define resetAIRCR_SYSRESETREQ       ( 1UL << 2 )
#define resetCPACR_CP10_CP11_FULL    ( 0xFUL << 20 )

extern uint32_t _sidata;
extern uint32_t _sdata;
extern uint32_t _edata;
extern uint32_t _sbss;
extern uint32_t _ebss;

extern int main( void );

void Reset_Handler( void )
{
    const uint32_t * pulSource = &_sidata;
    uint32_t * pulDestination = &_sdata;

    #if defined( __VFP_FP__ ) && !defined( __SOFTFP__ )
        resetSCB_CPACR_REG |= resetCPACR_CP10_CP11_FULL;
        __asm volatile ( "dsb\n isb" ::: "memory" );
    #endif

    #if ( MH_STACK_LIMIT == 1 )
        resetSCB_SHCSR_REG |= resetSHCSR_USGFAULTENA;
    #endif

    while( pulDestination < &_edata )
    {
        *pulDestination = *pulSource;
        pulDestination++;
        pulSource++;
    }

    for( pulDestination = &_sbss; pulDestination < &_ebss; pulDestination++ )
    {
        *pulDestination = 0UL;
    }

    ( void ) main();

    for( ; ; )
    {
    }
}

void vBoardRequestReset( void )
{
    __asm volatile ( "dsb" ::: "memory" );
    resetSCB_AIRCR_REG = resetAIRCR_VECTKEY | resetAIRCR_SYSRESETREQ;
    __asm volatile ( "dsb" ::: "memory" );

    for( ; ; )
    {
    }
}

uint32_t ulBoardMaskInterrupts( void )
{
    uint32_t ulPrimask;

    __asm volatile ( "mrs %0, primask \n cpsid i" : "=r" ( ulPrimask ) :: "memory" );
    return ulPrimask;
}

void vBoardRestoreInterrupts( uint32_t ulState )
{
    __asm volatile ( "msr primask, %0" :: "r" ( ulState ) : "memory" );
}

void * __attribute__( ( naked, noinline ) ) pvBoardStackPointer( void )
{
    __asm volatile ( "mov r0, sp \n bx lr" );
}
