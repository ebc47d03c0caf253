#ifndef USART_STM32_H
#define USART_STM32_H

/* Baud rate, 8N1, transmitter and receiver on (clocks and pins: board_stm32f4.c). */
void vUsartStm32Init( void );

#endif /* USART_STM32_H */
