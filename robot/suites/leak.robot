*** Settings ***
Documentation       The seed's leak on every heap scheme: allocations that are never freed, each
...                 costing what the scheme's rule says, until pvPortMalloc returns NULL, the
...                 malloc-failed hook reports the size and the seed's check prints its line.
Resource            ../memharness.resource
Suite Setup         Build Every Heap Scheme
Suite Teardown      Stop All Boards
Test Tags           board:${BOARD}    scenario:leak
Test Template       Leak Should Run Until Null


*** Test Cases ***    HEAP      SIZE
Leak 4096 bytes on heap_1
    [Tags]    heap:heap_1
    heap_1    4096
Leak 4096 bytes on heap_2
    [Tags]    heap:heap_2
    heap_2    4096
Leak 4096 bytes on heap_3
    [Tags]    heap:heap_3
    heap_3    4096
Leak 4096 bytes on heap_4
    [Tags]    heap:heap_4
    heap_4    4096
Leak 4096 bytes on heap_5
    [Tags]    heap:heap_5
    heap_5    4096
Leak 1000 bytes on heap_1
    [Tags]    heap:heap_1
    heap_1    1000
Leak 1000 bytes on heap_2
    [Tags]    heap:heap_2
    heap_2    1000
Leak 1000 bytes on heap_3
    [Tags]    heap:heap_3
    heap_3    1000
Leak 1000 bytes on heap_4
    [Tags]    heap:heap_4
    heap_4    1000
Leak 1000 bytes on heap_5
    [Tags]    heap:heap_5
    heap_5    1000


*** Keywords ***
Leak Should Run Until Null
    [Documentation]    The leak ends in a NULL, the malloc-failed hook and the seed's line; every allocation cost
    ...    the rule; far more
    ...    than one block was lost.
    [Arguments]    ${heap}    ${size}
    Run On Heap    ${heap}    leak    size=${size}
    Scenario Should Finish
    Board Should Not Reset
    Run Should Have Record    malloc_failed    size=${size}
    Run Should Have Record    leak    ptr=0
    Run Should Have Line    Not enough heap.
    Each Leak Should Cost The Rule    ${size}
    Run Keyword And Expect Error    *bytes were lost*
    ...    Heap Should Not Leak Over    ${size} bytes    baseline=ready    at=end
