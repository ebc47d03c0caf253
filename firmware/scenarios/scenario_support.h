/*
 * Helpers the catalogue's scenarios share: task creation that works in every
 * allocation profile, stack records whose bounds the harness can read from
 * outside, and a wait for the harness (after a record it must read RAM for).
 */

#ifndef SCENARIO_SUPPORT_H
#define SCENARIO_SUPPORT_H

#include <stdint.h>

#include "FreeRTOS.h"
#include "task.h"

/* Static profile: tasks come from a small pool of slots. Each scenario uses
 * its own slots, so tasks one scenario leaves suspended (stack_hwm keeps its
 * workers for the harness to read) never share memory with another's. */
#define supportTASK_SLOTS              6
#define supportSLOT_DEPTH_WORDS        1024UL
#define supportSLOTS_STACK_HWM         0 /* Slots 0..3. */
#define supportSLOTS_TASK_OVERHEAD     4 /* Slots 4..5. */

/* Scenario tasks run above the console task, so each runs to its first block
 * (or suspension) before xMhTaskCreate returns. */
#define supportWORKER_PRIORITY         ( tskIDLE_PRIORITY + 2 )

/* xTaskCreate where dynamic allocation is on, else xTaskCreateStatic with
 * slot uxSlot (0 .. supportTASK_SLOTS - 1) of the pool. pdPASS or pdFAIL. */
BaseType_t xMhTaskCreate( TaskFunction_t pxCode,
                          const char * pcName,
                          uint32_t ulDepthWords,
                          void * pvParameters,
                          UBaseType_t uxPriority,
                          UBaseType_t uxSlot,
                          TaskHandle_t * pxHandle );

/* The largest depth xMhTaskCreate accepts (words). */
uint32_t ulMhTaskMaxDepth( void );

/* Deletes the task where its memory can be given back (never on heap_1, whose
 * vPortFree asserts); otherwise leaves it suspended. pdTRUE if deleted. */
BaseType_t xMhTaskRelease( TaskHandle_t xTask );

/* Waits (a tick at a time, at most xMaxTicks) until xTask is suspended. */
BaseType_t xMhTaskWaitSuspended( TaskHandle_t xTask,
                                 TickType_t xMaxTicks );

/* `@mh stack task=.. at=.. hwm_words hwm_bytes depth_words used_bytes
 *  stack_base stack_top`: the kernel's high-water mark of xTask (which must
 * be quiescent: suspended or blocked) and the bounds of its stack. */
void vMhStackRecord( const char * pcAt,
                     TaskHandle_t xTask,
                     uint32_t ulDepthWords );

/* Blocks until the harness sends a line (its reply to a record it reads RAM
 * for: the heap stays as the record described until then). */
void vMhWaitForHarness( void );

#endif /* SCENARIO_SUPPORT_H */
