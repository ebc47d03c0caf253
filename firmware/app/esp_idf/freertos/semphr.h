/* ESP-IDF's path for the kernel's semphr.h (memharness ESP-IDF compatibility). */
#include <FreeRTOS.h>
#include <semphr.h>
