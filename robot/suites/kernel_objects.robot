*** Settings ***
Documentation       kernel_objects on every heap scheme: a queue, semaphores, a mutex, an event group, a timer and
...                 stream and message buffers each take heap; every scheme that frees gets it all back, heap_1
...                 keeps it. The static profile has no heap to take from and refuses the scenario.
Resource            ../memharness.resource
Suite Setup         Build Every Heap Scheme And The Static Profile
Suite Teardown      Stop All Boards
Test Tags           board:${BOARD}    scenario:kernel_objects
Test Template       Kernel Objects Should Take And Give Back


*** Test Cases ***    HEAP      ENDING
Objects take and give back heap on heap_1
    [Tags]    heap:heap_1
    heap_1    runs
Objects take and give back heap on heap_2
    [Tags]    heap:heap_2
    heap_2    runs
Objects take and give back heap on heap_3
    [Tags]    heap:heap_3
    heap_3    runs
Objects take and give back heap on heap_4
    [Tags]    heap:heap_4
    heap_4    runs
Objects take and give back heap on heap_5
    [Tags]    heap:heap_5
    heap_5    runs
Refused on none
    [Tags]    heap:none
    none    refused


*** Keywords ***
Kernel Objects Should Take And Give Back
    [Documentation]    Every object is created; the heap returns to its figure before them where the scheme frees.
    [Arguments]    ${heap}    ${ending}
    Start Variant    ${heap}
    IF    $ending == 'refused'
        Scenario Should Be Refused    kernel_objects    ${heap}
        RETURN
    END
    Run Scenario    kernel_objects
    Scenario Should Finish
    Run Should Have Record    done    created=8
    ${frees}=    Heap Scheme Can Free
    IF    ${frees}
        Free Heap Should Return To Baseline    baseline=before    at=end
    ELSE
        Run Keyword And Expect Error    *bytes were lost*    Heap Should Not Leak Over    0 bytes    baseline=before
    END
