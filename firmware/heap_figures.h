/*
 * Per-scheme heap figures: each scheme reports what it has and nothing else
 * (a figure the scheme cannot give is absent, never 0). Also owns the heap
 * memory: ucHeap (heap_1/2/4), the heap_5 regions and heap_3's _sbrk.
 *
 * heap_figures.c is the firmware's only source compiled with the heap scheme
 * and size (MH_HEAP_SCHEME, MH_TOTAL_HEAP_SIZE); everything else asks it at
 * run time, so the five heap variants share every other object.
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

/* The scheme linked: 1..5, or mhHEAP_SCHEME_NONE in the static profile. */
BaseType_t xMhHeapScheme( void );

/* configTOTAL_HEAP_SIZE of this image (0 in the static profile). */
size_t uxMhHeapTotalSize( void );

/* vPortGetHeapStats where the scheme has it (heap_4, heap_5); else pdFALSE. */
BaseType_t xMhHeapStats( HeapStats_t * pxStats );

/* pdTRUE if the scheme has pvPortCalloc (heap_2, heap_4, heap_5). */
BaseType_t xMhHeapHasCalloc( void );

/* pvPortCalloc where the scheme has it; else NULL. */
void * pvMhHeapCalloc( size_t uxCount,
                       size_t uxSize );

/* xPortResetHeapMinimumEverFreeHeapSize where the scheme and kernel have it
 * (heap_4, heap_5 from V11.2.0); else pdFALSE and nothing is reset. */
BaseType_t xMhHeapResetMinimumEver( void );

#endif /* HEAP_FIGURES_H */
