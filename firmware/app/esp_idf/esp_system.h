/* ESP-IDF's esp_system.h: restart and heap size (memharness ESP-IDF compatibility). */

#ifndef MH_ESP_SYSTEM_H
#define MH_ESP_SYSTEM_H

#include <stdint.h>

/* A system reset; the next boot reports it as reset=software (ESP32: SW_CPU_RESET). */
void esp_restart( void ) __attribute__( ( noreturn ) );

/* Free heap in bytes, per scheme as esp_idf_compat.h says. */
uint32_t esp_get_free_heap_size( void );

/* Minimum free heap ever, in bytes, per scheme as esp_idf_compat.h says. */
uint32_t esp_get_minimum_free_heap_size( void );

#endif /* MH_ESP_SYSTEM_H */
