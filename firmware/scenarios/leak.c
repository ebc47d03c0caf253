/*
 * leak: the seed's loop that forgets vPortFree. Each iteration allocates
 * `size` bytes, writes them and keeps going; when pvPortMalloc returns NULL
 * (the malloc-failed hook has printed its record) the seed's check prints
 * "Not enough heap." (check_null=1) and the scenario ends. The scheduler
 * keeps running.
 */

#include <string.h>

#include "FreeRTOS.h"
#include "task.h"

#include "heap_figures.h"
#include "record.h"
#include "scenarios.h"

#define leakFILL_BYTE               3 /* The seed writes ptr[i] = 3. */
#define leakPARAM_SIZE              0
#define leakPARAM_ITERATIONS        1
#define leakPARAM_DELAY_MS          2
#define leakPARAM_CHECK_NULL        3
#define leakUNTIL_NULL              0UL

static const ScenarioParam_t xParams[] =
{
    /* name          default  min  max */
    { "size",        4096UL,  1UL, 1048576UL },
    { "iterations",  0UL,     0UL, 100000UL  }, /* 0: until pvPortMalloc returns NULL. */
    { "delay_ms",    0UL,     0UL, 10000UL   },
    { "check_null",  1UL,     0UL, 1UL       }
};

#if ( configSUPPORT_DYNAMIC_ALLOCATION == 1 )
    static void prvLeakRecord( uint32_t ulIteration,
                               const void * pvBlock )
    {
        size_t uxFree;

        if( xMhHeapFreeFigure( &uxFree ) != pdFALSE )
        {
            vMhRecord( "leak", "iter=%lu ptr=%p free=%u", ulIteration, pvBlock, ( unsigned int ) uxFree );
        }
        else
        {
            vMhRecord( "leak", "iter=%lu ptr=%p", ulIteration, pvBlock );
        }
    }

    static void prvRun( const uint32_t * pulValues )
    {
        const size_t uxSize = ( size_t ) pulValues[ leakPARAM_SIZE ];
        const uint32_t ulIterations = pulValues[ leakPARAM_ITERATIONS ];
        const TickType_t xDelay = pdMS_TO_TICKS( pulValues[ leakPARAM_DELAY_MS ] );
        const BaseType_t xCheckNull = ( pulValues[ leakPARAM_CHECK_NULL ] != 0UL ) ? pdTRUE : pdFALSE;
        uint32_t ulLeaked = 0;

        for( uint32_t ulIteration = 0; ( ulIterations == leakUNTIL_NULL ) || ( ulIteration < ulIterations ); ulIteration++ )
        {
            uint8_t * pucBlock = pvPortMalloc( uxSize );

            if( pucBlock == NULL )
            {
                /* The seed's check. Without it the seed would write through NULL:
                 * never done here (on mps2-an385 address 0 is RAM holding the
                 * vector table, and the core would lock up). */
                if( xCheckNull != pdFALSE )
                {
                    vMhText( "Not enough heap." );
                }

                prvLeakRecord( ulIteration, pucBlock );
                break;
            }

            memset( pucBlock, leakFILL_BYTE, uxSize );
            prvLeakRecord( ulIteration, pucBlock );
            ulLeaked++;

            if( xDelay > 0U )
            {
                vTaskDelay( xDelay );
            }
        }

        vMhHeapRecord( "end" );
        vMhRecord( "done", "scenario=leak status=ok leaked=%lu bytes=%lu", ulLeaked, ulLeaked * ( uint32_t ) uxSize );
    }
#else
    static void prvRun( const uint32_t * pulValues )
    {
        ( void ) pulValues;
    }
#endif /* configSUPPORT_DYNAMIC_ALLOCATION */

const Scenario_t xScenarioLeak =
{
    .pcName         = "leak",
    .pxParams       = xParams,
    .uxParamCount   = sizeof( xParams ) / sizeof( xParams[ 0 ] ),
    .pxIsApplicable = xMhHeapCanAllocate,
    .pxRun          = prvRun
};
