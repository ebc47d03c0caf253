/*
 * Per-scheme heap figures: each scheme reports what it has and nothing else
 * (a figure the scheme cannot give is absent, never 0). Also owns the heap
 * memory: ucHeap (heap_1/2/4), the heap_5 regions and heap_3's _sbrk.
 */

#ifndef HEAP_FIGURES_H
#define HEAP_FIGURES_H

#include <stddef.h>

#include "FreeRTOS.h"

#define mhHEAP_SCHEME_NONE    0
#define mhHEAP_SCHEME_5       5

/* "heap_1" .. "heap_5", or "none" in the static profile. */
const char * pcMhHeapSchemeName( void );

/* heap_5: define the two regions (unless xSkipRegions) and print a `region`
 * record for each. Other schemes: nothing. Call before any allocation. */
void vMhHeapInit( BaseType_t xSkipRegions );

/* `@mh heap at=<pcAt> <figures>`. */
void vMhHeapRecord( const char * pcAt );

/* The scheme's free-bytes figure, if it has one (pdFALSE if not). */
BaseType_t xMhHeapFreeFigure( size_t * puxFree );

/* pdTRUE if vPortFree gives memory back (not heap_1, not the static profile). */
BaseType_t xMhHeapCanFree( void );

/* pdTRUE if pvPortMalloc is linked (any heap scheme). */
BaseType_t xMhHeapCanAllocate( void );

/* configTOTAL_HEAP_SIZE of this image (0 in the static profile). */
size_t uxMhHeapTotalSize( void );

#endif /* HEAP_FIGURES_H */
