/* ESP-IDF's path for the kernel's timers.h (memharness ESP-IDF compatibility). */
#include <FreeRTOS.h>
#include <timers.h>
