/*
 * Heap figures and heap memory for the linked scheme (MH_HEAP_SCHEME).
 */

#include <stdint.h>

#include "FreeRTOS.h"
#include "task.h"

#include "heap_figures.h"
#include "record.h"

#if ( MH_HEAP_SCHEME == 3 )
    #include <errno.h>
    #include <malloc.h>
#endif

#define mhSTRINGIFY( x )          # x
#define mhSCHEME_NAME( n )        "heap_" mhSTRINGIFY( n )
#define mhHEAP_ALIGNMENT          portBYTE_ALIGNMENT /* 8 on Cortex-M, 16 on RV32 */

#if ( MH_HEAP_SCHEME < 0 ) || ( MH_HEAP_SCHEME > 5 )
    #error "MH_HEAP_SCHEME must be 0 (static profile) or 1..5"
#endif

#if ( MH_HEAP_SCHEME == 0 ) && ( MH_SUPPORT_DYNAMIC == 1 )
    #error "dynamic allocation needs a heap scheme (MH_HEAP_SCHEME 1..5)"
#endif

const char * pcMhHeapSchemeName( void )
{
    #if ( MH_HEAP_SCHEME == mhHEAP_SCHEME_NONE )
        return "none";
    #else
        return mhSCHEME_NAME( MH_HEAP_SCHEME );
    #endif
}

BaseType_t xMhHeapCanFree( void )
{
    return ( ( MH_HEAP_SCHEME != mhHEAP_SCHEME_NONE ) && ( MH_HEAP_SCHEME != 1 ) ) ? pdTRUE : pdFALSE;
}

BaseType_t xMhHeapCanAllocate( void )
{
    return ( MH_HEAP_SCHEME != mhHEAP_SCHEME_NONE ) ? pdTRUE : pdFALSE;
}

BaseType_t xMhHeapScheme( void )
{
    return MH_HEAP_SCHEME;
}

size_t uxMhHeapTotalSize( void )
{
    return ( size_t ) MH_TOTAL_HEAP_SIZE;
}

BaseType_t xMhHeapStats( HeapStats_t * pxStats )
{
    #if ( MH_HEAP_SCHEME == 4 ) || ( MH_HEAP_SCHEME == mhHEAP_SCHEME_5 )
        vPortGetHeapStats( pxStats );
        return pdTRUE;
    #else
        ( void ) pxStats;
        return pdFALSE;
    #endif
}

#define mhHAS_CALLOC    ( ( MH_HEAP_SCHEME == 2 ) || ( MH_HEAP_SCHEME == 4 ) || ( MH_HEAP_SCHEME == mhHEAP_SCHEME_5 ) )

BaseType_t xMhHeapHasCalloc( void )
{
    return mhHAS_CALLOC ? pdTRUE : pdFALSE;
}

void * pvMhHeapCalloc( size_t uxCount,
                       size_t uxSize )
{
    #if mhHAS_CALLOC
        return pvPortCalloc( uxCount, uxSize );
    #else
        ( void ) uxCount;
        ( void ) uxSize;
        return NULL;
    #endif
}

/* xPortResetHeapMinimumEverFreeHeapSize arrived in V11.2.0 (heap_4, heap_5). */
#if ( ( tskKERNEL_VERSION_MAJOR > 11 ) || ( ( tskKERNEL_VERSION_MAJOR == 11 ) && ( tskKERNEL_VERSION_MINOR >= 2 ) ) ) && \
    ( ( MH_HEAP_SCHEME == 4 ) || ( MH_HEAP_SCHEME == mhHEAP_SCHEME_5 ) )
    #define mhHAS_MIN_EVER_RESET    1
#else
    #define mhHAS_MIN_EVER_RESET    0
#endif

BaseType_t xMhHeapResetMinimumEver( void )
{
    #if ( mhHAS_MIN_EVER_RESET == 1 )
        xPortResetHeapMinimumEverFreeHeapSize();
        return pdTRUE;
    #else
        return pdFALSE;
    #endif
}

/*--------------------------- heap_1, heap_2, heap_4 ------------------------*/
#if ( MH_HEAP_SCHEME == 1 ) || ( MH_HEAP_SCHEME == 2 ) || ( MH_HEAP_SCHEME == 4 )
    /* configAPPLICATION_ALLOCATED_HEAP: aligned, so no scheme loses bytes to alignment. */
    uint8_t ucHeap[ configTOTAL_HEAP_SIZE ] __attribute__( ( aligned( mhHEAP_ALIGNMENT ) ) );
#endif

/*--------------------------- heap_3 ----------------------------------------*/
#if ( MH_HEAP_SCHEME == 3 )
    /* The sbrk arena, bounded by the linker script (size from --defsym). newlib's
     * malloc grows it through _sbrk, picolibc's through sbrk: both are this one. */
    extern uint8_t __mh_heap3_start[];
    extern uint8_t __mh_heap3_end[];

    static uint8_t * pucBreak = __mh_heap3_start;

    void * _sbrk( ptrdiff_t xIncrement );
    void * sbrk( ptrdiff_t xIncrement );

    void * sbrk( ptrdiff_t xIncrement )
    {
        return _sbrk( xIncrement );
    }

    void * _sbrk( ptrdiff_t xIncrement )
    {
        uint8_t * pucPrevious = pucBreak;

        if( ( xIncrement > ( __mh_heap3_end - pucBreak ) ) ||
            ( xIncrement < ( __mh_heap3_start - pucBreak ) ) )
        {
            errno = ENOMEM;
            return ( void * ) -1;
        }

        pucBreak += xIncrement;
        return pucPrevious;
    }

    static void prvHeap3Figures( size_t * puxFree,
                                 size_t * puxArena )
    {
        struct mallinfo xInfo;

        /* heap_3 suspends the scheduler around malloc; do the same. */
        vTaskSuspendAll();
        {
            xInfo = mallinfo();
            *puxFree = ( size_t ) ( __mh_heap3_end - pucBreak ) + xInfo.fordblks;
            *puxArena = ( size_t ) ( pucBreak - __mh_heap3_start );
        }
        ( void ) xTaskResumeAll();
    }
