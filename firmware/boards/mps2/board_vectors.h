/* External interrupt lines of the MPS2 boards (AN385, AN386, AN500, AN505), for boards/cortex_m/vectors.c. */

#ifndef BOARD_VECTORS_H
#define BOARD_VECTORS_H

#define boardEXTERNAL_IRQ_COUNT    32

#endif /* BOARD_VECTORS_H */
