/* ESP-IDF's error codes, the few ESP32 application code commonly uses (memharness). */

#ifndef MH_ESP_ERR_H
#define MH_ESP_ERR_H

#include <FreeRTOS.h>

typedef int esp_err_t;

#define ESP_OK                 0
#define ESP_FAIL               -1
#define ESP_ERR_NO_MEM         0x101
#define ESP_ERR_INVALID_ARG    0x102

/* Aborts as ESP-IDF does: here through configASSERT (a reset the harness reports). */
#define ESP_ERROR_CHECK( x )                  \
    do {                                      \
        esp_err_t xMhEspErr = ( x );          \
        configASSERT( xMhEspErr == ESP_OK );  \
        ( void ) xMhEspErr;                   \
    } while( 0 )

#endif /* MH_ESP_ERR_H */
