*** Settings ***
Documentation       plain-freertos (producer, consumer, timer, message buffers) on every heap scheme.
Library             memharness
Suite Teardown      Stop All Boards
Test Tags           app:plain-freertos


*** Variables ***
${APP}      ${CURDIR}


*** Test Cases ***
Every Scheme Side By Side
    [Documentation]    heap_3/4/5 run the workload clean; heap_1 cannot free; heap_2 fragments.
    ${verdict}=    Compare App    ${APP}
    Log    ${verdict}
    Scheme Should Run Clean    heap_4
    Scheme Should Run Clean    heap_5
    Scheme Should Hit    heap_1    an assert in heap_1.c
    Scheme Should Hit    heap_2    allocation failure

One Scheme Read From Outside
    [Documentation]    heap_4: the workload's buffers come and go, nothing is left behind.
    Run App    ${APP}    heap=heap_4
    App Should Run Clean
    Heap Should Not Be Corrupt
    Free Heap Should Be At Least    16 KiB
    Task Stack High Water Mark Should Be At Least    producer    512 bytes    at=tick 500
