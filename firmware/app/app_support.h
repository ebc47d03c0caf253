/*
 * What memharness links into a user's app besides its board support: the
 * start-up before the app's entry, the allocation wrapper and printf to the
 * UART. The app itself never needs to include this.
 */

#ifndef APP_SUPPORT_H
#define APP_SUPPORT_H

#include <stddef.h>

#include "FreeRTOS.h"

/* Called when app_main() returns (entry = "app_main"); a breakpoint target for
 * the outside reader, and it prints `@mh app_returned`. */
void vMhAppEntryReturned( void );

/* The lowest free-heap figure seen right after any pvPortMalloc since boot:
 * the kernel's own minimum ever on heap_4/5, tracked here on heap_1/2/3. */
size_t uxMhAppMinimumEverFree( void );

#endif /* APP_SUPPORT_H */
