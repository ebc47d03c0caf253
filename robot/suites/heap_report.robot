*** Settings ***
Documentation       heap_report on every heap scheme: the record carries exactly the figures the
...                 scheme can give, the boot figure follows the scheme's rule, and a figure the
...                 scheme lacks fails as not available (never compared against 0).
Resource            ../memharness.resource
Suite Setup         Build Every Heap Scheme
Suite Teardown      Stop All Boards
Test Tags           board:${BOARD}    scenario:heap_report
Test Template       Heap Report Should Give What The Scheme Can


*** Test Cases ***    HEAP
Report on heap_1 gives what the scheme can
    [Tags]    heap:heap_1
    heap_1
Report on heap_2 gives what the scheme can
    [Tags]    heap:heap_2
    heap_2
Report on heap_3 gives what the scheme can
    [Tags]    heap:heap_3
    heap_3
Report on heap_4 gives what the scheme can
    [Tags]    heap:heap_4
    heap_4
Report on heap_5 gives what the scheme can
    [Tags]    heap:heap_5
    heap_5

No minimum ever free figure on heap_1
    [Tags]    heap:heap_1
    [Template]    Minimum Ever Free Should Not Be Available
    heap_1
No minimum ever free figure on heap_2
    [Tags]    heap:heap_2
    [Template]    Minimum Ever Free Should Not Be Available
    heap_2
No minimum ever free figure on heap_3
    [Tags]    heap:heap_3
    [Template]    Minimum Ever Free Should Not Be Available
    heap_3


*** Keywords ***
Heap Report Should Give What The Scheme Can
    [Documentation]    Runs heap_report: it finishes without a reset, its record has exactly the scheme's
    ...    figures, and the boot
    ...    figure follows the scheme's rule.
    [Arguments]    ${heap}
    Run On Heap    ${heap}    heap_report
    Scenario Should Finish
    Board Should Not Reset
    Last Reset Reason Should Be    power_on
    Heap Figures Should Match The Scheme    at=report
    Free Heap At Boot Should Follow The Rule

Minimum Ever Free Should Not Be Available
    [Documentation]    Asking heap_1/2/3 for the minimum ever free heap fails as not available, never as a
    ...    comparison against 0.
    [Arguments]    ${heap}
    Run On Heap    ${heap}    heap_report
    Run Keyword And Expect Error    NotAvailable: min_ever is not available on ${heap}*
    ...    Minimum Ever Free Heap Should Be At Least    1 byte
