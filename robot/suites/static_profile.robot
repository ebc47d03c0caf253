*** Settings ***
Documentation       The static profile: configSUPPORT_DYNAMIC_ALLOCATION=0, so no heap scheme is
...                 linked at all. Heap figures are not available (never 0), the scenarios that
...                 need a heap are refused, and a task on a static stack still trips the canary.
Resource            ../memharness.resource
Suite Setup         Build Firmware    profile=static
Suite Teardown      Stop All Boards
Test Setup          Start Board    profile=static
Test Tags           board:${BOARD}    heap:none    profile:static


*** Test Cases ***
The image links no heap
    [Tags]    scenario:none
    Image Should Not Link A Heap

Heap figures are not available
    [Tags]    scenario:heap_report
    Run Scenario    heap_report
    Scenario Should Finish
    Heap Figures Should Match The Scheme    at=report
    Run Keyword And Expect Error    NotAvailable: free is not available on none*
    ...    Get Heap Figure    free    at=report

Scenarios that need a heap are refused
    [Tags]    scenario:alloc_free    scenario:leak
    Run Keyword And Expect Error    ScenarioError: scenario 'alloc_free' does not apply to none*
    ...    Run Scenario    alloc_free
    Run Keyword And Expect Error    ScenarioError: scenario 'leak' does not apply to none*
    ...    Run Scenario    leak

A static task on 64 words trips the canary
    [Tags]    scenario:overflow
    Run Scenario    overflow    depth=64
    Board Should Reset Within    10 s    canary
    Last Reset Reason Should Be    stack_overflow

A static task on 256 words keeps stack to spare
    [Tags]    scenario:overflow
    Run Scenario    overflow    depth=256
    Scenario Should Finish
    Stack High Water Mark Should Be At Least    TestTask    1 word

An assert resets a board without a heap
    [Tags]    scenario:fault_inject
    Run Scenario    fault_inject    kind=0
    Board Should Reset Within    10 s    assert
    Last Reset Reason Should Be    assert
