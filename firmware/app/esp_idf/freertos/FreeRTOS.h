/* ESP-IDF's path for the kernel's FreeRTOS.h (memharness ESP-IDF compatibility). */
#include <FreeRTOS.h>
#include "esp_idf_compat.h"
