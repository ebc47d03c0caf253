/*
 * STM32F7 board support (Renode's stm32f746 platform; only Renode emulates it):
 * clocks and pins of the console USART2 (TX PA2, RX PA3, alternate function 7),
 * then the USART itself. The RCC and GPIO registers sit where the STM32F4's do.
 * Reset: boards/cortex_m.
 */

#include <stdint.h>

#include "board.h"
#include "usart_stm32f7.h"

#define boardUSART2_BASE         0x40004400UL
#if ( MH_UART_BASE != boardUSART2_BASE )
    #error "board_stm32f7.c enables the clock and pins of USART2 only: set uart.base to 0x40004400"
#endif

#define boardRCC_AHB1ENR_REG     ( *( ( volatile uint32_t * ) 0x40023830UL ) )
#define boardRCC_APB1ENR_REG     ( *( ( volatile uint32_t * ) 0x40023840UL ) )
#define boardGPIOA_MODER_REG     ( *( ( volatile uint32_t * ) 0x40020000UL ) )
#define boardGPIOA_AFRL_REG      ( *( ( volatile uint32_t * ) 0x40020020UL ) )

#define boardAHB1ENR_GPIOAEN     ( 1UL << 0 )
#define boardAPB1ENR_USART2EN    ( 1UL << 17 )
#define boardTX_PIN              2UL
#define boardRX_PIN              3UL
#define boardMODER_BITS          2UL
#define boardMODER_MASK          3UL
#define boardMODER_ALTERNATE     2UL
#define boardAFR_BITS            4UL
#define boardAFR_MASK            0xFUL
#define boardAF7_USART           7UL

static void prvConfigurePin( uint32_t ulPin )
{
    boardGPIOA_MODER_REG = ( boardGPIOA_MODER_REG & ~( boardMODER_MASK << ( ulPin * boardMODER_BITS ) ) ) |
                           ( boardMODER_ALTERNATE << ( ulPin * boardMODER_BITS ) );
    boardGPIOA_AFRL_REG = ( boardGPIOA_AFRL_REG & ~( boardAFR_MASK << ( ulPin * boardAFR_BITS ) ) ) |
                          ( boardAF7_USART << ( ulPin * boardAFR_BITS ) );
}

void vBoardInit( void )
{
    boardRCC_AHB1ENR_REG |= boardAHB1ENR_GPIOAEN;
    boardRCC_APB1ENR_REG |= boardAPB1ENR_USART2EN;
    prvConfigurePin( boardTX_PIN );
    prvConfigurePin( boardRX_PIN );
    vUsartStm32f7Init();
}
