*** Settings ***
Documentation       stack_hwm on every heap scheme and without a heap: three tasks of growing stacks write growing
...                 amounts; each high-water mark shows what its task wrote, within the catalogue's margin.
Resource            ../memharness.resource
Suite Setup         Build Every Heap Scheme And The Static Profile
Suite Teardown      Stop All Boards
Test Tags           board:${BOARD}    scenario:stack_hwm
Test Template       Stack Writes Should Show In The High Water Mark


*** Test Cases ***    HEAP
Stack writes show on heap_1
    [Tags]    heap:heap_1
    heap_1
Stack writes show on heap_2
    [Tags]    heap:heap_2
    heap_2
Stack writes show on heap_3
    [Tags]    heap:heap_3
    heap_3
Stack writes show on heap_4
    [Tags]    heap:heap_4
    heap_4
Stack writes show on heap_5
    [Tags]    heap:heap_5
    heap_5
Stack writes show on none
    [Tags]    heap:none
    none


*** Keywords ***
Stack Writes Should Show In The High Water Mark
    [Documentation]    Three tasks write 128, 256 and 384 bytes of 256-, 320- and 384-word stacks.
    [Arguments]    ${heap}
    Start Variant    ${heap}
    Run Scenario    stack_hwm    depth=256    use=128    tasks=3    depth_step=64
    Scenario Should Finish
    Board Should Not Reset
    Stack Use Should Show In The High Water Mark
    FOR    ${task}    IN    hwm0    hwm1    hwm2
        Stack High Water Mark Should Be At Least    ${task}    1 word
    END
