*** Settings ***
Documentation       alloc_free on every heap scheme: one pvPortMalloc takes what the scheme's rule
...                 says (heap_2/4/5 round8(n + 8), heap_1 round8(n), heap_3 at least n) and one
...                 vPortFree gives it all back; heap_1 cannot free, so its heap keeps the block.
Resource            ../memharness.resource
Suite Setup         Build Every Heap Scheme
Suite Teardown      Stop All Boards
Test Tags           board:${BOARD}    scenario:alloc_free
Test Template       Alloc Free Should Cost The Rule And Give It Back


*** Test Cases ***    HEAP      SIZE
Alloc free 1024 bytes on heap_1
    [Tags]    heap:heap_1
    heap_1    1024
Alloc free 1024 bytes on heap_2
    [Tags]    heap:heap_2
    heap_2    1024
Alloc free 1024 bytes on heap_3
    [Tags]    heap:heap_3
    heap_3    1024
Alloc free 1024 bytes on heap_4
    [Tags]    heap:heap_4
    heap_4    1024
Alloc free 1024 bytes on heap_5
    [Tags]    heap:heap_5
    heap_5    1024
Alloc free 1 bytes on heap_1
    [Tags]    heap:heap_1
    heap_1    1
Alloc free 1 bytes on heap_2
    [Tags]    heap:heap_2
    heap_2    1
Alloc free 1 bytes on heap_3
    [Tags]    heap:heap_3
    heap_3    1
Alloc free 1 bytes on heap_4
    [Tags]    heap:heap_4
    heap_4    1
Alloc free 1 bytes on heap_5
    [Tags]    heap:heap_5
    heap_5    1


*** Keywords ***
Alloc Free Should Cost The Rule And Give It Back
    [Documentation]    One allocation costs the scheme's rule; a scheme that can free gets it all back, heap_1
    ...    keeps it.
    [Arguments]    ${heap}    ${size}
    Run On Heap    ${heap}    alloc_free    size=${size}
    Scenario Should Finish
    Board Should Not Reset
    Allocation Should Cost The Rule    ${size}    before=before    after=after_alloc
    ${frees}=    Heap Scheme Can Free
    IF    ${frees}
        Free Heap Should Return To Baseline    baseline=before    at=after_free
        Run Should Have Record    free    released=1
    ELSE
        ${kept}=    Get Heap Figure    free    at=after_alloc
        Free Heap Should Be    ${kept}    at=after_free
        Run Should Have Record    free    released=0
    END
