#ifndef USART_STM32F7_H
#define USART_STM32F7_H

/* Baud rate, 8N1, transmitter and receiver on (clocks and pins: board_stm32f7.c). */
void vUsartStm32f7Init( void );

#endif /* USART_STM32F7_H */
