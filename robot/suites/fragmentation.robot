*** Settings ***
Documentation       fragmentation: a seeded alloc/free workload on the schemes that free; when every block is given
...                 back the free figure is what it was before the workload. heap_1 cannot free and the static
...                 profile has no heap: both refuse it.
Resource            ../memharness.resource
Suite Setup         Build Every Heap Scheme And The Static Profile
Suite Teardown      Stop All Boards
Test Tags           board:${BOARD}    scenario:fragmentation
Test Template       Fragmentation Workload Should Give Everything Back


*** Test Cases ***    HEAP      ENDING
Refused on heap_1
    [Tags]    heap:heap_1
    heap_1    refused
Workload gives everything back on heap_2
    [Tags]    heap:heap_2
    heap_2    runs
Workload gives everything back on heap_3
    [Tags]    heap:heap_3
    heap_3    runs
Workload gives everything back on heap_4
    [Tags]    heap:heap_4
    heap_4    runs
Workload gives everything back on heap_5
    [Tags]    heap:heap_5
    heap_5    runs
Refused on none
    [Tags]    heap:none
    none    refused


*** Keywords ***
Fragmentation Workload Should Give Everything Back
    [Documentation]    2,000 seeded steps; reports on the way; the heap whole again at the end.
    [Arguments]    ${heap}    ${ending}
    Start Variant    ${heap}
    IF    $ending == 'refused'
        Scenario Should Be Refused    fragmentation    ${heap}
        RETURN
    END
    Run Scenario    fragmentation    seed=1    steps=2000
    Scenario Should Finish
    Board Should Not Reset
    Run Should Have Record    frag    step=2000
    Free Heap Should Return To Baseline    baseline=start    at=end
