/*
 * memharness FreeRTOS configuration: one file for every variant.
 *
 * Everything that differs between variants comes from -D flags given by the
 * build. The kernel objects are compiled once and shared by all heap schemes,
 * so they see only the "kernel" flags (MH_SUPPORT_STATIC, MH_SUPPORT_DYNAMIC,
 * MH_CHECK_FOR_STACK_OVERFLOW, MH_CPU_CLOCK_HZ); the firmware's own objects add
 * the profile and the board's names; only heap_figures.c, fragmentation.c and
 * heap_N.c see the heap scheme and heap size.
 */

#ifndef FREERTOS_CONFIG_H
#define FREERTOS_CONFIG_H

/*-------------------------- kernel flags ---------------------------------*/
#ifndef MH_SUPPORT_STATIC
    #define MH_SUPPORT_STATIC              0
#endif
#ifndef MH_SUPPORT_DYNAMIC
    #define MH_SUPPORT_DYNAMIC             1
#endif
#ifndef MH_CHECK_FOR_STACK_OVERFLOW
    #define MH_CHECK_FOR_STACK_OVERFLOW    2
#endif
#ifndef MH_CPU_CLOCK_HZ
    #define MH_CPU_CLOCK_HZ                25000000UL
#endif

/*-------------------------- variant flags --------------------------------*/
/* MH_HEAP_SCHEME (0 = none, the static profile; else heap_1..heap_5) and
 * MH_TOTAL_HEAP_SIZE reach only heap_figures.c, scenarios/fragmentation.c and
 * the kernel's heap_N.c (harness/build.py, PER_HEAP). Every
 * other object is shared by the five heap variants (harness/build.py), so it
 * must ask heap_figures.h at run time instead; they are poisoned there (at the
 * end of this file), which makes a use a compile error, never a silent 0. */

#define mhPROFILE_DYNAMIC                  0
#define mhPROFILE_STATIC                   1
#define mhPROFILE_MIXED                    2
#ifndef MH_PROFILE
    #define MH_PROFILE                     mhPROFILE_DYNAMIC
#endif

/*-------------------------- scheduler ------------------------------------*/
#define configCPU_CLOCK_HZ                         ( MH_CPU_CLOCK_HZ )
#define configTICK_RATE_HZ                         ( ( TickType_t ) 1000 )
#define configUSE_PREEMPTION                       1
#define configUSE_TIME_SLICING                     1
#define configUSE_PORT_OPTIMISED_TASK_SELECTION    0
#define configUSE_TICKLESS_IDLE                    0
#define configMAX_PRIORITIES                       5
#define configMINIMAL_STACK_SIZE                   ( ( unsigned short ) 128 )
#define configMAX_TASK_NAME_LEN                    16
#define configTICK_TYPE_WIDTH_IN_BITS              TICK_TYPE_WIDTH_32_BITS
#define configIDLE_SHOULD_YIELD                    1
#define configUSE_TASK_NOTIFICATIONS               1
#define configTASK_NOTIFICATION_ARRAY_ENTRIES      1
#define configQUEUE_REGISTRY_SIZE                  0
#define configENABLE_BACKWARD_COMPATIBILITY        0
#define configNUM_THREAD_LOCAL_STORAGE_POINTERS    0
#define configUSE_NEWLIB_REENTRANT                 0

/*-------------------------- memory ---------------------------------------*/
#define configSUPPORT_STATIC_ALLOCATION            MH_SUPPORT_STATIC
#define configSUPPORT_DYNAMIC_ALLOCATION           MH_SUPPORT_DYNAMIC
#define configKERNEL_PROVIDED_STATIC_MEMORY        0
#define configTOTAL_HEAP_SIZE                      ( ( size_t ) ( MH_TOTAL_HEAP_SIZE ) )
/* The firmware supplies an 8-aligned ucHeap for heap_1, heap_2 and heap_4. */
#define configAPPLICATION_ALLOCATED_HEAP           1
#define configSTACK_ALLOCATION_FROM_SEPARATE_HEAP  0
#define configENABLE_HEAP_PROTECTOR                0
#define configHEAP_CLEAR_MEMORY_ON_FREE            0

/*-------------------------- hooks ----------------------------------------*/
/* The idle task waits for the next interrupt (boards/<core>: wfi), so idle time
 * costs no emulation under -icount sleep=off. On RISC-V the hook also works round
 * the emulator's lost tick: it re-enables interrupts with a CSR write first
 * (boards/riscv/riscv.c, ESP32-FACTS.md). */
#define configUSE_IDLE_HOOK                        1
#define configUSE_TICK_HOOK                        0
/* 1: the timer task restarts a task that overflowed before the last reset
 * (overflow restart=1, a reset loop; firmware/scenarios/restart_at_boot.c). */
