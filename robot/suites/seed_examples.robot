*** Settings ***
Documentation       The seed tutorial's three examples on heap_4, FreeRTOS's usual scheme.
...
...                 1. TestTask's 400-byte local array on too small a stack: the canary check
...                 trips and the board resets (the seed's ESP32 shows ``rst:`` after its
...                 watchpoint; here the hook records the overflow and the next boot says why).
...                 The seed's 1024 is bytes on the ESP32; on Cortex-M a depth counts 4-byte
...                 words, so the too-small stack here is 64 words and the fix 256 words.
...                 2. The fix: enough stack, and ``uxTaskGetStackHighWaterMark`` shows the margin.
...                 3. The task that forgets ``vPortFree``: without a NULL check it writes through
...                 NULL (the NULL guard faults and the board resets, as the ESP32 panics); with
...                 the check it prints "Not enough heap." and goes on; the fix frees what it took.
Resource            ../memharness.resource
Suite Setup         Build Firmware    heap=heap_4
Suite Teardown      Stop All Boards
Test Setup          Start Board    heap=heap_4
Test Tags           board:${BOARD}    heap:heap_4    seed


*** Test Cases ***
A 400-byte array on a 64-word stack trips the canary and resets
    [Tags]    scenario:overflow
    Run Scenario    overflow    depth=64
    Board Should Reset Within    10 s    canary
    Last Reset Reason Should Be    stack_overflow
    Run Should Have Record    stack_overflow    task=TestTask

With 256 words the task runs and keeps stack to spare
    [Tags]    scenario:overflow
    Run Scenario    overflow    depth=256    iterations=50
    Scenario Should Finish
    Board Should Not Reset
    Run Should Have Line    2
    Stack High Water Mark Should Be At Least    TestTask    1 word
    Run Keyword And Expect Error    *stack high-water mark of TestTask*
    ...    Stack High Water Mark Should Be At Least    TestTask    256 words

The seed's leak writes through NULL and the board resets
    [Tags]    scenario:seed_task
    Run Scenario    seed_task    version=1    delay_ms=0    loops=10
    Run Should Have Record    null_guard    enabled=1
    Board Should Reset Within    10 s    fault
    Last Reset Reason Should Be    fault

With the NULL check it reports the NULL and goes on
    [Tags]    scenario:seed_task
    Run Scenario    seed_task    version=2    delay_ms=0    loops=10
    Scenario Should Finish
    Board Should Not Reset
    Run Should Have Line    Not enough heap.
    Run Should Have Record    malloc_failed    size=4096
    Run Keyword And Expect Error    *bytes were lost*    Heap Should Not Leak Over    4096 bytes

The fix frees what it took and the heap figure holds
    [Tags]    scenario:seed_task
    Run Scenario    seed_task    version=3    delay_ms=0    loops=10
    Scenario Should Finish
    Board Should Not Reset
    Free Heap Should Return To Baseline    baseline=ready    at=end
    Minimum Ever Free Heap Should Be At Least    4096 bytes
