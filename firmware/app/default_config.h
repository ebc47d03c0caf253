/*
 * The FreeRTOSConfig.h of an app whose project file names none (an ESP-IDF
 * app has none of its own): ESP-IDF's defaults where they matter to an app
 * (1 kHz tick as memharness's firmware, 25 priorities, 16-character names,
 * timers, mutexes, every optional function), written for the Cortex-M ports.
 * memharness then sets the keys it owns (harness/app/config.py): heap size and
 * scheme, allocation profile, overflow check, hooks, clock, the port's names.
 */

#ifndef FREERTOS_CONFIG_H
#define FREERTOS_CONFIG_H

#define configUSE_PREEMPTION                       1
#define configUSE_TIME_SLICING                     1
#define configUSE_PORT_OPTIMISED_TASK_SELECTION    0
#define configUSE_TICKLESS_IDLE                    0
#define configCPU_CLOCK_HZ                         ( 25000000UL )
#define configTICK_RATE_HZ                         ( ( TickType_t ) 1000 )
#define configMAX_PRIORITIES                       25
#define configMINIMAL_STACK_SIZE                   ( ( unsigned short ) 128 )
#define configMAX_TASK_NAME_LEN                    16
#define configTICK_TYPE_WIDTH_IN_BITS              TICK_TYPE_WIDTH_32_BITS
#define configIDLE_SHOULD_YIELD                    1
#define configUSE_TASK_NOTIFICATIONS               1
#define configTASK_NOTIFICATION_ARRAY_ENTRIES      1
#define configQUEUE_REGISTRY_SIZE                  0
#define configENABLE_BACKWARD_COMPATIBILITY        0
#define configNUM_THREAD_LOCAL_STORAGE_POINTERS    1
#define configUSE_NEWLIB_REENTRANT                 0

#define configSUPPORT_STATIC_ALLOCATION            1 /* ESP-IDF has both on */
#define configSUPPORT_DYNAMIC_ALLOCATION           1
#define configKERNEL_PROVIDED_STATIC_MEMORY        1
#define configTOTAL_HEAP_SIZE                      ( ( size_t ) ( 32 * 1024 ) )

#define configUSE_IDLE_HOOK                        0
#define configUSE_TICK_HOOK                        0
#define configUSE_DAEMON_TASK_STARTUP_HOOK         0
#define configCHECK_FOR_STACK_OVERFLOW             2 /* ESP-IDF's default method */
#define configUSE_MALLOC_FAILED_HOOK               1

#define configGENERATE_RUN_TIME_STATS              0
#define configUSE_TRACE_FACILITY                   1
#define configUSE_STATS_FORMATTING_FUNCTIONS       0

#define configUSE_MUTEXES                          1
#define configUSE_RECURSIVE_MUTEXES                1
#define configUSE_COUNTING_SEMAPHORES              1
#define configUSE_QUEUE_SETS                       1
#define configUSE_CO_ROUTINES                      0

#define configUSE_TIMERS                           1
#define configTIMER_TASK_PRIORITY                  ( configMAX_PRIORITIES - 1 )
#define configTIMER_QUEUE_LENGTH                   10
#define configTIMER_TASK_STACK_DEPTH               ( configMINIMAL_STACK_SIZE * 2 )

#define INCLUDE_vTaskPrioritySet                   1
#define INCLUDE_uxTaskPriorityGet                  1
#define INCLUDE_vTaskDelete                        1
#define INCLUDE_vTaskSuspend                       1
#define INCLUDE_xTaskDelayUntil                    1
#define INCLUDE_vTaskDelay                         1
#define INCLUDE_xTaskGetSchedulerState             1
#define INCLUDE_xTaskGetCurrentTaskHandle          1
#define INCLUDE_uxTaskGetStackHighWaterMark        1
#define INCLUDE_xTaskGetIdleTaskHandle             1
#define INCLUDE_eTaskGetState                      1
#define INCLUDE_xTimerPendFunctionCall             1

/* Cortex-M: 3 priority bits on every board memharness knows. */
#define configPRIO_BITS                            3
#define configKERNEL_INTERRUPT_PRIORITY            255
#define configMAX_SYSCALL_INTERRUPT_PRIORITY       ( 5 << ( 8 - configPRIO_BITS ) )

#endif /* FREERTOS_CONFIG_H */
