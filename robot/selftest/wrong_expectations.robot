*** Settings ***
Documentation       Deliberately wrong expectations: every test here must FAIL, with a message
...                 that quotes what was expected, the last lines that arrived and the path of the
...                 full UART log. Run from pytest (tests/e2e/test_robot_selftest.py), never by
...                 ``make test``'s pabot run.
Resource            ../memharness.resource
Suite Teardown      Stop All Boards
Test Tags           selftest    board:${BOARD}    heap:heap_4


*** Test Cases ***
A wrong free heap figure
    [Tags]    scenario:alloc_free
    Start Board    heap=heap_4
    Run Scenario    alloc_free    size=1024
    Free Heap Should Be    1    at=after_free

A record that never comes
    [Tags]    scenario:leak
    Start Board    heap=heap_4
    Run Scenario    leak    size=4096
    Run Should Have Record    done    status=never

A UART line that never comes
    [Tags]    scenario:none
    Start Board    heap=heap_4
    Create Terminal Tester    sysbus.uart0
    Wait For Line On Uart    this line never comes    timeout=1 s

A reset that does not happen
    [Tags]    scenario:overflow
    Start Board    heap=heap_4
    Run Scenario    overflow    depth=256    iterations=2
    Board Should Reset Within    5 s    canary

A figure the scheme cannot give
    [Tags]    scenario:heap_report    heap:heap_2
    Start Board    heap=heap_2
    Run Scenario    heap_report
    Minimum Ever Free Heap Should Be At Least    1 byte
