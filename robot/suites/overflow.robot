*** Settings ***
Documentation       The seed's TestTask (a 400-byte local array) on every heap scheme: on a 64-word
...                 stack FreeRTOS's canary check (method 2) trips at the next context switch (on ARMv8-M
...                 the PSPLIM stack limit faults first, at the crossing instruction) and
...                 the hook resets the board; on 256 words it runs its 50 iterations with stack
...                 to spare.
Resource            ../memharness.resource
Suite Setup         Build Every Heap Scheme
Suite Teardown      Stop All Boards
Test Tags           board:${BOARD}    scenario:overflow
Test Template       Overflow Should End As The Stack Allows


*** Test Cases ***    HEAP      DEPTH    ENDING
Stack of 64 words on heap_1 resets
    [Tags]    heap:heap_1
    heap_1    64    reset
Stack of 64 words on heap_2 resets
    [Tags]    heap:heap_2
    heap_2    64    reset
Stack of 64 words on heap_3 resets
    [Tags]    heap:heap_3
    heap_3    64    reset
Stack of 64 words on heap_4 resets
    [Tags]    heap:heap_4
    heap_4    64    reset
Stack of 64 words on heap_5 resets
    [Tags]    heap:heap_5
    heap_5    64    reset
Stack of 256 words on heap_1 fits
    [Tags]    heap:heap_1
    heap_1    256    done
Stack of 256 words on heap_2 fits
    [Tags]    heap:heap_2
    heap_2    256    done
Stack of 256 words on heap_3 fits
    [Tags]    heap:heap_3
    heap_3    256    done
Stack of 256 words on heap_4 fits
    [Tags]    heap:heap_4
    heap_4    256    done
Stack of 256 words on heap_5 fits
    [Tags]    heap:heap_5
    heap_5    256    done


*** Keywords ***
Overflow Should End As The Stack Allows
    [Documentation]    ``reset``: the overflow is caught and the next boot names TestTask; ``done``: 50
    ...    iterations and stack to spare.
    [Arguments]    ${heap}    ${depth}    ${ending}
    Run On Heap    ${heap}    overflow    depth=${depth}
    IF    $ending == 'reset'
        The Overflow Should Be Caught And Reset The Board
    ELSE
        Scenario Should Finish
        Board Should Not Reset
        Run Should Have Record    done    iterations=50
        Stack High Water Mark Should Be At Least    TestTask    1 word
    END

The Overflow Should Be Caught And Reset The Board
    [Documentation]    The canary hook (or, on ARMv8-M, the PSPLIM stack-limit fault) names TestTask, and the
    ...    next boot reports that reset.
    ${kind}=    Overflow Is Caught By
    Board Should Reset Within    10 s    ${kind}
    Last Reset Reason Should Be    ${kind}
    IF    $kind == 'canary'
        Run Should Have Record    stack_overflow    task=TestTask    method=2
    ELSE
        Run Should Have Record    fault    kind=stack_limit    task=TestTask
    END
    Run Should Have Record    boot    boot=2    reset_task=TestTask
