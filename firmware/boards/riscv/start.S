/*
 * RISC-V start-up, shared by every RISC-V family: the boot ROM (or loader) has
 * put code and initialised data in place, so this sets gp and the main stack,
 * zeroes .bss (.noinit is left alone so the reset reason survives a reset),
 * points mtvec at the vector table (vectored mode) and calls main().
 */

    .section .text.start, "ax"
    .global _start
    .type _start, @function
_start:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    la      sp, _estack
    la      a0, _sbss
    la      a1, _ebss
1:
    bgeu    a0, a1, 2f
    sw      zero, 0( a0 )
    addi    a0, a0, 4
    j       1b
2:
    la      t0, mh_vector_table
    ori     t0, t0, 1               /* vectored: interrupt n goes to base + 4 * n */
    csrw    mtvec, t0
    call    main
3:
    j       3b
    .size _start, . - _start

/*
 * Every trap, exception (entry 0) or interrupt (entry n), goes to the FreeRTOS
 * port's one handler, which reads mcause itself.
 */
    .section .text.vectors, "ax"
    .balign 256
    .global mh_vector_table
mh_vector_table:
    .rept 32
    j       freertos_risc_v_trap_handler
    .endr
