*** Settings ***
Documentation       calloc: pvPortCalloc (heap_2, heap_4, heap_5) returns zeroed memory over dirtied blocks, costs
...                 what pvPortMalloc(count * size) costs, refuses a count * size that overflows, and frees back.
...                 heap_1, heap_3 and the static profile have no pvPortCalloc and refuse it.
Resource            ../memharness.resource
Suite Setup         Build Every Heap Scheme And The Static Profile
Suite Teardown      Stop All Boards
Test Tags           board:${BOARD}    scenario:calloc
Test Template       Calloc Should Zero And Cost The Rule


*** Test Cases ***    HEAP      ENDING
Refused on heap_1
    [Tags]    heap:heap_1
    heap_1    refused
Calloc zeroes and costs the rule on heap_2
    [Tags]    heap:heap_2
    heap_2    runs
Refused on heap_3
    [Tags]    heap:heap_3
    heap_3    refused
Calloc zeroes and costs the rule on heap_4
    [Tags]    heap:heap_4
    heap_4    runs
Calloc zeroes and costs the rule on heap_5
    [Tags]    heap:heap_5
    heap_5    runs
Refused on none
    [Tags]    heap:none
    none    refused


*** Keywords ***
Calloc Should Zero And Cost The Rule
    [Documentation]    16 x 64 bytes: zeroed, the cost of one 1024-byte block, NULL on overflow.
    [Arguments]    ${heap}    ${ending}
    Start Variant    ${heap}
    IF    $ending == 'refused'
        Scenario Should Be Refused    calloc    ${heap}
        RETURN
    END
    Run Scenario    calloc    count=16    size=64
    Scenario Should Finish
    Run Should Have Record    calloc    count=16    size=64    zeroed=1
    Run Should Have Record    calloc_overflow    ptr=0
    Allocation Should Cost The Rule    1024    before=before    after=after
    Free Heap Should Return To Baseline    baseline=before    at=freed
