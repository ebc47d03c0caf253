/*
 * ESP-IDF's logging macros, printed to the UART the way ESP-IDF prints them
 * (without colour): "I (1234) tag: message". The time is milliseconds since
 * the scheduler started. Like ESP-IDF's default (CONFIG_LOG_DEFAULT_LEVEL_INFO),
 * ESP_LOGD and ESP_LOGV print nothing unless MH_ESP_LOG_LEVEL is raised.
 */

#ifndef MH_ESP_LOG_H
#define MH_ESP_LOG_H

#include <stdint.h>
#include <stdio.h>

#define ESP_LOG_NONE       0
#define ESP_LOG_ERROR      1
#define ESP_LOG_WARN       2
#define ESP_LOG_INFO       3
#define ESP_LOG_DEBUG      4
#define ESP_LOG_VERBOSE    5

#ifndef MH_ESP_LOG_LEVEL
    #define MH_ESP_LOG_LEVEL    ESP_LOG_INFO
#endif

uint32_t esp_log_timestamp( void );

#define MH_ESP_LOG( level, letter, tag, format, ... )                                          \
    do {                                                                                       \
        if( MH_ESP_LOG_LEVEL >= ( level ) )                                                    \
        {                                                                                      \
            printf( letter " (%u) %s: " format "\n", ( unsigned int ) esp_log_timestamp(), ( tag ), \
                    ## __VA_ARGS__ );                                                          \
        }                                                                                      \
    } while( 0 )

#define ESP_LOGE( tag, format, ... )    MH_ESP_LOG( ESP_LOG_ERROR, "E", tag, format, ## __VA_ARGS__ )
#define ESP_LOGW( tag, format, ... )    MH_ESP_LOG( ESP_LOG_WARN, "W", tag, format, ## __VA_ARGS__ )
#define ESP_LOGI( tag, format, ... )    MH_ESP_LOG( ESP_LOG_INFO, "I", tag, format, ## __VA_ARGS__ )
#define ESP_LOGD( tag, format, ... )    MH_ESP_LOG( ESP_LOG_DEBUG, "D", tag, format, ## __VA_ARGS__ )
#define ESP_LOGV( tag, format, ... )    MH_ESP_LOG( ESP_LOG_VERBOSE, "V", tag, format, ## __VA_ARGS__ )

#endif /* MH_ESP_LOG_H */
