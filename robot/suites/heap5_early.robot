*** Settings ***
Documentation       heap5_early (test only): heap_5 allocating before vPortDefineHeapRegions trips
...                 configASSERT in heap_5.c and the board resets; the other schemes refuse the
...                 scenario before anything is started.
Resource            ../memharness.resource
Suite Setup         Build Every Heap Scheme
Suite Teardown      Stop All Boards
Test Tags           board:${BOARD}    scenario:heap5_early
Test Template       Heap5 Early Should End


*** Test Cases ***    HEAP      ENDING
Refused on heap_1
    [Tags]    heap:heap_1
    heap_1    refused
Refused on heap_2
    [Tags]    heap:heap_2
    heap_2    refused
Refused on heap_3
    [Tags]    heap:heap_3
    heap_3    refused
Refused on heap_4
    [Tags]    heap:heap_4
    heap_4    refused
Asserts and resets on heap_5
    [Tags]    heap:heap_5
    heap_5    assert


*** Keywords ***
Heap5 Early Should End
    [Documentation]    ``assert``: heap_5's configASSERT resets the board and the next boot names heap_5.c;
    ...    ``refused``: the harness
    ...    refuses before starting anything.
    [Arguments]    ${heap}    ${ending}
    Start Board    heap=${heap}
    IF    $ending == 'assert'
        Run Scenario    heap5_early    timeout=20 s
        Board Should Reset Within    20 s    assert
        Last Reset Reason Should Be    assert
        Run Should Have Record    assert    file=heap_5.c
        Run Should Have Record    boot    reset=assert    reset_file=heap_5.c
    ELSE
        Run Keyword And Expect Error    ScenarioError: scenario 'heap5_early' does not apply to ${heap}*
        ...    Run Scenario    heap5_early
    END
