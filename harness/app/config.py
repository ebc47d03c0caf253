"""The FreeRTOSConfig.h keys the harness owns in a user's app, and what it says when theirs differ.

The harness decides the heap scheme, `configTOTAL_HEAP_SIZE`, the allocation profile and the
stack-overflow check method of every variant, turns on the hooks it catches failures with, and
sets what the board needs (clock, the port's handler names). It does so with a generated
`FreeRTOSConfig.h` that includes the user's own first and then redefines the owned keys, so the
user's file is never edited. Where the user's file sets an owned key to another value, the
harness says so, by key and line, and says which value wins: always the harness's, because the
variant is what the build is for.

The user's values are read by the compiler's own preprocessor (`-dM`), so macros built from
other macros, casts and suffixes are understood as the compiler sees them.
"""

from __future__ import annotations

import ast
import operator
import re
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.errors import UsageError
from harness.variant import Variant

_DEFINE = re.compile(r"^#define\s+([A-Za-z_][A-Za-z0-9_]*)(\([^)]*\))?\s*(.*)$")
_CAST = re.compile(r"\(\s*(?:const\s+)?(?:unsigned\s+|signed\s+)?(?:size_t|u?int(?:8|16|32|64)_t|TickType_t|"
                   r"UBaseType_t|BaseType_t|StackType_t|configSTACK_DEPTH_TYPE|char|short|int|long(?:\s+long)?|"
                   r"unsigned)\s*\)")
_SUFFIX = re.compile(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]+\b")
_ARMV7M_HANDLERS = (("vPortSVCHandler", "SVC_Handler"), ("xPortPendSVHandler", "PendSV_Handler"),
                    ("xPortSysTickHandler", "SysTick_Handler"))


class ConfigConflictError(UsageError):
    """The project file itself sets a key the harness owns: there is no right answer to pick."""


@dataclass(frozen=True)
class OwnedKey:
    key: str
    value: str  # the C text the generated config defines
    number: int | None  # its value, to compare with the user's; None for a name
    why: str


@dataclass(frozen=True)
class UserValue:
    text: str  # as the preprocessor left the definition
    number: int | None  # evaluated, where it is an integer expression
    where: str  # "FreeRTOSConfig.h:42", or the file alone when the line is in a header it includes


@dataclass(frozen=True)
class ConfigNote:
    """One owned key the user's FreeRTOSConfig.h sets otherwise; the harness's value wins."""

    key: str
    user: UserValue
    harness: OwnedKey

    def __str__(self) -> str:
        theirs = self.user.text if self.user.number is None or str(self.user.number) == self.user.text \
            else f"{self.user.text} (= {self.user.number})"
        ours = self.harness
        return f"{self.key}: {self.user.where} sets {theirs}; memharness's {ours.value} wins ({ours.why})"


