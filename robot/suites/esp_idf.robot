*** Settings ***
Documentation       ESP-IDF images on Espressif's QEMU (boards esp32c3 and esp32): the shared
...                 images' console read into the same records as our firmware's, so the same
...                 check keywords apply. Skipped, naming why, where the emulator is absent.
Resource            ../memharness.resource
Suite Setup         Skip Unless Emulator Is Available    esp_qemu    board=esp32c3
Suite Teardown      Stop All Boards
Test Tags           board:esp32c3    esp_idf


*** Variables ***
${FIXTURES}         ${CURDIR}/../../../shared/fixtures/esp-idf


*** Test Cases ***
Hello World Restarts By Software And Reports Its Heap
    Run ESP-IDF Image    ${FIXTURES}/hello_world_esp32c3/build    until=Hello world!    count=2
    Run Should End With    done
    Run Should Have Line    Hello world!
    Run Should Have Record    boot    boot=2    reset=software
    Minimum Ever Free Heap Should Be At Least    300 KiB    at=minimum_free
    Last Reset Reason Should Be    software

A Panic Resets The Board And Names Its Line
    Run ESP-IDF Image    ${FIXTURES}/hello_world_esp32c3_panic/build
    Board Should Reset Within    60 s    kind=fault
    Last Reset Reason Should Be    panic
    Run Should Have Record    fault    kind=store_access_fault    function=app_main
    ...    source=hello_world_main.c:17
