/*
 * plain-freertos: a producer and a consumer over a queue, a software timer,
 * and message buffers of varying sizes from the FreeRTOS heap.
 *
 * The producer allocates a buffer for each message (APP_MIN_SIZE to
 * APP_MAX_SIZE bytes, from a fixed pseudo-random sequence), fills it and
 * sends it; when pvPortMalloc returns NULL it counts the failure and goes on.
 * The consumer checks each buffer and frees it, except that it keeps every
 * APP_KEEP_EVERY-th one for a while in a small ring (a cache of recent
 * messages), so buffers are freed in another order than they were allocated.
 * A software timer counts heartbeats. After APP_MESSAGES messages the
 * consumer prints "plain-freertos: done ...".
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "FreeRTOS.h"
#include "queue.h"
#include "task.h"
#include "timers.h"

#ifndef APP_MESSAGES
    #define APP_MESSAGES    300U
#endif
#define APP_MIN_SIZE           32U
#define APP_MAX_SIZE           1024U
#define APP_QUEUE_LENGTH       8U
#define APP_KEEP_EVERY         3U
#define APP_RING_SLOTS         6U
#define APP_HEARTBEAT_MS       20U
#define APP_PRODUCER_PRIORITY  ( tskIDLE_PRIORITY + 2 )
#define APP_CONSUMER_PRIORITY  ( tskIDLE_PRIORITY + 1 )
#define APP_STACK_WORDS        ( configMINIMAL_STACK_SIZE * 2 )
#define APP_END_OF_MESSAGES    UINT32_MAX

typedef struct Message
{
    uint32_t ulSequence;
    uint32_t ulSize;
    uint8_t * pucPayload;
} Message_t;

static QueueHandle_t xMessages;
static TimerHandle_t xHeartbeat;
static volatile uint32_t ulHeartbeats;

static uint32_t prvNextRandom( void )
{
    static uint32_t ulState = 2463534242UL;

    ulState ^= ulState << 13;
    ulState ^= ulState >> 17;
    ulState ^= ulState << 5;
    return ulState;
}

static void prvHeartbeat( TimerHandle_t xTimer )
{
    ( void ) xTimer;
    ulHeartbeats++;
}

static void prvProducer( void * pvParameters )
{
    uint32_t ulFailures = 0U;
    Message_t xMessage;

    ( void ) pvParameters;

    for( uint32_t ulSequence = 0U; ulSequence < APP_MESSAGES; ulSequence++ )
    {
        xMessage.ulSequence = ulSequence;
        xMessage.ulSize = APP_MIN_SIZE + ( prvNextRandom() % ( APP_MAX_SIZE - APP_MIN_SIZE ) );
        xMessage.pucPayload = pvPortMalloc( xMessage.ulSize );

        if( xMessage.pucPayload == NULL )
        {
            ulFailures++;
            printf( "producer: no memory for message %u (%u bytes)\n", ( unsigned ) ulSequence,
                    ( unsigned ) xMessage.ulSize );
            vTaskDelay( pdMS_TO_TICKS( 5 ) );
            continue;
        }

        memset( xMessage.pucPayload, ( int ) ( ulSequence & 0xFFU ), xMessage.ulSize );
        ( void ) xQueueSend( xMessages, &xMessage, portMAX_DELAY );
        vTaskDelay( pdMS_TO_TICKS( 2 ) );
    }

    printf( "producer: %u messages, %u allocations failed\n", ( unsigned ) APP_MESSAGES, ( unsigned ) ulFailures );
    xMessage.ulSequence = APP_END_OF_MESSAGES;
    xMessage.pucPayload = NULL;
    ( void ) xQueueSend( xMessages, &xMessage, portMAX_DELAY );
    vTaskDelete( NULL );
}

static void prvConsumer( void * pvParameters )
{
    uint8_t * pucRing[ APP_RING_SLOTS ] = { NULL };
    uint32_t ulNext = 0U;
    uint32_t ulReceived = 0U;
    uint32_t ulBad = 0U;
    Message_t xMessage;

    ( void ) pvParameters;

    for( ; ; )
    {
        ( void ) xQueueReceive( xMessages, &xMessage, portMAX_DELAY );

        if( xMessage.ulSequence == APP_END_OF_MESSAGES )
        {
            break;
        }

        ulReceived++;

        if( ( xMessage.pucPayload[ 0 ] != ( uint8_t ) xMessage.ulSequence ) ||
            ( xMessage.pucPayload[ xMessage.ulSize - 1U ] != ( uint8_t ) xMessage.ulSequence ) )
        {
            ulBad++;
        }

        if( ( xMessage.ulSequence % APP_KEEP_EVERY ) == 0U )
        {
            vPortFree( pucRing[ ulNext ] ); /* The oldest kept message goes, this one stays. */
            pucRing[ ulNext ] = xMessage.pucPayload;
            ulNext = ( ulNext + 1U ) % APP_RING_SLOTS;
        }
        else
        {
            vPortFree( xMessage.pucPayload );
        }
    }

    for( uint32_t i = 0U; i < APP_RING_SLOTS; i++ )
    {
        vPortFree( pucRing[ i ] );
    }

    printf( "consumer: %u received, %u corrupted, %u heartbeats\n", ( unsigned ) ulReceived, ( unsigned ) ulBad,
            ( unsigned ) ulHeartbeats );
    printf( "plain-freertos: done\n" );
    vTaskSuspend( NULL );
}

int main( void )
{
    printf( "plain-freertos: start\n" );
    xMessages = xQueueCreate( APP_QUEUE_LENGTH, sizeof( Message_t ) );
    xHeartbeat = xTimerCreate( "beat", pdMS_TO_TICKS( APP_HEARTBEAT_MS ), pdTRUE, NULL, prvHeartbeat );

    if( ( xMessages == NULL ) || ( xHeartbeat == NULL ) )
    {
        printf( "plain-freertos: cannot create the queue or the timer\n" );
        for( ; ; )
        {
        }
    }

    ( void ) xTimerStart( xHeartbeat, 0 );
    ( void ) xTaskCreate( prvProducer, "producer", APP_STACK_WORDS, NULL, APP_PRODUCER_PRIORITY, NULL );
    ( void ) xTaskCreate( prvConsumer, "consumer", APP_STACK_WORDS, NULL, APP_CONSUMER_PRIORITY, NULL );
    vTaskStartScheduler();

    for( ; ; )
    {
    }
}
