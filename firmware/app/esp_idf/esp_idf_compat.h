/*
 * memharness ESP-IDF compatibility: what ESP32 code written for ESP-IDF needs
 * from it to run unchanged under vanilla FreeRTOS, with any heap scheme, on
 * the emulated Cortex-M boards. Added to the include path of the app's own
 * sources when the project file says `esp_idf = true`.
 *
 * Stack sizes are in BYTES, as on ESP-IDF (StackType_t is uint8_t there),
 * and they keep their ESP32 meaning: what the task's own code has left.
 * ESP-IDF's Xtensa port keeps about 768 bytes of every task's stack for its
 * own frames (the tutorial's figure, ESP32's configMINIMAL_STACK_SIZE); a
 * Cortex-M port keeps 64 (the 16 words saved at a context switch). So a task
 * asked for N bytes gets N - 768 + 64 bytes here, in whole words, at least 32
 * words: xTaskCreatePinnedToCore( ..., 1024, ... ) gives 320 bytes, and a
 * 100-int array overflows it as it does on the ESP32, while 1500 bytes (the
 * tutorial's fix) gives 796. Define MH_ESP_PORT_STACK_BYTES=64 (app.defines)
 * to give every task the bytes as written instead. xTaskCreate takes bytes
 * too, and uxTaskGetStackHighWaterMark() answers in bytes. The app_main task
 * gets ESP-IDF's default 3584 bytes, mapped the same way.
 * There is one core: the core argument is ignored (any value is accepted).
 *
 * Heap figures per linked scheme (FREERTOS-FACTS.md), for every function
 * below that reports one:
 *   free         heap_1/2/4/5 xPortGetFreeHeapSize(); heap_3 (no counter of
 *                its own) newlib's free bytes plus what sbrk has left;
 *                static profile 0 (no heap).
 *   minimum ever heap_4/5 the kernel's xPortGetMinimumEverFreeHeapSize();
 *                heap_1/2/3 (no such counter) the lowest free figure seen
 *                right after any pvPortMalloc since boot: exact on heap_1,
 *                which never frees, and on heap_2/3, whose free figure only
 *                drops at an allocation.
 *   largest free heap_4/5 the kernel's heap statistics; heap_1 the free
 *   block        figure (its free space is one block); heap_2/3 the free
 *                figure, an upper bound (their free lists are private to
 *                heap_2.c and newlib): the harness's outside reader walks
 *                heap_2's list for the exact figure.
 */

#ifndef MH_ESP_IDF_COMPAT_H
#define MH_ESP_IDF_COMPAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <FreeRTOS.h>
#include <task.h>

#include "esp_err.h"
#include "esp_heap_caps.h"
#include "esp_log.h"
#include "esp_system.h"

/* Any core: memharness boards have one, so every core argument means it. */
#define tskNO_AFFINITY    ( ( BaseType_t ) 0x7FFFFFFF )
#ifndef portNUM_PROCESSORS
    #define portNUM_PROCESSORS    1
#endif

/* The stack depth is in bytes, as on ESP-IDF; xCoreID is ignored. */
BaseType_t xTaskCreatePinnedToCore( TaskFunction_t pxTaskCode,
                                    const char * const pcName,
                                    const uint32_t ulStackDepthBytes,
                                    void * const pvParameters,
                                    UBaseType_t uxPriority,
                                    TaskHandle_t * const pxCreatedTask,
                                    const BaseType_t xCoreID );

/* Cortex-M words for an ESP-IDF stack size in bytes (the mapping above). */
configSTACK_DEPTH_TYPE uxMhEspStackWords( uint32_t ulStackDepthBytes );

/* The core the caller runs on: always 0. */
BaseType_t xPortGetCoreID( void );

/* The app's entry, started by memharness in a task named "main" (priority 1,
 * 3584 ESP-IDF bytes of stack, ESP-IDF's defaults), deleted when it returns. */
void app_main( void );

#endif /* MH_ESP_IDF_COMPAT_H */
