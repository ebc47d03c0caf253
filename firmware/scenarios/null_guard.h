/*
 * A write guard on the first bytes of the address space, so that a write
 * through NULL faults at once (a MemManage fault, escalated to HardFault and
 * reported by the fault handler with MMFAR = the address written), as the
 * ESP32's "StoreProhibited" panic does for the seed. Without it, on MPS2 a
 * write through NULL lands silently in the vector table.
 */

#ifndef NULL_GUARD_H
#define NULL_GUARD_H

#include "FreeRTOS.h"

#define nullguardBYTES    4096UL /* The seed writes 1024 ints through its pointer. */

/* Makes [0, nullguardBYTES) read-only with the ARMv7-M MPU (reads and
 * instruction fetches still work: code and vectors live there). pdFALSE if
 * the core has no ARMv7-M MPU; nothing is changed then. */
BaseType_t xMhNullGuardEnable( void );

#endif /* NULL_GUARD_H */
