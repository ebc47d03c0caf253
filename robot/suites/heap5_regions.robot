*** Settings ***
Documentation       heap5_regions: blocks until NULL on heap_5 land in every one of its non-contiguous regions, and
...                 freeing them makes the heap whole again. Only heap_5 has regions: the rest refuse it.
Resource            ../memharness.resource
Suite Setup         Build Every Heap Scheme And The Static Profile
Suite Teardown      Stop All Boards
Test Tags           board:${BOARD}    scenario:heap5_regions
Test Template       Blocks Should Land In Every Region


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
Blocks land in every region on heap_5
    [Tags]    heap:heap_5
    heap_5    runs
Refused on none
    [Tags]    heap:none
    none    refused


*** Keywords ***
Blocks Should Land In Every Region
    [Documentation]    2 KiB blocks until NULL: each region holds one, all come back.
    [Arguments]    ${heap}    ${ending}
    Start Variant    ${heap}
    IF    $ending == 'refused'
        Scenario Should Be Refused    heap5_regions    ${heap}
        RETURN
    END
    Run Scenario    heap5_regions    size=2048
    Scenario Should Finish
    Run Should Have Record    malloc_failed    size=2048
    Each Region Should Hold An Allocation
    Free Heap Should Return To Baseline    baseline=start    at=freed
