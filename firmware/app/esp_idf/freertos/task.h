/*
 * ESP-IDF's path for the kernel's task.h, with ESP-IDF's meaning of stack
 * sizes: bytes, not words (memharness ESP-IDF compatibility, esp_idf_compat.h).
 */

#ifndef MH_ESP_IDF_TASK_H
#define MH_ESP_IDF_TASK_H

#include <FreeRTOS.h>
#include <task.h>

#include "esp_idf_compat.h"

/* ESP-IDF's xTaskCreate takes the stack depth in bytes as well. */
#define xTaskCreate( pxTaskCode, pcName, usStackDepth, pvParameters, uxPriority, pxCreatedTask ) \
    xTaskCreatePinnedToCore( ( pxTaskCode ), ( pcName ), ( usStackDepth ), ( pvParameters ),    \
                             ( uxPriority ), ( pxCreatedTask ), tskNO_AFFINITY )

/* ESP-IDF's high-water mark is in bytes (StackType_t is uint8_t there). */
#define uxTaskGetStackHighWaterMark( xTask ) \
    ( ( UBaseType_t ) ( uxTaskGetStackHighWaterMark( xTask ) * sizeof( StackType_t ) ) )

#endif /* MH_ESP_IDF_TASK_H */
