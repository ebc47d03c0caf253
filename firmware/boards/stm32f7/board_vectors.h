/* External interrupt lines of the STM32F74x/75x, for boards/cortex_m/vectors.c. */

#ifndef BOARD_VECTORS_H
#define BOARD_VECTORS_H

#define boardEXTERNAL_IRQ_COUNT    98

#endif /* BOARD_VECTORS_H */
