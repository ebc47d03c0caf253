/* ESP-IDF's path for the kernel's queue.h (memharness ESP-IDF compatibility). */
#include <FreeRTOS.h>
#include <queue.h>
