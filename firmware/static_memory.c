/*
 * Idle and timer task memory when static allocation is on
 * (configKERNEL_PROVIDED_STATIC_MEMORY is 0: the application supplies it).
 */

#include "FreeRTOS.h"
#include "task.h"
#include "timers.h"

#if ( configSUPPORT_STATIC_ALLOCATION == 1 )

/* The stack size parameter became configSTACK_DEPTH_TYPE * in V11.1.0. */
    #if ( tskKERNEL_VERSION_MAJOR > 11 ) || ( ( tskKERNEL_VERSION_MAJOR == 11 ) && ( tskKERNEL_VERSION_MINOR >= 1 ) )
        typedef configSTACK_DEPTH_TYPE MhStackSize_t;
    #else
        typedef uint32_t MhStackSize_t;
    #endif

    void vApplicationGetIdleTaskMemory( StaticTask_t ** ppxIdleTaskTCBBuffer,
                                        StackType_t ** ppxIdleTaskStackBuffer,
                                        MhStackSize_t * puxIdleTaskStackSize )
    {
        static StaticTask_t xIdleTaskTcb;
        static StackType_t uxIdleTaskStack[ configMINIMAL_STACK_SIZE ];

        *ppxIdleTaskTCBBuffer = &xIdleTaskTcb;
        *ppxIdleTaskStackBuffer = uxIdleTaskStack;
        *puxIdleTaskStackSize = configMINIMAL_STACK_SIZE;
    }

    void vApplicationGetTimerTaskMemory( StaticTask_t ** ppxTimerTaskTCBBuffer,
                                         StackType_t ** ppxTimerTaskStackBuffer,
                                         MhStackSize_t * puxTimerTaskStackSize )
    {
        static StaticTask_t xTimerTaskTcb;
        static StackType_t uxTimerTaskStack[ configTIMER_TASK_STACK_DEPTH ];

        *ppxTimerTaskTCBBuffer = &xTimerTaskTcb;
        *ppxTimerTaskStackBuffer = uxTimerTaskStack;
        *puxTimerTaskStackSize = configTIMER_TASK_STACK_DEPTH;
    }

#endif /* configSUPPORT_STATIC_ALLOCATION */