def owned_keys(variant: Variant, user: Mapping[str, UserValue]) -> list[OwnedKey]:
    """The keys the generated config redefines for `variant`, each with the reason it is owned."""
    board = variant.board
    keys = [
        OwnedKey("configTOTAL_HEAP_SIZE", "( ( size_t ) ( MH_TOTAL_HEAP_SIZE ) )", variant.heap_size,
                 f"the variant's heap size, {variant.heap_size} bytes"),
        OwnedKey("configSUPPORT_DYNAMIC_ALLOCATION", str(int(variant.supports_dynamic)), int(variant.supports_dynamic),
                 f"the {variant.profile} profile"),
        OwnedKey("configCHECK_FOR_STACK_OVERFLOW", str(variant.overflow_check), variant.overflow_check,
                 "build.overflow_check in the project file, 2 unless it says otherwise"),
        OwnedKey("configAPPLICATION_ALLOCATED_HEAP", "1", 1,
                 "the harness supplies an 8-aligned ucHeap, so every build's figures are the same"),
        OwnedKey("configSTACK_ALLOCATION_FROM_SEPARATE_HEAP", "0", 0,
                 "stacks come from the heap scheme under test"),
        OwnedKey("configRECORD_STACK_HIGH_ADDRESS", "1", 1,
                 "the outside reader takes every stack's size from pxEndOfStack, on every scheme"),
        OwnedKey("INCLUDE_uxTaskGetStackHighWaterMark", "1", 1,
                 "every stack is filled with 0xa5, which the outside reader counts for high-water marks"),
        OwnedKey("configCPU_CLOCK_HZ", f"( {board.clock_hz}UL )", board.clock_hz, f"{board.name}'s clock"),
        OwnedKey("configUSE_IDLE_HOOK", "1", 1,
                 "the idle task sleeps (WFI) so idle time costs no emulation; the app's own idle hook runs first"),
        OwnedKey("INCLUDE_xTaskGetSchedulerState", "1", 1, "the fault handler names the running task"),
    ]
    if variant.supports_dynamic:
        keys.append(OwnedKey("configUSE_MALLOC_FAILED_HOOK", "1", 1,
                             "allocation failures are counted by the malloc-failed hook"))
    if variant.supports_static:
        keys.append(OwnedKey("configSUPPORT_STATIC_ALLOCATION", "1", 1, f"the {variant.profile} profile"))
        if _number(user, "configSUPPORT_STATIC_ALLOCATION") != 1:
            keys.append(OwnedKey("configKERNEL_PROVIDED_STATIC_MEMORY", "1", 1,
                                 "the app supplies no idle/timer task memory: its own config has static "
                                 "allocation off"))
    if board.port in ("ARM_CM3", "ARM_CM4F", "ARM_CM7"):
        keys += [OwnedKey(name, value, None, "the name the harness's vector table gives the port's handler")
                 for name, value in _ARMV7M_HANDLERS]
    elif board.port == "ARM_CM33_NTZ":
        keys += [
            OwnedKey("configENABLE_FPU", str(int(board.has_fpu)), int(board.has_fpu), f"{board.name}'s FPU"),
            OwnedKey("configENABLE_MPU", "0", 0, "the secure-only port runs without the MPU"),
            OwnedKey("configENABLE_TRUSTZONE", "0", 0, f"{board.name} runs secure-only"),
            OwnedKey("configRUN_FREERTOS_SECURE_ONLY", "1", 1, f"{board.name} runs secure-only"),
            OwnedKey("configENABLE_MVE", "0", 0, "no M-profile vector extension"),
        ]
    return keys


def _number(user: Mapping[str, UserValue], key: str) -> int | None:
    value = user.get(key)
    return value.number if value is not None else None


def notes(keys: Sequence[OwnedKey], user: Mapping[str, UserValue]) -> list[ConfigNote]:
    """The owned keys the user's config sets to something else (an equal value is no news)."""
    out = []
    for owned in keys:
        theirs = user.get(owned.key)
        if theirs is None:
            continue
        same = theirs.number == owned.number if owned.number is not None else theirs.text == owned.value
        if not same:
            out.append(ConfigNote(owned.key, theirs, owned))
    return out


def check_project_defines(defines: Mapping[str, object], keys: Sequence[OwnedKey], project_file: Path) -> None:
    """A `-D` for an owned key in the project file contradicts the build it asks for: refuse it."""
    for owned in keys:
        if owned.key in defines:
            raise ConfigConflictError(
                f"{project_file}: 'app.defines.{owned.key}': memharness owns {owned.key} ({owned.why}) "
                "and the project file cannot set it",
                "drop it from app.defines; set heap sizes, schemes and the overflow check under [build]",
            )


def generated_config(user_config: Path, keys: Sequence[OwnedKey], assert_defined: bool, tick_points: bool) -> str:
    """The FreeRTOSConfig.h every file of the app build sees: the user's, then the owned keys."""
    lines = [
        "/* Generated by memharness: the app's own FreeRTOSConfig.h, then the keys memharness owns. */",
        "#ifndef MH_APP_FREERTOS_CONFIG_H",
        "#define MH_APP_FREERTOS_CONFIG_H",
        f'#include "{user_config}"',
        "#ifndef MH_TOTAL_HEAP_SIZE",
        "    #define MH_TOTAL_HEAP_SIZE 0 /* the kernel's objects never use it */",
        "#endif",
    ]
    for owned in keys:
        lines += [f"#undef {owned.key}", f"#define {owned.key} {owned.value}"]
    if not assert_defined:
        lines += [
            "/* The app defines no configASSERT: memharness's reports the file and line, then resets. */",
            "#ifndef __ASSEMBLER__",
            "    void vMhAssertFailed( const char * pcFile, unsigned long ulLine );",
            "#endif",
            "#define configASSERT( x ) do { if( ( x ) == 0 ) { vMhAssertFailed( __FILE__, __LINE__ ); } } while( 0 )",
        ]
    if tick_points:
        lines += [
            "/* The outside reader's tick points (firmware/app/app_ticks.c). */",
            "#ifndef __ASSEMBLER__",
            "    void vMhTickTrace( unsigned long ulTickCount, unsigned long ulSchedulerSuspended );",
            "#endif",
            "#define traceTASK_INCREMENT_TICK( xCount ) \\",
            "    vMhTickTrace( ( unsigned long ) ( xCount ), ( unsigned long ) uxSchedulerSuspended )",
        ]
    lines += ["#endif", ""]
    return "\n".join(lines)


