*** Settings ***
Documentation       malloc_failed: exhaust the heap; each NULL calls the hook once, the scheduler goes on, and the
...                 heap record carries exactly the figures the scheme can give. The static profile refuses it.
Resource            ../memharness.resource
Suite Setup         Build Every Heap Scheme And The Static Profile
Suite Teardown      Stop All Boards
Test Tags           board:${BOARD}    scenario:malloc_failed
Test Template       Exhausted Heap Should Fail Cleanly


*** Test Cases ***    HEAP      ENDING
Exhausted heap fails cleanly on heap_1
    [Tags]    heap:heap_1
    heap_1    runs
Exhausted heap fails cleanly on heap_2
    [Tags]    heap:heap_2
    heap_2    runs
Exhausted heap fails cleanly on heap_3
    [Tags]    heap:heap_3
    heap_3    runs
Exhausted heap fails cleanly on heap_4
    [Tags]    heap:heap_4
    heap_4    runs
Exhausted heap fails cleanly on heap_5
    [Tags]    heap:heap_5
    heap_5    runs
Refused on none
    [Tags]    heap:none
    none    refused


*** Keywords ***
Exhausted Heap Should Fail Cleanly
    [Documentation]    1 KiB blocks until three NULLs; the hook reports the size; ticks go on.
    [Arguments]    ${heap}    ${ending}
    Start Variant    ${heap}
    IF    $ending == 'refused'
        Scenario Should Be Refused    malloc_failed    ${heap}
        RETURN
    END
    Run Scenario    malloc_failed    size=1024    failures=3
    Scenario Should Finish
    Board Should Not Reset
    Run Should Have Record    malloc_failed    size=1024
    Run Should Have Record    exhausted    nulls=3    size=1024
    Run Should Have Record    alive
    Heap Figures Should Match The Scheme    at=exhausted