#define configUSE_DAEMON_TASK_STARTUP_HOOK         1
#define configCHECK_FOR_STACK_OVERFLOW             MH_CHECK_FOR_STACK_OVERFLOW
#define configUSE_MALLOC_FAILED_HOOK               MH_SUPPORT_DYNAMIC

/*-------------------------- run time stats / trace -----------------------*/
#define configGENERATE_RUN_TIME_STATS              0
/* 1: vTaskGetInfo() gives a task's stack base, so stack records carry the
 * bounds the harness reads from outside (harness/stack_probe.py). */
#define configUSE_TRACE_FACILITY                   1
/* 1: the TCB keeps pxEndOfStack, so stack records carry the stack's top too. */
#define configRECORD_STACK_HIGH_ADDRESS            1
#define configUSE_STATS_FORMATTING_FUNCTIONS       0

/*-------------------------- objects --------------------------------------*/
#define configUSE_MUTEXES                          1
#define configUSE_RECURSIVE_MUTEXES                1
#define configUSE_COUNTING_SEMAPHORES              1
#define configUSE_QUEUE_SETS                       0
#define configUSE_CO_ROUTINES                      0

/*-------------------------- software timers ------------------------------*/
#define configUSE_TIMERS                           1
#define configTIMER_TASK_PRIORITY                  ( configMAX_PRIORITIES - 1 )
#define configTIMER_QUEUE_LENGTH                   10
#define configTIMER_TASK_STACK_DEPTH               ( configMINIMAL_STACK_SIZE * 2 )

/*-------------------------- optional API ---------------------------------*/
#define INCLUDE_vTaskPrioritySet                   1
#define INCLUDE_uxTaskPriorityGet                  1
#define INCLUDE_vTaskDelete                        1
#define INCLUDE_vTaskSuspend                       1
#define INCLUDE_vTaskDelayUntil                    1
#define INCLUDE_vTaskDelay                         1
#define INCLUDE_xTaskGetSchedulerState             1
#define INCLUDE_xTaskGetCurrentTaskHandle          1
#define INCLUDE_uxTaskGetStackHighWaterMark        1
#define INCLUDE_xTaskGetIdleTaskHandle             0
#define INCLUDE_eTaskGetState                      1

/*-------------------------- Cortex-M interrupt priorities ----------------*/
/* Read by the ARM_CM* ports only. */
#define configPRIO_BITS                            3
#define configKERNEL_INTERRUPT_PRIORITY            255
#define configMAX_SYSCALL_INTERRUPT_PRIORITY       ( 5 << ( 8 - configPRIO_BITS ) )

/*-------------------------- assert ---------------------------------------*/
#ifndef __ASSEMBLER__
    void vMhAssertFailed( const char * pcFile,
                          unsigned long ulLine );
#endif
#define configASSERT( x )                                      \
    do {                                                       \
        if( ( x ) == 0 )                                       \
        {                                                      \
            vMhAssertFailed( __FILE__, ( unsigned long ) __LINE__ ); \
        }                                                      \
    } while( 0 )

/*-------------------------- port-specific -------------------------------*/
/* The build defines MH_PORT_<port> (from the board's YAML), MH_FPU and
 * MH_STACK_LIMIT. The vector table (boards/cortex_m/vectors.c) uses the CMSIS
 * handler names: the ARMv8-M ports define those themselves, the ARMv7-M ports
 * are mapped onto them here. */
#ifndef MH_FPU
    #define MH_FPU                                 0
#endif

#if defined( MH_PORT_ARM_CM3 ) || defined( MH_PORT_ARM_CM4F ) || defined( MH_PORT_ARM_CM7 )
    #define vPortSVCHandler                        SVC_Handler
    #define xPortPendSVHandler                     PendSV_Handler
    #define xPortSysTickHandler                    SysTick_Handler
#elif defined( MH_PORT_ARM_CM33_NTZ )
    /* Secure-only: no TrustZone split, no MPU; PSPLIM holds each task's stack end. */
    #define configENABLE_FPU                       MH_FPU
    #define configENABLE_MPU                       0
    #define configENABLE_TRUSTZONE                 0
    #define configRUN_FREERTOS_SECURE_ONLY         1
    #define configENABLE_MVE                       0
#elif defined( MH_PORT_RISC_V )
    /* No CLINT: the board supplies vPortSetupTimerInterrupt() (SYSTIMER through the interrupt
     * matrix on the ESP32-C3) and the interrupt handler; interrupts run on their own stack. */
    #define configMTIME_BASE_ADDRESS               0
    #define configMTIMECMP_BASE_ADDRESS            0
    #define configISR_STACK_SIZE_WORDS             512
#else
    #error "FreeRTOSConfig.h has no block for this port: add one (see MH_PORT_<port> from the build)"
#endif

#if !defined( MH_HEAP_SCHEME ) || !defined( MH_TOTAL_HEAP_SIZE )
    #pragma GCC poison MH_HEAP_SCHEME MH_TOTAL_HEAP_SIZE
#endif

#endif /* FREERTOS_CONFIG_H */
