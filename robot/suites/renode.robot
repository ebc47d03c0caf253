*** Settings ***
Documentation       Renode boards through the same keywords: ``Start Board    emulator=renode`` and the
...                 Renode-style UART keywords on a board only Renode emulates (``${RENODE_BOARD}``), and
...                 the STM32F4 image that QEMU and Renode both run, with the same figures on each.
Resource            ../memharness.resource
Suite Setup         Skip Unless Emulator Is Available    renode    board=${RENODE_BOARD}
Test Teardown       Stop All Boards
Test Tags           renode


*** Variables ***
${RENODE_BOARD}     stm32f746
${SHARED_BOARD}     netduinoplus2


*** Test Cases ***
The leak driven by hand on a Renode-only board
    [Tags]    board:${RENODE_BOARD}    heap:heap_4    scenario:leak
    Start Board    board=${RENODE_BOARD}    heap=heap_4
    Create Terminal Tester    sysbus.usart2    timeout=10
    Register Failing Uart String    @mh fault
    Wait For Line On Uart    @mh ready
    Write Line To Uart    run leak size=4096
    Wait For Line On Uart    Not enough heap.
    ${done}=    Wait For Line On Uart    leaked=(\\d+) bytes=(\\d+)    treatAsRegex=true
    Should Be Equal As Integers    ${done.groups}[1]    ${{ int($done.groups[0]) * 4096 }}
    Should Not Be On Uart    @mh boot    timeout=0.3 s

A stack overflow resets the Renode board and it comes back
    [Tags]    board:${RENODE_BOARD}    heap:heap_2    scenario:overflow
    Start Board    board=${RENODE_BOARD}    heap=heap_2
    Create Terminal Tester    sysbus.usart2    timeout=10
    Wait For Record    ready
    Write Line To Uart    run overflow depth=64
    Wait For Record    stack_overflow    task=TestTask
    Wait For Line On Uart    reset=stack_overflow    matchNextLine=false
    Wait For Record    ready

One scenario on the Renode board, checked like any other
    [Tags]    board:${RENODE_BOARD}    heap:heap_5    scenario:leak
    Start Board    board=${RENODE_BOARD}    heap=heap_5
    Run Scenario    leak    size=4096
    Run Should End With    done    ok
    Board Should Not Reset

The same image gives the same figures on QEMU and Renode
    [Tags]    board:${SHARED_BOARD}    heap:heap_4    scenario:alloc_free
    Start Board    board=${SHARED_BOARD}    heap=heap_4    emulator=qemu    alias=qemu
    Run Scenario    alloc_free    size=100
    ${on_qemu}=    Get Heap Figure    free    at=after_alloc
    Start Board    board=${SHARED_BOARD}    heap=heap_4    emulator=renode    alias=renode
    Run Scenario    alloc_free    size=100
    Free Heap Should Be    ${on_qemu}    at=after_alloc
