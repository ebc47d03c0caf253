/*
 * Allocation trace: __wrap_pvPortMalloc (linked with -Wl,--wrap=pvPortMalloc
 * when dynamic allocation is on) keeps the last requested size for the
 * malloc-failed hook and, while tracing is on, prints one record per call:
 *   @mh malloc size=<requested> ptr=0x<result> [free=<figure after>]
 * Tracing is on from reset until the console prints `ready`.
 */

#ifndef ALLOC_TRACE_H
#define ALLOC_TRACE_H

#include "FreeRTOS.h"

#if ( configSUPPORT_DYNAMIC_ALLOCATION == 1 )
    void vMhAllocTraceSet( BaseType_t xEnabled );
    size_t uxMhAllocLastRequestedSize( void );
#else
    #define vMhAllocTraceSet( xEnabled )    ( ( void ) ( xEnabled ) )
#endif

#endif /* ALLOC_TRACE_H */
