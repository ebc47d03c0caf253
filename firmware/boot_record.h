/*
 * `@mh boot proto=.. board=.. heap=.. ... boot=<n> reset=<why>`: printed once
 * per boot, after vMhResetReasonBoot(), before the first allocation.
 */

#ifndef BOOT_RECORD_H
#define BOOT_RECORD_H

void vMhBootRecord( void );

#endif /* BOOT_RECORD_H */
