/*
 * NULL write guard with the ARMv7-M (PMSAv7) MPU; see null_guard.h.
 */

#include <stdint.h>

#include "FreeRTOS.h"

#include "null_guard.h"

#define nullguardSCB_CPUID         ( *( ( volatile uint32_t * ) 0xE000ED00UL ) )
#define nullguardMPU_TYPE          ( *( ( volatile uint32_t * ) 0xE000ED90UL ) )
#define nullguardMPU_CTRL          ( *( ( volatile uint32_t * ) 0xE000ED94UL ) )
#define nullguardMPU_RNR           ( *( ( volatile uint32_t * ) 0xE000ED98UL ) )
#define nullguardMPU_RBAR          ( *( ( volatile uint32_t * ) 0xE000ED9CUL ) )
#define nullguardMPU_RASR          ( *( ( volatile uint32_t * ) 0xE000EDA0UL ) )

#define nullguardCPUID_PARTNO( x ) ( ( ( x ) >> 4 ) & 0xFFFUL )
#define nullguardPARTNO_M3         0xC23UL
#define nullguardPARTNO_M4         0xC24UL
#define nullguardPARTNO_M7         0xC27UL
#define nullguardTYPE_DREGION( x ) ( ( ( x ) >> 8 ) & 0xFFUL )

#define nullguardCTRL_ENABLE       ( 1UL << 0 )
#define nullguardCTRL_PRIVDEFENA   ( 1UL << 2 ) /* Elsewhere the default memory map. */
#define nullguardRASR_ENABLE       ( 1UL << 0 )
#define nullguardRASR_SIZE_4K      ( 11UL << 1 ) /* 2^(11 + 1) bytes. */
#define nullguardRASR_AP_RO        ( 6UL << 24 ) /* Read-only, privileged and not. */
#define nullguardRASR_NORMAL_WT    ( 1UL << 17 ) /* C=1: normal memory, write-through. */
#define nullguardREGION            0UL

BaseType_t xMhNullGuardEnable( void )
{
    const uint32_t ulPart = nullguardCPUID_PARTNO( nullguardSCB_CPUID );

    if( ( ( ulPart != nullguardPARTNO_M3 ) && ( ulPart != nullguardPARTNO_M4 ) && ( ulPart != nullguardPARTNO_M7 ) ) ||
        ( nullguardTYPE_DREGION( nullguardMPU_TYPE ) == 0UL ) )
    {
        return pdFALSE;
    }

    __asm volatile ( "dmb" ::: "memory" );
    nullguardMPU_RNR = nullguardREGION;
    nullguardMPU_RBAR = 0UL;
    nullguardMPU_RASR = nullguardRASR_AP_RO | nullguardRASR_NORMAL_WT | nullguardRASR_SIZE_4K | nullguardRASR_ENABLE;
    nullguardMPU_CTRL = nullguardCTRL_ENABLE | nullguardCTRL_PRIVDEFENA;
    __asm volatile ( "dsb \n isb" ::: "memory" );
    return pdTRUE;
}
