/*
 * memharness ESP-IDF compatibility: the functions behind esp_idf_compat.h,
 * per linked heap scheme (MH_HEAP_SCHEME; 0 is the static profile). What each
 * returns on each scheme is documented in esp_idf_compat.h.
 */

#include <string.h>

#include "FreeRTOS.h"
#include "task.h"

#include "app_support.h"
#include "board.h"
#include "esp_idf_compat.h"
#include "heap_figures.h"
#include "reset_reason.h"

#define espWORD_BYTES             ( sizeof( StackType_t ) )
#define espMINIMUM_STACK_WORDS    32U

#ifndef MH_ESP_PORT_STACK_BYTES
    #define MH_ESP_PORT_STACK_BYTES    768U /* ESP-IDF's Xtensa port, per the tutorial */
#endif
#define espCORTEX_M_CONTEXT_BYTES      64U  /* 16 words saved at a context switch */

configSTACK_DEPTH_TYPE uxMhEspStackWords( uint32_t ulStackDepthBytes )
{
    uint32_t ulBytes = ulStackDepthBytes;
    uint32_t ulWords;

    /* What the task's own code has on an ESP32, plus what the Cortex-M port takes. */
    if( ulBytes > MH_ESP_PORT_STACK_BYTES )
    {
        ulBytes = ( ulBytes - MH_ESP_PORT_STACK_BYTES ) + espCORTEX_M_CONTEXT_BYTES;
    }
    else
    {
        ulBytes = 0U;
    }

    ulWords = ( ulBytes + espWORD_BYTES - 1U ) / espWORD_BYTES;

    return ( configSTACK_DEPTH_TYPE ) ( ( ulWords < espMINIMUM_STACK_WORDS ) ? espMINIMUM_STACK_WORDS : ulWords );
}

/* Only with dynamic allocation: in the static profile an app that creates its tasks this way
 * does not link, and memharness reports that the static profile does not fit it. */
#if ( configSUPPORT_DYNAMIC_ALLOCATION == 1 )
    BaseType_t xTaskCreatePinnedToCore( TaskFunction_t pxTaskCode,
                                        const char * const pcName,
                                        const uint32_t ulStackDepthBytes,
                                        void * const pvParameters,
                                        UBaseType_t uxPriority,
                                        TaskHandle_t * const pxCreatedTask,
                                        const BaseType_t xCoreID )
    {
        ( void ) xCoreID;

        return xTaskCreate( pxTaskCode, pcName, uxMhEspStackWords( ulStackDepthBytes ), pvParameters, uxPriority,
                            pxCreatedTask );
    }
#endif

BaseType_t xPortGetCoreID( void )
{
    return 0;
}

void esp_restart( void )
{
    vMhResetReasonStore( eMhResetSoftware, NULL, NULL, 0U );
    vBoardRequestReset();
}

static size_t prvFree( void )
{
    size_t uxFree = 0U;

    ( void ) xMhHeapFreeFigure( &uxFree ); /* Stays 0 in the static profile. */
    return uxFree;
}

static size_t prvLargest( void )
{
    #if ( MH_HEAP_SCHEME == 4 ) || ( MH_HEAP_SCHEME == 5 )
        HeapStats_t xStats;

        vPortGetHeapStats( &xStats );
        return xStats.xSizeOfLargestFreeBlockInBytes;
    #else
        return prvFree();
    #endif
}

uint32_t esp_get_free_heap_size( void )
{
    return ( uint32_t ) prvFree();
}

uint32_t esp_get_minimum_free_heap_size( void )
{
    return ( uint32_t ) uxMhAppMinimumEverFree();
}

static BaseType_t prvServed( uint32_t ulCaps )
{
    return ( ( ulCaps & ~( uint32_t ) MH_MALLOC_CAPS_SERVED ) == 0U ) ? pdTRUE : pdFALSE;
}

size_t heap_caps_get_free_size( uint32_t ulCaps )
{
    return ( prvServed( ulCaps ) != pdFALSE ) ? prvFree() : 0U;
}

size_t heap_caps_get_minimum_free_size( uint32_t ulCaps )
{
    return ( prvServed( ulCaps ) != pdFALSE ) ? uxMhAppMinimumEverFree() : 0U;
}

size_t heap_caps_get_largest_free_block( uint32_t ulCaps )
{
    return ( prvServed( ulCaps ) != pdFALSE ) ? prvLargest() : 0U;
}

void * heap_caps_malloc( size_t xSize,
                         uint32_t ulCaps )
{
    #if ( configSUPPORT_DYNAMIC_ALLOCATION == 1 )
        return ( prvServed( ulCaps ) != pdFALSE ) ? pvPortMalloc( xSize ) : NULL;
    #else
        ( void ) xSize;
        ( void ) ulCaps;
        return NULL;
    #endif
}

void * heap_caps_calloc( size_t xCount,
                         size_t xSize,
                         uint32_t ulCaps )
{
    void * pvBlock = NULL;

    if( ( xSize == 0U ) || ( xCount <= ( ( size_t ) -1 ) / xSize ) )
    {
        pvBlock = heap_caps_malloc( xCount * xSize, ulCaps );
    }

    if( pvBlock != NULL )
    {
        memset( pvBlock, 0, xCount * xSize );
    }

    return pvBlock;
}

void heap_caps_free( void * pvBlock )
{
    #if ( configSUPPORT_DYNAMIC_ALLOCATION == 1 )
        vPortFree( pvBlock );
    #else
        ( void ) pvBlock;
    #endif
}

uint32_t esp_log_timestamp( void )
{
    return ( uint32_t ) ( xTaskGetTickCount() * portTICK_PERIOD_MS );
}
