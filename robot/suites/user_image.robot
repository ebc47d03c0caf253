*** Settings ***
Documentation       A user's own FreeRTOS image (tests/fixtures/user_app: plain FreeRTOS, no records, no
...                 console), its heap and stacks read from outside, its faults caught by breakpoints.
Resource            ../memharness.resource
Library             ../../tests/fixtures/user_app/build_app.py
Suite Teardown      Stop All Boards
Test Tags           board:${BOARD}    image:user_app


*** Test Cases ***
The Heap Is Read From Outside
    [Documentation]    Three blocks allocated, the middle one freed: two free blocks, a sound list.
    ${elf}=    User App Elf    ${BOARD}
    Start Board With Image    ${elf}
    Run Image    ticks=100    every=25
    Run Should End With    done
    Run Should Have Line    app: boot
    Heap Should Not Be Corrupt
    Free Heap Should Be At Least    16 KiB
    ${snap}=    Get Snapshot    tick 50
    Should Be Equal As Integers    ${snap}[tick]    50
    Should Be Equal As Integers    ${snap}[heap][free_blocks]    2

Every Stack Is Read From Outside
    [Documentation]    Two tasks' stacks from the heap, one static, the kernel's two from its own arrays.
    ${elf}=    User App Elf    ${BOARD}
    Start Board With Image    ${elf}
    Run Image    ticks=50
    Task Stack High Water Mark Should Be At Least    consumer    64 bytes
    No Task Should Have Less Than 64 Of Stack Left

A Snapshot At A Tick Count Is The Same Every Run
    [Documentation]    Under -icount the image reaches tick 40 identically each time.
    ${elf}=    User App Elf    ${BOARD}
    Start Board With Image    ${elf}
    ${first}=    Take Snapshot    ticks=40
    ${second}=    Take Snapshot    ticks=40
    Should Be Equal    ${first}[heap]    ${second}[heap]

A HardFault Is Caught From Outside
    [Documentation]    A write to an address with no memory: the fault handler's breakpoint.
    ${elf}=    User App Elf    ${BOARD}    hardfault
    Start Board With Image    ${elf}
    Run Image    ticks=100
    Board Should Reset Within    30 s    fault
    Run Should Have Record    fault    task=victim

A Stack Overflow Is Caught From Outside
    [Documentation]    The canary check calls vApplicationStackOverflowHook with the task.
    ${elf}=    User App Elf    ${BOARD}    overflow
    Start Board With Image    ${elf}
    Run Image    ticks=100
    Board Should Reset Within    30 s    canary
    Run Should Have Record    stack_overflow    task=victim
