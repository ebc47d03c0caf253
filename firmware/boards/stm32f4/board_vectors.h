/* External interrupt lines of the STM32F405/407, for boards/cortex_m/vectors.c. */

#ifndef BOARD_VECTORS_H
#define BOARD_VECTORS_H

#define boardEXTERNAL_IRQ_COUNT    82

#endif /* BOARD_VECTORS_H */
