/*
 * RISC-V start-up, shared by every RISC-V family: the boot ROM (or loader) has
 * put code and initialised data in place, so this sets gp and the main stack,
 * zeroes .bss (.noinit is left alone so the reset reason survives a reset),
 * sets up the thread-local block (tp),
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
    /* The thread-local block (picolibc keeps errno there): tp points at it. */
    la      tp, __mh_tls_block
    la      a0, __mh_tls_block
    la      a1, __mh_tdata_start
    la      a2, __mh_tdata_end
3:
    bgeu    a1, a2, 4f
    lbu     t0, 0( a1 )
    sb      t0, 0( a0 )
    addi    a0, a0, 1
    addi    a1, a1, 1
    j       3b
4:
    la      a1, __mh_tls_block_end
5:
    bgeu    a0, a1, 6f
    sb      zero, 0( a0 )
    addi    a0, a0, 1
    j       5b
6:
    la      t0, mh_vector_table
    ori     t0, t0, 1               /* vectored: interrupt n goes to base + 4 * n */
    csrw    mtvec, t0
    call    main
7:
    j       7b
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
