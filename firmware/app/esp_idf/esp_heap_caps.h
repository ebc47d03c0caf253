/*
 * ESP-IDF's heap_caps_* for the default capabilities (memharness ESP-IDF
 * compatibility). The boards have one heap, the heap scheme under test: a
 * request whose capabilities it has (8BIT, 32BIT, INTERNAL, DEFAULT, DMA)
 * is served from it; any other (EXEC, SPIRAM, RTCRAM, ...) finds no memory,
 * as on an ESP32 without that kind of RAM: 0 bytes free, NULL from malloc.
 */

#ifndef MH_ESP_HEAP_CAPS_H
#define MH_ESP_HEAP_CAPS_H

#include <stddef.h>
#include <stdint.h>

#define MALLOC_CAP_EXEC        ( 1U << 0 )
#define MALLOC_CAP_32BIT       ( 1U << 1 )
#define MALLOC_CAP_8BIT        ( 1U << 2 )
#define MALLOC_CAP_DMA         ( 1U << 3 )
#define MALLOC_CAP_SPIRAM      ( 1U << 10 )
#define MALLOC_CAP_INTERNAL    ( 1U << 11 )
#define MALLOC_CAP_DEFAULT     ( 1U << 12 )
#define MALLOC_CAP_RTCRAM      ( 1U << 15 )

/* The capabilities the one heap has. */
#define MH_MALLOC_CAPS_SERVED \
    ( MALLOC_CAP_32BIT | MALLOC_CAP_8BIT | MALLOC_CAP_DMA | MALLOC_CAP_INTERNAL | MALLOC_CAP_DEFAULT )

size_t heap_caps_get_free_size( uint32_t ulCaps );
size_t heap_caps_get_minimum_free_size( uint32_t ulCaps );
size_t heap_caps_get_largest_free_block( uint32_t ulCaps );
void * heap_caps_malloc( size_t xSize,
                         uint32_t ulCaps );
void * heap_caps_calloc( size_t xCount,
                         size_t xSize,
                         uint32_t ulCaps );
void heap_caps_free( void * pvBlock );

#endif /* MH_ESP_HEAP_CAPS_H */