def read_user_config(gcc: str, config: Path, flags: Sequence[str], where_name: str) -> dict[str, UserValue]:
    """Every object-like macro the user's FreeRTOSConfig.h defines, as the preprocessor sees it.

    `flags` are the app's CPU flags, include folders and defines, so a config that includes the
    app's own headers reads as it will compile. A config the preprocessor refuses is the user's
    mistake, quoted.
    """
    with tempfile.TemporaryDirectory(prefix="memharness-config-") as tmp:
        probe = Path(tmp) / "probe.c"
        probe.write_text(f'#include "{config}"\n', encoding="utf-8")
        baseline = subprocess.run([gcc, *flags, "-E", "-dM", "-x", "c", "/dev/null"],
                                  capture_output=True, text=True, check=False)
        proc = subprocess.run([gcc, *flags, "-E", "-dM", str(probe)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise UsageError(f"the app's {where_name} does not preprocess:\n{proc.stderr.strip()}",
                         "correct the config (it is included first by every file of the build)")
    builtin = set(_definitions(baseline.stdout))
    table = {k: v for k, v in _definitions(proc.stdout).items() if k not in builtin}
    text = config.read_text(encoding="utf-8", errors="replace")
    out = {}
    for name, value in table.items():
        out[name] = UserValue(value, evaluate(value, table), _line_of(name, text, where_name))
    return out


def _definitions(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        match = _DEFINE.match(line)
        if match and match.group(2) is None:  # object-like macros only
            found[match.group(1)] = match.group(3).strip()
    return found


def _line_of(name: str, text: str, where_name: str) -> str:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"\s*#\s*define\s+{name}\b", line):
            return f"{where_name}:{number}"
    return f"{where_name} (through a header it includes)"


_OPERATORS: dict[type, Callable[..., int]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.FloorDiv: operator.floordiv,
    ast.LShift: operator.lshift, ast.RShift: operator.rshift, ast.BitOr: operator.or_, ast.BitAnd: operator.and_,
    ast.BitXor: operator.xor, ast.Mod: operator.mod, ast.USub: operator.neg, ast.UAdd: operator.pos,
    ast.Invert: operator.invert,
}


def evaluate(text: str, table: Mapping[str, str], depth: int = 0) -> int | None:
    """An integer macro body's value (casts, suffixes and other macros allowed), else None."""
    if depth > 16:
        return None
    expr = _SUFFIX.sub(r"\1", _CAST.sub(" ", text)).replace("/", "//")

    def name(match: re.Match[str]) -> str:
        body = table.get(match.group(0))
        value = evaluate(body, table, depth + 1) if body is not None else None
        return f"({value})" if value is not None else match.group(0)

    expr = re.sub(r"\b[A-Za-z_][A-Za-z0-9_]*\b", name, expr)
    try:
        tree = ast.parse(expr.strip() or "x", mode="eval")
    except SyntaxError:
        return None
    return _reduce(tree.body)


def _reduce(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _reduce(node.left), _reduce(node.right)
        if left is None or right is None:
            return None
        try:
            return int(_OPERATORS[type(node.op)](left, right))
        except (ZeroDivisionError, ValueError, OverflowError):
            return None
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
        value = _reduce(node.operand)
        return None if value is None else int(_OPERATORS[type(node.op)](value))
    return None


def user_heap_size(user: Mapping[str, UserValue]) -> int | None:
    """The app's own configTOTAL_HEAP_SIZE: the default heap size when the project file gives none."""
    return _number(user, "configTOTAL_HEAP_SIZE")

