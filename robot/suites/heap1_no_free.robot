*** Settings ***
Documentation       heap1_no_free: allocate and give back, cycle after cycle. On heap_1 the free figure only falls;
...                 on the other schemes it comes back every cycle. The static profile has no heap and refuses it.
Resource            ../memharness.resource
Suite Setup         Build Every Heap Scheme And The Static Profile
Suite Teardown      Stop All Boards
Test Tags           board:${BOARD}    scenario:heap1_no_free
Test Template       Cycles Should Give Back Where The Scheme Frees


*** Test Cases ***    HEAP      ENDING
Free figure only falls on heap_1
    [Tags]    heap:heap_1
    heap_1    keeps
Cycles give back on heap_2
    [Tags]    heap:heap_2
    heap_2    frees
Cycles give back on heap_3
    [Tags]    heap:heap_3
    heap_3    frees
Cycles give back on heap_4
    [Tags]    heap:heap_4
    heap_4    frees
Cycles give back on heap_5
    [Tags]    heap:heap_5
    heap_5    frees
Refused on none
    [Tags]    heap:none
    none    refused


*** Keywords ***
Cycles Should Give Back Where The Scheme Frees
    [Documentation]    Eight cycles of 256 bytes: ``frees`` back to the start, ``keeps`` loses them.
    [Arguments]    ${heap}    ${ending}
    Start Variant    ${heap}
    IF    $ending == 'refused'
        Scenario Should Be Refused    heap1_no_free    ${heap}
        RETURN
    END
    Run Scenario    heap1_no_free    size=256    cycles=8
    Scenario Should Finish
    Board Should Not Reset
    IF    $ending == 'frees'
        Free Heap Should Return To Baseline    baseline=start    at=end
    ELSE
        Run Keyword And Expect Error    *bytes were lost*    Heap Should Not Leak Over    256 bytes    baseline=start
    END
