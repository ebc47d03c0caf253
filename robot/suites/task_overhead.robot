*** Settings ***
Documentation       task_overhead on every heap scheme and without a heap: xTaskCreate takes the stack and the TCB,
...                 each at the scheme's cost per allocation; without a heap that figure is not available.
Resource            ../memharness.resource
Suite Setup         Build Every Heap Scheme And The Static Profile
Suite Teardown      Stop All Boards
Test Tags           board:${BOARD}    scenario:task_overhead
Test Template       Task Should Cost The Rule


*** Test Cases ***    HEAP      ENDING
Task cost on heap_1 follows the rule
    [Tags]    heap:heap_1
    heap_1    runs
Task cost on heap_2 follows the rule
    [Tags]    heap:heap_2
    heap_2    runs
Task cost on heap_3 follows the rule
    [Tags]    heap:heap_3
    heap_3    runs
Task cost on heap_4 follows the rule
    [Tags]    heap:heap_4
    heap_4    runs
Task cost on heap_5 follows the rule
    [Tags]    heap:heap_5
    heap_5    runs
Task cost on none is not available
    [Tags]    heap:none
    none    not_available


*** Keywords ***
Task Should Cost The Rule
    [Documentation]    A 256-word task's cost follows the rule; ``not_available`` where no heap is linked.
    [Arguments]    ${heap}    ${ending}
    Start Variant    ${heap}
    Run Scenario    task_overhead    depth=256    loops=10
    Scenario Should Finish
    Board Should Not Reset
    Run Should Have Record    task_cost    depth_words=256
    IF    $ending == 'not_available'
        Run Keyword And Expect Error    NotAvailable: *not available on none*    Task Cost Should Follow The Rule
    ELSE
        Task Cost Should Follow The Rule
    END
