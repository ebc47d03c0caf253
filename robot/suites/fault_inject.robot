*** Settings ***
Documentation       fault_inject (test only): failures the harness must tell apart. An assert and a
...                 HardFault each print their record and reset the board; a hang and a scenario
...                 that never finishes end in a timeout, without a reset.
Resource            ../memharness.resource
Suite Setup         Build Every Heap Scheme
Suite Teardown      Stop All Boards
Test Tags           board:${BOARD}    scenario:fault_inject
Test Template       Injected Fault Should End As


*** Test Cases ***    HEAP      KIND    ENDING
Assert on heap_1 resets
    [Tags]    heap:heap_1
    heap_1    0    assert
Assert on heap_2 resets
    [Tags]    heap:heap_2
    heap_2    0    assert
Assert on heap_3 resets
    [Tags]    heap:heap_3
    heap_3    0    assert
Assert on heap_4 resets
    [Tags]    heap:heap_4
    heap_4    0    assert
Assert on heap_5 resets
    [Tags]    heap:heap_5
    heap_5    0    assert
HardFault on heap_1 resets
    [Tags]    heap:heap_1
    heap_1    1    fault
HardFault on heap_2 resets
    [Tags]    heap:heap_2
    heap_2    1    fault
HardFault on heap_3 resets
    [Tags]    heap:heap_3
    heap_3    1    fault
HardFault on heap_4 resets
    [Tags]    heap:heap_4
    heap_4    1    fault
HardFault on heap_5 resets
    [Tags]    heap:heap_5
    heap_5    1    fault
Hang on heap_4 times out
    [Tags]    heap:heap_4
    heap_4    2    timeout
Never finishing on heap_4 times out
    [Tags]    heap:heap_4
    heap_4    4    timeout


*** Keywords ***
Injected Fault Should End As
    [Documentation]    ``assert`` and ``fault`` reset the board and the next boot says why; ``timeout`` ends the
    ...    run without a
    ...    reset.
    [Arguments]    ${heap}    ${kind}    ${ending}
    Start Board    heap=${heap}
    # A hang is caught by the deadline, so it is short; a reset is waited for as long as a loaded machine needs.
    ${deadline}=    Set Variable If    $ending == 'timeout'    1 s    10 s
    Run Scenario    fault_inject    kind=${kind}    timeout=${deadline}
    IF    $ending == 'timeout'
        Run Should End With    timeout
        Board Should Not Reset
    ELSE
        Board Should Reset Within    10 s    ${ending}
        Last Reset Reason Should Be    ${ending}
        Run Should Have Record    ${ending}
    END