#endif /* MH_HEAP_SCHEME == 3 */

/*--------------------------- heap_5 ----------------------------------------*/
#if ( MH_HEAP_SCHEME == mhHEAP_SCHEME_5 )
    #define mhHEAP5_REGION_COUNT    2
    #define mhHEAP5_REGION_SIZE     ( configTOTAL_HEAP_SIZE / mhHEAP5_REGION_COUNT )

    /* Two sections the linker script keeps apart (a gap of at least 1 KiB). */
    static uint8_t ucHeapRegion0[ mhHEAP5_REGION_SIZE ] __attribute__( ( section( ".mh_heap5_region0" ), aligned( mhHEAP_ALIGNMENT ) ) );
    static uint8_t ucHeapRegion1[ mhHEAP5_REGION_SIZE ] __attribute__( ( section( ".mh_heap5_region1" ), aligned( mhHEAP_ALIGNMENT ) ) );

    /* Ascending addresses, ended by { NULL, 0 }. */
    static const HeapRegion_t xHeapRegions[ mhHEAP5_REGION_COUNT + 1 ] =
    {
        { ucHeapRegion0, mhHEAP5_REGION_SIZE },
        { ucHeapRegion1, mhHEAP5_REGION_SIZE },
        { NULL,          0                   }
    };
#endif /* MH_HEAP_SCHEME == 5 */

void vMhHeapInit( BaseType_t xSkipRegions )
{
    #if ( MH_HEAP_SCHEME == mhHEAP_SCHEME_5 )
        if( xSkipRegions != pdFALSE )
        {
            vMhText( "heap_5 regions NOT defined (heap5_early): the first allocation must assert" );
            return;
        }

        vPortDefineHeapRegions( xHeapRegions );

        for( UBaseType_t uxIndex = 0; uxIndex < mhHEAP5_REGION_COUNT; uxIndex++ )
        {
            vMhRecord( "region", "index=%u addr=%p size=%u", ( unsigned int ) uxIndex,
                       ( void * ) xHeapRegions[ uxIndex ].pucStartAddress,
                       ( unsigned int ) xHeapRegions[ uxIndex ].xSizeInBytes );
        }
    #else
        ( void ) xSkipRegions;
    #endif
}

BaseType_t xMhHeapFreeFigure( size_t * puxFree )
{
    #if ( MH_HEAP_SCHEME == 3 )
        size_t uxArena;

        prvHeap3Figures( puxFree, &uxArena );
        return pdTRUE;
    #elif ( MH_HEAP_SCHEME == mhHEAP_SCHEME_NONE )
        ( void ) puxFree;
        return pdFALSE;
    #else
        *puxFree = xPortGetFreeHeapSize();
        return pdTRUE;
    #endif
}

void vMhHeapRecord( const char * pcAt )
{
    #if ( MH_HEAP_SCHEME == 1 ) || ( MH_HEAP_SCHEME == 2 )
        vMhRecord( "heap", "at=%s free=%u", pcAt, ( unsigned int ) xPortGetFreeHeapSize() );
    #elif ( MH_HEAP_SCHEME == 3 )
        size_t uxFree;
        size_t uxArena;

        prvHeap3Figures( &uxFree, &uxArena );
        vMhRecord( "heap", "at=%s free=%u arena=%u", pcAt, ( unsigned int ) uxFree, ( unsigned int ) uxArena );
    #elif ( MH_HEAP_SCHEME == 4 ) || ( MH_HEAP_SCHEME == mhHEAP_SCHEME_5 )
        HeapStats_t xStats;

        vPortGetHeapStats( &xStats );

        if( xStats.xNumberOfFreeBlocks == 0U )
        {
            /* Not initialised yet (heap_4 before its first allocation): the kernel's
             * largest/smallest are placeholders (0 and SIZE_MAX), not figures. */
            vMhRecord( "heap", "at=%s free=%u min_ever=%u free_blocks=0 allocs=%u frees=%u",
                       pcAt,
                       ( unsigned int ) xPortGetFreeHeapSize(),
                       ( unsigned int ) xPortGetMinimumEverFreeHeapSize(),
                       ( unsigned int ) xStats.xNumberOfSuccessfulAllocations,
                       ( unsigned int ) xStats.xNumberOfSuccessfulFrees );
        }
        else
        {
            vMhRecord( "heap", "at=%s free=%u min_ever=%u largest=%u smallest=%u free_blocks=%u allocs=%u frees=%u",
                       pcAt,
                       ( unsigned int ) xPortGetFreeHeapSize(),
                       ( unsigned int ) xPortGetMinimumEverFreeHeapSize(),
                       ( unsigned int ) xStats.xSizeOfLargestFreeBlockInBytes,
                       ( unsigned int ) xStats.xSizeOfSmallestFreeBlockInBytes,
                       ( unsigned int ) xStats.xNumberOfFreeBlocks,
                       ( unsigned int ) xStats.xNumberOfSuccessfulAllocations,
                       ( unsigned int ) xStats.xNumberOfSuccessfulFrees );
        }
    #else
        vMhRecord( "heap", "at=%s", pcAt );
    #endif
}
