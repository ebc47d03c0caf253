#ifndef UART_CMSDK_H
#define UART_CMSDK_H

/* Set the baud divisor and enable transmit and receive. */
void vUartCmsdkInit( void );

#endif /* UART_CMSDK_H */
