/* External interrupt lines of the nRF52840, for boards/cortex_m/vectors.c. */

#ifndef BOARD_VECTORS_H
#define BOARD_VECTORS_H

#define boardEXTERNAL_IRQ_COUNT    48

#endif /* BOARD_VECTORS_H */
