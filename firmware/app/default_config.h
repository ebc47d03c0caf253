/*
 * The FreeRTOSConfig.h of an app whose project file names none (an ESP-IDF
 * app has none of its own): the harness firmware's, less what only the
 * harness's own scenarios use. memharness then sets the keys it owns.
 */

#include "../FreeRTOSConfig.h"

/* The firmware's restart scenario (restart_at_boot.c) is not in an app. */
#undef configUSE_DAEMON_TASK_STARTUP_HOOK
#define configUSE_DAEMON_TASK_STARTUP_HOOK    0
