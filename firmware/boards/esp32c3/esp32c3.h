/*
 * ESP32-C3 registers the board support uses (addresses as the emulated chip
 * has them; ESP32-FACTS.md, and Espressif's ESP32-C3 TRM is the authority).
 */

#ifndef ESP32C3_H
#define ESP32C3_H

#include <stdint.h>

#define esp32c3REG( addr )                   ( *( ( volatile uint32_t * ) ( addr ) ) )

/* UART0: the console. */
#define esp32c3UART_FIFO                     esp32c3REG( MH_UART_BASE + 0x00UL )
#define esp32c3UART_STATUS                   esp32c3REG( MH_UART_BASE + 0x1CUL )
#define esp32c3UART_RX_COUNT( status )       ( ( status ) & 0x3FFUL )
#define esp32c3UART_TX_COUNT( status )       ( ( ( status ) >> 16 ) & 0x3FFUL )
#define esp32c3UART_TX_FIFO_SIZE             128UL

/* SYSTIMER: unit 0 counts at 16 MHz; comparator 0 makes the tick. */
#define esp32c3SYSTIMER_BASE                 0x60023000UL
#define esp32c3SYSTIMER_CONF                 esp32c3REG( esp32c3SYSTIMER_BASE + 0x00UL )
#define esp32c3SYSTIMER_UNIT0_OP             esp32c3REG( esp32c3SYSTIMER_BASE + 0x04UL )
#define esp32c3SYSTIMER_TARGET0_CONF         esp32c3REG( esp32c3SYSTIMER_BASE + 0x34UL )
#define esp32c3SYSTIMER_UNIT0_VALUE_LO       esp32c3REG( esp32c3SYSTIMER_BASE + 0x44UL )
#define esp32c3SYSTIMER_COMP0_LOAD           esp32c3REG( esp32c3SYSTIMER_BASE + 0x50UL )
#define esp32c3SYSTIMER_INT_ENA              esp32c3REG( esp32c3SYSTIMER_BASE + 0x64UL )
#define esp32c3SYSTIMER_INT_CLR              esp32c3REG( esp32c3SYSTIMER_BASE + 0x6CUL )
#define esp32c3SYSTIMER_UNIT0_WORK_EN        ( 1UL << 30 )
#define esp32c3SYSTIMER_TARGET0_WORK_EN      ( 1UL << 24 )
#define esp32c3SYSTIMER_UNIT0_UPDATE         ( 1UL << 30 )
#define esp32c3SYSTIMER_UNIT0_VALUE_VALID    ( 1UL << 29 )
#define esp32c3SYSTIMER_TARGET0_PERIOD_MODE  ( 1UL << 30 )
#define esp32c3SYSTIMER_TARGET0_INT          ( 1UL << 0 )
#define esp32c3SYSTIMER_HZ                   16000000UL

/* Interrupt matrix: a peripheral source is routed to a CPU interrupt line. */
#define esp32c3INTMTX_BASE                   0x600C2000UL
#define esp32c3INTMTX_SYSTIMER_TARGET0_MAP   esp32c3REG( esp32c3INTMTX_BASE + 0x94UL ) /* source 37 */
#define esp32c3INTMTX_LINE_ENABLE            esp32c3REG( esp32c3INTMTX_BASE + 0x104UL )
#define esp32c3INTMTX_LINE_TYPE              esp32c3REG( esp32c3INTMTX_BASE + 0x108UL )
#define esp32c3INTMTX_LINE_PRIORITY( n )     esp32c3REG( esp32c3INTMTX_BASE + 0x114UL + ( 4UL * ( n ) ) )
#define esp32c3INTMTX_THRESHOLD              esp32c3REG( esp32c3INTMTX_BASE + 0x194UL )
#define esp32c3TICK_LINE                     1UL
#define esp32c3TICK_PRIORITY                 1UL

/* The ROM's software_reset_cpu (esp32c3.rom.ld). */
#define esp32c3ROM_SOFTWARE_RESET_CPU        0x40000094UL

#endif /* ESP32C3_H */
