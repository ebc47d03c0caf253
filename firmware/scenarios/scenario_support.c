/*
 * Helpers shared by the catalogue's scenarios (see scenario_support.h).
 */

#include "FreeRTOS.h"
#include "task.h"

#include "board.h"
#include "heap_figures.h"
#include "record.h"
#include "scenario_support.h"

#define supportPOLL_TICKS    ( ( TickType_t ) 1 )
#define supportSTACK_ALIGN   portBYTE_ALIGNMENT

#if ( configSUPPORT_DYNAMIC_ALLOCATION == 0 )
    static StackType_t uxSlotStacks[ supportTASK_SLOTS ][ supportSLOT_DEPTH_WORDS ] __attribute__( ( aligned( supportSTACK_ALIGN ) ) );
    static StaticTask_t xSlotTcbs[ supportTASK_SLOTS ];
#endif

uint32_t ulMhTaskMaxDepth( void )
{
    #if ( configSUPPORT_DYNAMIC_ALLOCATION == 1 )
        return UINT32_MAX;
    #else
        return supportSLOT_DEPTH_WORDS;
    #endif
}

BaseType_t xMhTaskCreate( TaskFunction_t pxCode,
                          const char * pcName,
                          uint32_t ulDepthWords,
                          void * pvParameters,
                          UBaseType_t uxPriority,
                          UBaseType_t uxSlot,
                          TaskHandle_t * pxHandle )
{
    #if ( configSUPPORT_DYNAMIC_ALLOCATION == 1 )
        ( void ) uxSlot;
        return xTaskCreate( pxCode, pcName, ( configSTACK_DEPTH_TYPE ) ulDepthWords, pvParameters, uxPriority, pxHandle );
    #else
        if( ( uxSlot >= supportTASK_SLOTS ) || ( ulDepthWords > supportSLOT_DEPTH_WORDS ) )
        {
            return pdFAIL;
        }

        *pxHandle = xTaskCreateStatic( pxCode, pcName, ( configSTACK_DEPTH_TYPE ) ulDepthWords, pvParameters,
                                       uxPriority, uxSlotStacks[ uxSlot ], &xSlotTcbs[ uxSlot ] );
        return ( *pxHandle != NULL ) ? pdPASS : pdFAIL;
    #endif
}

BaseType_t xMhTaskRelease( TaskHandle_t xTask )
{
    #if ( configSUPPORT_DYNAMIC_ALLOCATION == 1 )
        if( xMhHeapCanFree() == pdFALSE )
        {
            vTaskSuspend( xTask );
            return pdFALSE;
        }
    #endif

    vTaskDelete( xTask );
    return pdTRUE;
}

BaseType_t xMhTaskWaitSuspended( TaskHandle_t xTask,
                                 TickType_t xMaxTicks )
{
    for( TickType_t xWaited = 0; xWaited <= xMaxTicks; xWaited += supportPOLL_TICKS )
    {
        if( eTaskGetState( xTask ) == eSuspended )
        {
            return pdTRUE;
        }

        vTaskDelay( supportPOLL_TICKS );
    }

    return pdFALSE;
}

void vMhStackRecord( const char * pcAt,
                     TaskHandle_t xTask,
                     uint32_t ulDepthWords )
{
    TaskStatus_t xStatus;
    uint32_t ulHwmBytes;

    vTaskGetInfo( xTask, &xStatus, pdTRUE, eInvalid );
    ulHwmBytes = ( uint32_t ) xStatus.usStackHighWaterMark * ( uint32_t ) sizeof( StackType_t );
    vMhRecord( "stack", "task=%s at=%s hwm_words=%u hwm_bytes=%lu depth_words=%lu used_bytes=%lu stack_base=%p stack_top=%p",
               xStatus.pcTaskName, pcAt, ( unsigned int ) xStatus.usStackHighWaterMark, ulHwmBytes, ulDepthWords,
               ( ulDepthWords * ( uint32_t ) sizeof( StackType_t ) ) - ulHwmBytes,
               ( void * ) xStatus.pxStackBase, ( void * ) xStatus.pxEndOfStack );
}

void vMhWaitForHarness( void )
{
    BaseType_t xGotSome = pdFALSE;

    for( ; ; )
    {
        int xChar = xBoardUartGetc();

        if( xChar == boardUART_NO_CHAR )
        {
            vTaskDelay( supportPOLL_TICKS );
        }
        else if( ( xChar == '\r' ) || ( xChar == '\n' ) )
        {
            if( xGotSome != pdFALSE )
            {
                return;
            }
        }
        else
        {
            xGotSome = pdTRUE;
        }
    }
}
