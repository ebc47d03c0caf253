/* ESP-IDF's path for the kernel's event_groups.h (memharness ESP-IDF compatibility). */
#include <FreeRTOS.h>
#include <event_groups.h>
