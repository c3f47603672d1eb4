"""Entry points and the module passes that make a QIR module a program or a library.

* :func:`add_main` adds ``main(argc, argv)``: it calls the argc/argv initialize, binds
  the entry point's ``double`` parameters from the command line (with a usage message on
  bad arguments) plus ``--shots N --seed S``, calls the entry point once per shot with
  its output recorded, calls finalize and returns the last shot's status. The entry
  point itself is untouched, so the module without ``main`` still runs in qir-runner.
* :func:`add_hooks` wraps every quantum function of a library module (no entry point)
  in the runtime's function-level begin and end hooks, for host programs.
* :func:`add_shot_wrapper` adds ``__hpcq_shot(ptr params)`` for in-process runs.
* :func:`bound_loops` counts every loop iteration with the runtime, which stops a shot
  past its limit: a loop that never ends becomes an error instead of a hang.

The passes work on the canonical text LLVM prints for the module, and every result is
parsed and verified again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hpcq.exceptions import QirError
from hpcq.qir.reader import ENTRY_ATTRIBUTES

SHOT_WRAPPER = "__hpcq_shot"
#: What an entry point named ``main`` is renamed to, so that hpcq's ``main`` can call it.
RENAMED_MAIN = "__hpcq_entry.main"
_ATTRIBUTE = re.compile(r'"([^"]+)"(?:="([^"]*)")?')
_LABEL = re.compile(r'^[\w.$"-]+:(\s*;.*)?$')
LOOP_STEP = "__hpcq__rt__loop_step"


@dataclass(frozen=True)
class EntryPoint:
    """The entry point of a module.

    Attributes:
        name: The function's name.
        parameters: Its parameter names (``double`` each), in order.
        attributes: Its string attributes, in the order LLVM prints them.
        returns: Its return type, ``i64`` (the status) or ``void`` (status 0).
    """

    name: str
    parameters: tuple[str, ...]
    attributes: tuple[tuple[str, str | None], ...]
    returns: str = "i64"

    def call(self, arguments: str, result: str) -> tuple[str, str]:
        """``(instruction, status)``: the call of the entry point with ``arguments``
        and the ``i64`` value of its status (``result`` names the call's value)."""
        if self.returns == "void":
            return f"call void @{self.name}({arguments})", "0"
        return f"%{result} = call i64 @{self.name}({arguments})", f"%{result}"

    def metadata(self) -> str:
        """The ``METADATA`` lines qir-runner prints for it, without the prefix."""
        return "\n".join(k if v is None else f"{k}\t{v}" for k, v in self.attributes)


@dataclass(frozen=True)
class ModuleInfo:
    """What the passes need to know about a module."""

    text: str
    entry_points: tuple[EntryPoint, ...]
    defined: tuple[str, ...]
    declared: frozenset[str]

    @property
    def has_main(self) -> bool:
        return "main" in self.defined

    @property
    def entry_point(self) -> EntryPoint | None:
        if len(self.entry_points) > 1:
            names = ", ".join(e.name for e in self.entry_points)
            raise QirError(f"the module has {len(self.entry_points)} entry points ({names})")
        return self.entry_points[0] if self.entry_points else None


def inspect(text: str, where: str = "<module>") -> ModuleInfo:
    """Parse ``text`` and find its entry points and functions."""
    from hpcq.qir.llvm import parse

    module = parse(text, where)
    entries = []
    defined = []
    declared = set()
    for function in module.functions:
        if function.is_declaration:
            declared.add(function.name)
            continue
        defined.append(function.name)
        attrs: list[tuple[str, str | None]] = []
        for group in function.attributes:
            group_text = group.decode() if isinstance(group, bytes) else str(group)
            attrs += [(m.group(1), m.group(2)) for m in _ATTRIBUTE.finditer(group_text)]
        if any(key in ENTRY_ATTRIBUTES for key, _ in attrs):
            returns = str(function.global_value_type).split(" ", 1)[0]
            if returns not in ("i64", "void"):
                raise QirError(
                    f"{where}: entry point @{function.name} returns {returns}; "
                    "hpcq runs entry points returning i64 or void"
                )
            args = list(function.arguments)
            bad = [str(a.type) for a in args if str(a.type) != "double"]
            if bad:
                raise QirError(
                    f"entry point @{function.name} has parameters of type {', '.join(bad)}; "
                    "hpcq binds double parameters only"
                )
            names = tuple(a.name or f"arg{i}" for i, a in enumerate(args))
            entries.append(EntryPoint(function.name, names, tuple(sorted(attrs)), returns))
    return ModuleInfo(str(module), tuple(entries), tuple(defined), frozenset(declared))


def _string(name: str, text: str) -> str:
    raw = text.encode() + b"\0"
    body = "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else f"\\{b:02X}" for b in raw)
    return f'@{name} = private unnamed_addr constant [{len(raw)} x i8] c"{body}"'


def _declarations(info: ModuleInfo, wanted: dict[str, str]) -> list[str]:
    return [text for name, text in wanted.items() if name not in info.declared]


def rename_main(text: str, where: str = "<module>") -> str:
    """``text`` with an entry point named ``main`` renamed to :data:`RENAMED_MAIN`.

    pytket-qir names its entry point ``main``; the workstream on entry points has a
    module pass rename such a custom entry point and wrap it in the runtime's ``main``
    (:func:`add_main`), which initializes the runtime and runs the shots. Other
    modules come back as they are.
    """
    from hpcq.qir.llvm import parse

    info = inspect(text, where)
    if not any(e.name == "main" for e in info.entry_points):
        return text
    if RENAMED_MAIN in info.defined or RENAMED_MAIN in info.declared:
        raise QirError(f"{where}: the module already has a function named {RENAMED_MAIN}")
    module = parse(info.text, where)
    module.get_function("main").name = RENAMED_MAIN
    return str(module)


def add_main(text: str, where: str = "<module>") -> str:
    """``text`` with a ``main(argc, argv)`` that runs its entry point (see the module doc).

    Raises:
        QirError: The module has no entry point, several, or already a ``main``.
    """
    from hpcq.qir.llvm import parse

    info = inspect(text, where)
    entry = info.entry_point
    if entry is None:
        raise QirError(f"{where}: no entry point to call from main (a library module?)")
    if info.has_main:
        raise QirError(f"{where}: the module already defines main")
    count = len(entry.parameters)
    lines = [
        "",
        "; --- added by hpcq: main(argc, argv) runs the entry point once per shot ---",
        _string("__hpcq.metadata", entry.metadata()),
    ]
    for i, name in enumerate(entry.parameters):
        lines.append(_string(f"__hpcq.param.{i}", name.removeprefix("arg.")))
    if count:
        items = ", ".join(f"ptr @__hpcq.param.{i}" for i in range(count))
        lines.append(f"@__hpcq.params = private constant [{count} x ptr] [{items}]")
    names = "ptr @__hpcq.params" if count else "ptr null"
    lines += [
        "",
        "define i32 @main(i32 %argc, ptr %argv) {",
        "entry:",
        f"  %values = alloca [{max(count, 1)} x double]",
        "  call void @__quantum__rt__initialize_args(i32 %argc, ptr %argv)",
        f"  call void @__hpcq__rt__bind_params(i32 {count}, {names}, ptr %values)",
    ]
    for i in range(count):
        lines.append(
            f"  %p{i}.ptr = getelementptr [{count} x double], ptr %values, i64 0, i64 {i}"
        )
        lines.append(f"  %p{i} = load double, ptr %p{i}.ptr")
    args = ", ".join(f"double %p{i}" for i in range(count))
    call, status = entry.call(args, "result")
    lines += [
        "  %shots = call i64 @__hpcq__rt__shots()",
        "  br label %loop",
        "loop:",
        "  %i = phi i64 [ 0, %entry ], [ %next, %shot ]",
        f"  %status = phi i64 [ 0, %entry ], [ {status}, %shot ]",
        "  %more = icmp slt i64 %i, %shots",
        "  br i1 %more, label %shot, label %done",
        "shot:",
        "  call void @__hpcq__rt__shot_begin(ptr @__hpcq.metadata)",
        f"  {call}",
        f"  call void @__hpcq__rt__shot_end(i64 {status})",
        "  %next = add i64 %i, 1",
        "  br label %loop",
        "done:",
        "  call void @__quantum__rt__finalize()",
        "  %code = trunc i64 %status to i32",
        "  ret i32 %code",
        "}",
        "",
    ]
    lines += _declarations(
        info,
        {
            "__quantum__rt__initialize_args": (
                "declare void @__quantum__rt__initialize_args(i32, ptr)"
            ),
            "__hpcq__rt__bind_params": "declare void @__hpcq__rt__bind_params(i32, ptr, ptr)",
            "__hpcq__rt__shots": "declare i64 @__hpcq__rt__shots()",
            "__hpcq__rt__shot_begin": "declare void @__hpcq__rt__shot_begin(ptr)",
            "__hpcq__rt__shot_end": "declare void @__hpcq__rt__shot_end(i64)",
            "__quantum__rt__finalize": "declare void @__quantum__rt__finalize()",
        },
    )
    result = info.text + "\n".join(lines) + "\n"
    parse(result, where)
    return result


def add_shot_wrapper(text: str, where: str = "<module>") -> tuple[str, EntryPoint]:
    """``text`` with ``i64 __hpcq_shot(ptr params)`` calling the entry point once."""
    from hpcq.qir.llvm import parse

    info = inspect(text, where)
    entry = info.entry_point
    if entry is None:
        raise QirError(f"{where}: no entry point to run (a library module?)")
    count = len(entry.parameters)
    lines = ["", f"define i64 @{SHOT_WRAPPER}(ptr %params) {{", "entry:"]
    for i in range(count):
        lines.append(f"  %p{i}.ptr = getelementptr double, ptr %params, i64 {i}")
        lines.append(f"  %p{i} = load double, ptr %p{i}.ptr")
    args = ", ".join(f"double %p{i}" for i in range(count))
    call, status = entry.call(args, "status")
    lines += [f"  {call}", f"  ret i64 {status}", "}", ""]
    result = info.text + "\n".join(lines)
    parse(result, where)
    return result, entry


def add_hooks(text: str, where: str = "<module>") -> str:
    """A library module with every defined function wrapped in the begin/end hooks.

    The begin hook is the first instruction of the function and the end hook runs
    before every ``ret``; both receive the function's name.

    Raises:
        QirError: The module has an entry point or a ``main`` (it is a program).
    """
    from hpcq.qir.llvm import parse

    info = inspect(text, where)
    if info.entry_points or info.has_main:
        raise QirError(f"{where}: hooks are for library modules (no entry point, no main)")
    if any(name in info.declared for name in ("__quantum__rt__begin_function",)):
        raise QirError(f"{where}: the module already calls the function-level hooks")
    out: list[str] = []
    strings: list[str] = []
    current: str | None = None
    pending_begin = False
    define = re.compile(r"^define [^@]*@([\w.$\"]+)\(")
    for line in info.text.splitlines():
        match = define.match(line)
        if match:
            current = match.group(1).strip('"')
            index = len(strings)
            strings.append(_string(f"__hpcq.function.{index}", current))
            label = f"@__hpcq.function.{index}"
            out.append(line)
            pending_begin = True
            continue
        if current is not None:
            stripped = line.strip()
            is_label = _LABEL.match(stripped) is not None
            if pending_begin and stripped and not is_label and not stripped.startswith(";"):
                out.append(f"  call void @__quantum__rt__begin_function(ptr {label})")
                pending_begin = False
            if stripped.startswith("ret "):
                out.append(f"  call void @__quantum__rt__end_function(ptr {label})")
            if stripped == "}":
                current = None
        out.append(line)
    out += ["", *strings, ""]
    out += [
        "declare void @__quantum__rt__begin_function(ptr)",
        "declare void @__quantum__rt__end_function(ptr)",
        "",
    ]
    result = "\n".join(out)
    parse(result, where)
    return result


def bound_loops(text: str, where: str = "<module>") -> str:
    """``text`` with a call to the runtime's loop counter at the head of every loop.

    The head is the target of a back edge (see :func:`hpcq.qir.validate.back_edges`);
    the call goes after the block's ``phi`` instructions. A module without loops comes
    back as it is.
    """
    from hpcq.qir.llvm import parse
    from hpcq.qir.validate import back_edges

    module = parse(text, where)
    heads: dict[str, set[int]] = {}
    declared = False
    for function in module.functions:
        if function.is_declaration:
            declared = declared or function.name == LOOP_STEP
            continue
        found = {target for _, target in back_edges(function)}
        if found:
            heads[function.name] = found
    canonical = str(module)
    if not heads:
        return canonical
    define = re.compile(r'^define [^@]*@("(?:[^"\\]|\\.)*"|[\w.$-]+)\(')
    out: list[str] = []
    targets: set[int] = set()
    block = -1  # index of the block being copied, in the function `targets` belongs to
    waiting = False  # inside a loop head, before its first instruction that is not a phi
    inserted = 0
    for line in canonical.splitlines():
        match = define.match(line)
        if match:
            targets = heads.get(match.group(1).strip('"'), set())
            block = 0
            started = False
            out.append(line)
            continue
        if targets and block >= 0:
            stripped = line.strip()
            if line == "}":
                block = -1
            elif _LABEL.match(stripped) and not line.startswith(" "):
                if started:
                    block += 1
                started = True
                waiting = block in targets
                out.append(line)
                continue
            elif stripped and not stripped.startswith(";"):
                started = True
                if waiting and " = phi " not in f" {stripped}":
                    out.append(f"  call void @{LOOP_STEP}()")
                    inserted += 1
                    waiting = False
        out.append(line)
    if inserted != sum(len(t) for t in heads.values()):
        raise QirError(f"{where}: cannot find the loop heads in the module's text")
    if not declared:
        out += ["", f"declare void @{LOOP_STEP}()"]
    result = "\n".join(out) + "\n"
    parse(result, where)
    return result
