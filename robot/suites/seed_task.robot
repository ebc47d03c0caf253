*** Settings ***
Documentation       The seed's task in its three versions on every heap scheme: 1 the leak without a NULL check (it
...                 writes through NULL: the NULL guard faults and the board resets, as the ESP32 panics), 2 the
...                 leak with the check ("Not enough heap." and it goes on), 3 the fix with vPortFree (the heap
...                 figure holds; on heap_1 vPortFree asserts). Without a heap the seed cannot run.
Resource            ../memharness.resource
Suite Setup         Build Every Heap Scheme And The Static Profile
Suite Teardown      Stop All Boards
Test Tags           board:${BOARD}    scenario:seed_task
Test Template       Seed Task Version Should End As


*** Test Cases ***    HEAP      VERSION    ENDING
The leak without a NULL check faults on heap_1
    [Tags]    heap:heap_1
    heap_1    1    fault
The leak without a NULL check faults on heap_2
    [Tags]    heap:heap_2
    heap_2    1    fault
The leak without a NULL check faults on heap_3
    [Tags]    heap:heap_3
    heap_3    1    fault
The leak without a NULL check faults on heap_4
    [Tags]    heap:heap_4
    heap_4    1    fault
The leak without a NULL check faults on heap_5
    [Tags]    heap:heap_5
    heap_5    1    fault
The leak with the NULL check goes on on heap_1
    [Tags]    heap:heap_1
    heap_1    2    leak
The leak with the NULL check goes on on heap_2
    [Tags]    heap:heap_2
    heap_2    2    leak
The leak with the NULL check goes on on heap_3
    [Tags]    heap:heap_3
    heap_3    2    leak
The leak with the NULL check goes on on heap_4
    [Tags]    heap:heap_4
    heap_4    2    leak
The leak with the NULL check goes on on heap_5
    [Tags]    heap:heap_5
    heap_5    2    leak
The fix asserts on heap_1, whose vPortFree cannot free
    [Tags]    heap:heap_1
    heap_1    3    assert
The fix keeps the heap on heap_2
    [Tags]    heap:heap_2
    heap_2    3    fixed
The fix keeps the heap on heap_3
    [Tags]    heap:heap_3
    heap_3    3    fixed
The fix keeps the heap on heap_4
    [Tags]    heap:heap_4
    heap_4    3    fixed
The fix keeps the heap on heap_5
    [Tags]    heap:heap_5
    heap_5    3    fixed
Refused on none
    [Tags]    heap:none
    none    3    refused


*** Keywords ***
Seed Task Version Should End As
    [Documentation]    Ten loops of the seed's task without its 100 ms delay.
    [Arguments]    ${heap}    ${version}    ${ending}
    Start Variant    ${heap}
    IF    $ending == 'refused'
        Scenario Should Be Refused    seed_task    ${heap}
        RETURN
    END
    Run Scenario    seed_task    version=${version}    delay_ms=0    loops=10
    Run Should Have Line    2
    Seed Task Should Have Ended    ${ending}

Seed Task Should Have Ended
    [Documentation]    ``fault``/``assert``: the board reset for that reason; ``leak``: the seed's line and the
    ...    heap lost; ``fixed``: the heap figure back where it was.
    [Arguments]    ${ending}
    IF    $ending in ('fault', 'assert')
        Board Should Reset Within    10 s    ${ending}
        Last Reset Reason Should Be    ${ending}
    ELSE IF    $ending == 'leak'
        Scenario Should Finish
        Run Should Have Line    Not enough heap.
        Run Keyword And Expect Error    *bytes were lost*    Heap Should Not Leak Over    4096 bytes
    ELSE
        Scenario Should Finish
        Free Heap Should Return To Baseline    baseline=ready    at=end
    END
