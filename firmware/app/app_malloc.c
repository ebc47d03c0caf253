/*
 * The allocation wrapper of a user's app (linked with -Wl,--wrap=pvPortMalloc
 * when dynamic allocation is on): it keeps the last requested size for the
 * malloc-failed hook's record and the lowest free figure seen after any
 * allocation, which heap_1, heap_2 and heap_3 do not keep themselves. It
 * prints nothing: the app's UART is the app's.
 *
 * Outside heap_3, newlib's own malloc() gets no memory (_sbrk fails): a
 * FreeRTOS app allocates with pvPortMalloc, and a libc heap growing from the
 * end of .bss would overwrite the heap regions unseen.
 */

#include <errno.h>
#include <stddef.h>

#include "FreeRTOS.h"

#include "alloc_trace.h"
#include "app_support.h"
#include "heap_figures.h"

#if ( configSUPPORT_DYNAMIC_ALLOCATION == 1 )

    void * __real_pvPortMalloc( size_t xWantedSize );
    void * __wrap_pvPortMalloc( size_t xWantedSize );

    static volatile size_t uxLastRequestedSize;
    static volatile size_t uxMinimumEverFree = ( size_t ) -1;

    size_t uxMhAllocLastRequestedSize( void )
    {
        return uxLastRequestedSize;
    }


    void * __wrap_pvPortMalloc( size_t xWantedSize )
    {
        void * pvBlock;
        size_t uxFree;

        uxLastRequestedSize = xWantedSize;
        pvBlock = __real_pvPortMalloc( xWantedSize );

        #if ( MH_HEAP_SCHEME == 1 ) || ( MH_HEAP_SCHEME == 2 ) || ( MH_HEAP_SCHEME == 3 )
            if( ( xMhHeapFreeFigure( &uxFree ) != pdFALSE ) && ( uxFree < uxMinimumEverFree ) )
            {
                uxMinimumEverFree = uxFree;
            }
        #else
            ( void ) uxFree;
        #endif

        return pvBlock;
    }

    size_t uxMhAppMinimumEverFree( void )
    {
        #if ( MH_HEAP_SCHEME == 4 ) || ( MH_HEAP_SCHEME == 5 )
            return xPortGetMinimumEverFreeHeapSize();
        #else
            size_t uxFree = 0;

            ( void ) xMhHeapFreeFigure( &uxFree );
            return ( uxFree < uxMinimumEverFree ) ? uxFree : uxMinimumEverFree;
        #endif
    }

#else /* static profile */

    size_t uxMhAppMinimumEverFree( void )
    {
        return 0U;
    }

#endif /* configSUPPORT_DYNAMIC_ALLOCATION */

#if ( MH_HEAP_SCHEME != 3 )
    void * _sbrk( ptrdiff_t xIncrement );

    void * _sbrk( ptrdiff_t xIncrement )
    {
        ( void ) xIncrement;
        errno = ENOMEM;
        return ( void * ) -1;
    }
#endif
