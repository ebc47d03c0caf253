*** Settings ***
Documentation       The seed tutorial's ESP-IDF task under FreeRTOS heap schemes, read from outside:
...                 the overflow is caught, the leak runs out, the fix runs clean.
Library             memharness
Suite Teardown      Stop All Boards
Test Tags           app:esp-idf-tutorial


*** Variables ***
${APP}      ${CURDIR}


*** Test Cases ***
The Overflow Is Caught
    [Documentation]    A 1 KiB stack (ESP-IDF bytes) and a 100-int array: the canary check resets the board.
    [Template]    Overflow Should Be Caught On
    heap_2
    heap_4

The Leak Runs Out Of Heap
    [Documentation]    No vPortFree: seven 4 KiB blocks fit, the other 43 loops get NULL.
    Run App    ${APP}    heap=heap_4    defines=TUTORIAL_VERSION=2
    Run Should End With    done
    Run Should Have Line    Not enough heap.
    Malloc Failures Should Be    43

The Fix Runs Clean
    [Documentation]    vPortFree every loop: no failure, no reset, every task with stack to spare.
    Run App    ${APP}    heap=heap_5    defines=TUTORIAL_VERSION=3
    App Should Run Clean
    Task Stack High Water Mark Should Be At Least    TestTask    128 bytes
    No Task Should Have Less Than 128 Of Stack Left


*** Keywords ***
Overflow Should Be Caught On
    [Documentation]    Runs the overflow version on ``heap`` and expects the stack-overflow hook's reset.
    [Arguments]    ${heap}
    Run App    ${APP}    heap=${heap}    defines=TUTORIAL_VERSION=1
    Run Should End With    reset    stack_overflow
