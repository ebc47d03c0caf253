*** Settings ***
Documentation       static_objects: the kernel objects from the ...Static APIs, with a workload through them, in the
...                 static profile (no heap linked) and in the mixed profile on every heap scheme. The dynamic
...                 profile has no static allocation and refuses it.
Resource            ../memharness.resource
Suite Setup         Build Every Heap Scheme And The Static Profile    mixed
Suite Teardown      Stop All Boards
Test Tags           board:${BOARD}    scenario:static_objects
Test Template       Static Objects Should Work Without The Heap


*** Test Cases ***    HEAP      PROFILE    ENDING
Static objects work on heap_1 mixed
    [Tags]    heap:heap_1
    heap_1    mixed    runs
Static objects work on heap_2 mixed
    [Tags]    heap:heap_2
    heap_2    mixed    runs
Static objects work on heap_3 mixed
    [Tags]    heap:heap_3
    heap_3    mixed    runs
Static objects work on heap_4 mixed
    [Tags]    heap:heap_4
    heap_4    mixed    runs
Static objects work on heap_5 mixed
    [Tags]    heap:heap_5
    heap_5    mixed    runs
Static objects work on none static
    [Tags]    heap:none
    none    static    runs
Refused on heap_4 dynamic
    [Tags]    heap:heap_4
    heap_4    dynamic    refused


*** Keywords ***
Static Objects Should Work Without The Heap
    [Documentation]    Every object created from static memory; the workload goes through them.
    [Arguments]    ${heap}    ${profile}    ${ending}
    Start Variant    ${heap}    ${profile}
    IF    $ending == 'refused'
        Scenario Should Be Refused    static_objects    ${heap} (${profile} profile)
        RETURN
    END
    Run Scenario    static_objects
    Scenario Should Finish
    Board Should Not Reset
    Run Should Have Record    object    mode=static
    Run Should Have Record    workload
    IF    $profile == 'static'    Image Should Not Link A Heap
