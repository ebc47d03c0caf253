/*
 * __wrap_pvPortMalloc: logs allocations (see alloc_trace.h). Every undefined
 * reference to pvPortMalloc (kernel, scenarios) comes here when the build
 * links with -Wl,--wrap=pvPortMalloc.
 */

#include "FreeRTOS.h"

#include "alloc_trace.h"
#include "heap_figures.h"
#include "record.h"

#if ( MH_SUPPORT_DYNAMIC == 1 )

    void * __real_pvPortMalloc( size_t xWantedSize );
    void * __wrap_pvPortMalloc( size_t xWantedSize );

    static volatile BaseType_t xTraceEnabled = pdTRUE;
    static volatile size_t uxLastRequestedSize;

    void vMhAllocTraceSet( BaseType_t xEnabled )
    {
        xTraceEnabled = xEnabled;
    }

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

        if( xTraceEnabled != pdFALSE )
        {
            if( xMhHeapFreeFigure( &uxFree ) != pdFALSE )
            {
                vMhRecord( "malloc", "size=%u ptr=%p free=%u", ( unsigned int ) xWantedSize, pvBlock, ( unsigned int ) uxFree );
            }
            else
            {
                vMhRecord( "malloc", "size=%u ptr=%p", ( unsigned int ) xWantedSize, pvBlock );
            }
        }

        return pvBlock;
    }

#endif /* MH_SUPPORT_DYNAMIC */
