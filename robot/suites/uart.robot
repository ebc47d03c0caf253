*** Settings ***
Documentation       The Renode-style UART keywords on a live board: the same firmware driven line
...                 by line, as a Renode suite drives its machine (``Create Terminal Tester``,
...                 ``Wait For Line On Uart``, ``Write Line To Uart``, ...).
Resource            ../memharness.resource
Suite Setup         Build Every Heap Scheme
Test Teardown       Stop All Boards
Test Tags           board:${BOARD}    uart


*** Test Cases ***    HEAP
The leak driven by hand on heap_1
    [Tags]    heap:heap_1    scenario:leak
    [Template]    Leak Driven By Hand
    heap_1

The leak driven by hand on heap_2
    [Tags]    heap:heap_2    scenario:leak
    [Template]    Leak Driven By Hand
    heap_2

The leak driven by hand on heap_3
    [Tags]    heap:heap_3    scenario:leak
    [Template]    Leak Driven By Hand
    heap_3

The leak driven by hand on heap_4
    [Tags]    heap:heap_4    scenario:leak
    [Template]    Leak Driven By Hand
    heap_4

The leak driven by hand on heap_5
    [Tags]    heap:heap_5    scenario:leak
    [Template]    Leak Driven By Hand
    heap_5

A stack overflow resets the live board and it comes back
    [Tags]    heap:heap_4    scenario:overflow
    Start Board    heap=heap_4
    Create Terminal Tester    sysbus.uart0    timeout=5
    Wait For Record    ready
    Write Line To Uart    run overflow depth=64
    Wait For Record    stack_overflow    task=TestTask
    Wait For Line On Uart    reset=stack_overflow    matchNextLine=false
    Wait For Record    ready    timeout=5 s

Two scenarios on one powered board
    [Tags]    heap:heap_4    scenario:alloc_free    scenario:heap_report
    Start Board    heap=heap_4
    Create Terminal Tester    sysbus.uart0
    Start Emulation
    ${ready}=    Wait For Record    heap    at=ready
    Wait For Record    ready
    Write Line To Uart    run alloc_free size=64
    Wait For Record    heap    at=after_free    free=${ready}[free]
    Wait For Record    ready
    Write Line To Uart    run heap_report
    Wait For Record    done    scenario=heap_report    status=ok

A registered failing string fails the wait
    [Tags]    heap:heap_4    scenario:overflow
    Start Board    heap=heap_4
    Create Terminal Tester    sysbus.uart0    timeout=5
    Register Failing Uart String    @mh stack_overflow
    Wait For Line On Uart    @mh ready
    Write Line To Uart    run overflow depth=64
    Run Keyword And Expect Error    *matches the failing string '@mh stack_overflow'*
    ...    Wait For Line On Uart    @mh done

The firmware lists its scenarios
    [Tags]    heap:heap_4    scenario:list
    Start Board    heap=heap_4
    Create Terminal Tester    sysbus.uart0
    Wait For Line On Uart    @mh ready
    Write Line To Uart    list
    Wait For Record    scenario    name=leak
    Wait For Line On Uart    ^@mh ready    treatAsRegex=true


*** Keywords ***
Leak Driven By Hand
    [Documentation]    The leak run by writing its command line, waited for line by line; a fault, overflow or
    ...    assert fails every
    ...    wait.
    [Arguments]    ${heap}
    Start Board    heap=${heap}
    Create Terminal Tester    sysbus.uart0    timeout=5
    Register Failing Uart String    @mh fault
    Register Failing Uart String    ^@mh (stack_overflow|assert) \\S+    treatAsRegex=true
    Wait For Line On Uart    @mh ready
    Write Line To Uart    run leak size=4096
    Wait For Line On Uart    Not enough heap.
    ${done}=    Wait For Line On Uart    leaked=(\\d+) bytes=(\\d+)    treatAsRegex=true
    Should Be Equal As Integers    ${done.groups}[1]    ${{ int($done.groups[0]) * 4096 }}
    Should Not Be On Uart    @mh boot    timeout=0.3 s
