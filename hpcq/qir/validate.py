"""The QIR profile validator behind ``hpcq qir check``.

LLVM (through llvmlite) parses and verifies the module; then the profile rules of the
QIR specification are checked, each reported as a :class:`Violation` naming the rule,
the function and the instruction:

``entry-point``       exactly one function carries the ``"entry_point"`` attribute (or
                      full QIR's older ``"EntryPoint"``; none is allowed for a library
                      when extensions are allowed).
``entry-attributes``  ``qir_profiles``, ``output_labeling_schema``,
                      ``required_num_qubits`` and ``required_num_results`` present and
                      well formed; the entry point returns ``i64`` (``void`` is a
                      warning: producers such as pytket-qir emit it and runners take it
                      as status 0) and takes no parameters (``double`` parameters with
                      extensions). A profile other than base or adaptive (pytket-qir's
                      ``custom``) is a warning, and the adaptive rules apply.
``module-flags``      ``qir_major_version``, ``qir_minor_version``,
                      ``dynamic_qubit_management`` and ``dynamic_result_management``
                      present (the dynamic ones false).
``declaration``       every declared function is known (``unknown function NAME``:
                      no runtime provides it), with its known signature, allowed in
                      the profile (a declaration the module never calls: a warning);
                      measurements ``"irreversible"`` (a ``writeonly`` result: a
                      warning when missing).
``instruction``       only the instructions the profile allows (base: call, br, ret;
                      adaptive: integer computations too, and floating-point ones when
                      the module flag ``float_computations`` is present).
``call``              calls match the known signature.
``qubit-id``          qubit arguments are constants below ``required_num_qubits``.
``result-id``         result arguments are constants below ``required_num_results``.
``block-structure``   base profile: straight-line blocks (unconditional branches), in
                      the order initialize, gates, measurements, output, ``ret i64 0``.
``initialize``        the entry point calls ``__quantum__rt__initialize`` first; a
                      warning when it never does (hpcq's ``main`` initializes the
                      runtime, so the module still runs).
``defined-function``  no function is defined besides the entry point (and ``main``,
                      the hooks' callers, with extensions).

The safety rules hold for every defined function, whatever the profile: they name what
hpcq's runtime cannot run without crashing or hanging, and ``build`` and ``run`` apply
them (:func:`require_safe`) before anything is compiled:

``indirect-call``     every call names a function (no ``call ptr %f``, no
                      ``call inttoptr (i64 4096 to ptr)``).
``recursion``         no function calls itself, directly or through others.
``output-label``      a label is ``ptr null`` or a global string constant (an ``i8``
                      array holding a NUL).
``back-edge``         no branch back to an earlier block (a loop) unless the module
                      flag ``backwards_branching`` (adaptive profile) is set; with it,
                      built programs stop a shot past ``--max-loop-iterations``.
                      The loop of the ``main`` hpcq adds counts as declared with
                      extensions.
``angle``             no NaN, infinite or undefined constant angle.
"""

from __future__ import annotations

import ctypes
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hpcq.exceptions import QirError
from hpcq.qir.reader import ENTRY_ATTRIBUTES, to_opaque
from hpcq.qir.signatures import KNOWN, is_output

if TYPE_CHECKING:
    from llvmlite.binding import ModuleRef, ValueRef

_ATTRIBUTE = re.compile(r'"([^"]+)"(?:="([^"]*)")?')
_FLAG = re.compile(r'^!(\d+) = !\{i32 (\d+), !"([^"]+)", (i\d+) (-?\w+)\}', re.MULTILINE)
_FLAGS = re.compile(r"^!llvm\.module\.flags = !\{([^}]*)\}", re.MULTILINE)
_ID = re.compile(r"^ptr (?:null|inttoptr \(i64 (\d+) to ptr\))$")

_BASE_OPS = frozenset({"call", "br", "ret"})
_ADAPTIVE_OPS = _BASE_OPS | {
    "phi", "select", "icmp", "add", "sub", "mul", "and", "or", "xor", "shl", "lshr",
    "ashr", "zext", "sext", "trunc",
}  # fmt: skip
_FLOAT_OPS = frozenset(
    {"fadd", "fsub", "fmul", "fdiv", "fneg", "fcmp", "sitofp", "uitofp", "fptosi", "fptoui"}
)
_PROFILES = {"base_profile": "base", "adaptive_profile": "adaptive"}
_PHASES = ("initialize", "gates", "measurements", "output")
_CALLS = frozenset({"call", "invoke", "callbr"})
_STRING = re.compile(
    r'^@[^=]+= (?:[\w() ]+ )?constant \[(\d+) x i8\] (?:c"((?:[^"\\]|\\[0-9A-Fa-f]{2})*)"'
    r"|zeroinitializer)"
)
_ESCAPE = re.compile(r"\\([0-9A-Fa-f]{2})")

#: The rules :func:`require_safe` applies before ``build`` and ``run`` compile anything.
SAFETY_RULES = ("indirect-call", "recursion", "output-label", "back-edge", "angle")


@dataclass(frozen=True)
class Violation:
    """One broken rule.

    Attributes:
        rule: The rule's name (see the module docstring).
        function: The function where it happens, or ``""`` for the module.
        message: What is wrong.
        instruction: The offending instruction's text, or ``""``.
        warning: Worth saying, but the module runs (``hpcq qir check`` exits 0 when
            every violation is a warning).
    """

    rule: str
    function: str
    message: str
    instruction: str = ""
    warning: bool = False

    def __str__(self) -> str:
        where = f"@{self.function}: " if self.function else ""
        text = f"{'warning: ' if self.warning else ''}{self.rule}: {where}{self.message}"
        return f"{text}\n    {self.instruction}" if self.instruction else text


def check(text: str, *, extensions: bool = False, where: str = "<module>") -> list[Violation]:
    """The profile violations of a QIR module (empty when it is valid).

    Typed-pointer modules (QIR 1) are checked as their QIR 2 conversion
    (:func:`hpcq.qir.reader.to_opaque`). Violations marked ``warning`` do not stop the
    module from running.

    Args:
        text: The module as LLVM IR text (QIR 1 or 2).
        extensions: Allow hpcq's extensions (``main``, finalize, the argc/argv
            initialize, hooks, ``double`` parameters, no entry point for a library).
        where: A name for the module in messages.

    Raises:
        QirError: The text is not valid LLVM IR at all.
    """
    from hpcq.qir.llvm import parse

    module = parse(to_opaque(text), where)
    canonical = str(module)
    return _Checker(module, canonical, extensions).run() + _safety(module, canonical, extensions)


def safety(text: str, *, extensions: bool = True, where: str = "<module>") -> list[Violation]:
    """The violations of the safety rules only (:data:`SAFETY_RULES`), for any module.

    Raises:
        QirError: The text is not valid LLVM IR.
    """
    from hpcq.qir.llvm import parse

    module = parse(to_opaque(text), where)
    return _safety(module, str(module), extensions)


def require_safe(text: str, *, extensions: bool = True, where: str = "<module>") -> None:
    """Refuse a module the runtime cannot run safely, before it is compiled.

    Raises:
        QirError: It breaks a safety rule; the message lists each violation by rule.
    """
    violations = safety(text, extensions=extensions, where=where)
    if violations:
        listed = "\n".join(f"  {v}" for v in violations)
        raise QirError(
            f"{where}: refused: {len(violations)} violation(s) of the rules that keep the "
            f"runtime safe (see hpcq qir check):\n{listed}"
        )


# C math functions a program may call directly: it links the runtime with -lm
_LIBM = frozenset(
    f"{name}{suffix}"
    for name in (
        "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh",
        "exp", "exp2", "log", "log2", "log10", "pow", "sqrt", "fabs", "floor", "ceil",
        "round", "fmod", "hypot",
    )
    for suffix in ("", "f")
)  # fmt: skip


def unknown_functions(text: str, *, program: bool = True, where: str = "<module>") -> list[str]:
    """The functions ``text`` declares that hpcq's runtime does not provide, in order.

    LLVM's intrinsics (``llvm.*``) count as provided, and so do C math functions. A
    library (``program=False``) may leave other functions to its host program, but not
    QIR's or hpcq's (``__quantum__*``, ``__hpcq__*``): only the runtime defines those.

    Raises:
        QirError: The text is not valid LLVM IR.
    """
    from hpcq.qir.llvm import parse

    module = parse(to_opaque(text), where)
    missing = []
    for function in module.functions:
        name = function.name
        if not function.is_declaration or name in KNOWN or name.startswith("llvm."):
            continue
        if name in _LIBM and program:
            continue
        if program or name.startswith(("__quantum__", "__hpcq__")):
            missing.append(name)
    return missing


def require_runtime_functions(text: str, *, program: bool = True, where: str = "<module>") -> None:
    """Refuse a module calling what the runtime lacks, before anything is linked.

    Raises:
        QirError: Naming every such function (``unknown function NAME``).
    """
    missing = unknown_functions(text, program=program, where=where)
    if missing:
        listed = "\n".join(f"  unknown function {name}" for name in missing)
        raise QirError(
            f"{where}: refused: {len(missing)} function(s) that hpcq's runtime does not "
            f"provide (see hpcq qir check):\n{listed}"
        )


def back_edges(function: ValueRef) -> list[tuple[int, int]]:
    """``(source, target)`` block indices of the branches back to a block on the path
    from the entry (found depth first): every loop has at least one."""
    blocks = list(function.blocks)
    index = {_address(block): i for i, block in enumerate(blocks)}
    successors = []
    for block in blocks:
        instructions = list(block.instructions)
        targets = []
        if instructions:
            for operand in instructions[-1].operands:
                if str(operand.type) == "label" and _address(operand) in index:
                    targets.append(index[_address(operand)])
        successors.append(targets)
    found: list[tuple[int, int]] = []
    if not blocks:
        return found
    state = [0] * len(blocks)  # 0 unseen, 1 on the path, 2 done
    state[0] = 1
    stack = [(0, iter(successors[0]))]
    while stack:  # iterative: a long chain of blocks must not overflow Python's stack
        node, pending = stack[-1]
        for target in pending:
            if state[target] == 1:
                found.append((node, target))
            elif state[target] == 0:
                state[target] = 1
                stack.append((target, iter(successors[target])))
                break
        else:
            state[node] = 2
            stack.pop()
    return found


def loops_declared(text: str) -> bool:
    """Whether the module flag ``backwards_branching`` is set (non-zero)."""
    flag = _module_flags(text).get("backwards_branching")
    return flag is not None and flag[2] not in ("0", "false")


def _module_flags(text: str) -> dict[str, tuple[int, str, str]]:
    """Module flag name -> (behaviour, type, value) of the flags with a scalar value."""
    listed = _FLAGS.search(text)
    flags: dict[str, tuple[int, str, str]] = {}
    if listed:
        ids = {part.strip().lstrip("!") for part in listed.group(1).split(",")}
        for match in _FLAG.finditer(text):
            if match.group(1) in ids:
                flags[match.group(3)] = (int(match.group(2)), match.group(4), match.group(5))
    return flags


def _address(value: ValueRef) -> int | None:
    # llvmlite hands out a new wrapper per access; the LLVM object's address is stable
    return ctypes.cast(value._ptr, ctypes.c_void_p).value


def _safety(module: ModuleRef, text: str, extensions: bool) -> list[Violation]:
    found: list[Violation] = []
    defined = [f for f in module.functions if not f.is_declaration]
    names = {f.name for f in defined}
    calls: dict[str, list[str]] = {}
    declared = loops_declared(text)
    # by iteration: llvmlite's lookup by name skips internal globals, as labels often are
    strings = {g.name: str(g).strip() for g in module.global_variables}
    for function in defined:
        callees: list[str] = []
        for block in function.blocks:
            for inst in block.instructions:
                if inst.opcode not in _CALLS:
                    continue
                operands = list(inst.operands)
                callee = operands[-1]
                if callee.value_kind.name != "function":
                    found.append(
                        Violation(
                            "indirect-call",
                            function.name,
                            f"the callee {str(callee).strip()!r} is not a function: "
                            "calls must name the function they call",
                            str(inst).strip(),
                        )
                    )
                    continue
                if callee.name in names and callee.name not in callees:
                    callees.append(callee.name)
                found += _arguments(strings, function.name, inst, callee.name, operands[:-1])
        calls[function.name] = callees
        if declared or (extensions and function.name == "main"):
            continue
        blocks = list(function.blocks)
        instructions = [list(b.instructions) for b in blocks]
        for source, target in back_edges(function):
            label = blocks[target].name or f"block {target}"
            found.append(
                Violation(
                    "back-edge",
                    function.name,
                    f"a branch back to %{label} makes a loop; loops need the module flag "
                    "backwards_branching (adaptive profile)",
                    str(instructions[source][-1]).strip(),
                )
            )
    found += _recursion(calls)
    return found


def _arguments(
    strings: dict[str, str], function: str, inst: ValueRef, callee: str, operands: list[ValueRef]
) -> list[Violation]:
    found: list[Violation] = []
    known = KNOWN.get(callee)
    if known is not None and len(known.args) == len(operands):
        for kind, operand in zip(known.args, operands, strict=True):
            if kind == "l" and not _is_label(strings, operand):
                found.append(
                    Violation(
                        "output-label",
                        function,
                        f"the label {str(operand).strip()!r} of {callee} must be ptr null or "
                        "a global string constant (an i8 array ending in a NUL)",
                        str(inst).strip(),
                    )
                )
    if callee.startswith("__quantum__qis__"):
        for operand in operands:
            if str(operand.type) != "double":
                continue
            kind = operand.value_kind.name
            if kind == "constant_fp":
                value = operand.get_constant_value()
                if math.isfinite(value):
                    continue
                what = "NaN" if math.isnan(value) else "infinite"
            elif kind in ("undef_value", "poison_value"):
                what = "undefined"
            else:
                continue
            found.append(
                Violation(
                    "angle",
                    function,
                    f"the angle {str(operand).strip()!r} of {callee} is {what}",
                    str(inst).strip(),
                )
            )
    return found


def _is_label(strings: dict[str, str], operand: ValueRef) -> bool:
    kind = operand.value_kind.name
    if kind == "constant_pointer_null":
        return True
    if kind != "global_variable":
        return False
    match = _STRING.match(strings.get(operand.name, ""))
    if match is None:
        return False
    if match.group(2) is None:  # zeroinitializer: the empty string
        return int(match.group(1)) > 0
    body = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), match.group(2))
    return "\0" in body


def _recursion(calls: dict[str, list[str]]) -> list[Violation]:
    """One violation per cycle of the call graph among defined functions."""
    found: list[Violation] = []
    state: dict[str, int] = {}
    for root in calls:
        if state.get(root):
            continue
        path: list[str] = [root]
        state[root] = 1
        stack = [iter(calls[root])]
        while stack:
            for callee in stack[-1]:
                if state.get(callee) == 1:
                    cycle = [*path[path.index(callee) :], callee]
                    found.append(
                        Violation(
                            "recursion",
                            cycle[0],
                            "calls itself ("
                            + " -> ".join(f"@{name}" for name in cycle)
                            + "): the runtime's stack is not bounded",
                        )
                    )
                elif not state.get(callee):
                    state[callee] = 1
                    path.append(callee)
                    stack.append(iter(calls[callee]))
                    break
            else:
                state[path.pop()] = 2
                stack.pop()
    return found


class _Checker:
    def __init__(self, module: ModuleRef, text: str, extensions: bool) -> None:
        self.module = module
        self.text = text
        self.extensions = extensions
        self.violations: list[Violation] = []
        self.profile = "base"
        self.num_qubits: int | None = None
        self.num_results: int | None = None
        self.called: set[str] = set()

    def add(
        self,
        rule: str,
        function: str,
        message: str,
        instruction: object = "",
        *,
        warning: bool = False,
    ) -> None:
        self.violations.append(
            Violation(rule, function, message, str(instruction).strip(), warning)
        )

    def run(self) -> list[Violation]:
        defined = [f for f in self.module.functions if not f.is_declaration]
        entries = [f for f in defined if _is_entry(f)]
        self.called = {
            list(inst.operands)[-1].name
            for f in defined
            for block in f.blocks
            for inst in block.instructions
            if inst.opcode in _CALLS
        }
        has_main = any(f.name == "main" for f in defined)
        if len(entries) > 1:
            names = ", ".join(f"@{f.name}" for f in entries)
            self.add("entry-point", "", f"{len(entries)} entry points ({names}); exactly one")
        elif not entries and not (self.extensions and not has_main):
            self.add(
                "entry-point", "", 'no function has the "entry_point" (or "EntryPoint") attribute'
            )
        for entry in entries[:1]:
            if "__quantum__rt__initialize" not in self.called:
                self.add(
                    "initialize",
                    entry.name,
                    "the module never calls __quantum__rt__initialize (the spec's entry "
                    "point calls it first); hpcq's main initializes the runtime, so it runs",
                    warning=True,
                )
        for entry in entries[:1]:
            self.entry_attributes(entry)
        self.module_flags()
        self.declarations()
        allowed = {f.name for f in entries[:1]}
        for function in defined:
            if function.name in allowed:
                self.body(function)
            elif not self.extensions:
                self.add("defined-function", function.name, "only the entry point may be defined")
        return self.violations

    # --- module level -------------------------------------------------------------

    def entry_attributes(self, entry: ValueRef) -> None:
        attrs = _attributes(entry)
        profile = attrs.get("qir_profiles")
        if profile in _PROFILES:
            self.profile = _PROFILES[profile]
        elif profile:
            # pytket-qir's "custom": the most permissive profile hpcq knows applies
            self.profile = "adaptive"
            self.add(
                "entry-attributes",
                entry.name,
                f'"qir_profiles" is {profile!r}, neither base_profile nor adaptive_profile: '
                "checked as adaptive",
                warning=True,
            )
        else:
            self.add(
                "entry-attributes",
                entry.name,
                f'"qir_profiles" must be base_profile or adaptive_profile, not {profile!r}',
            )
        if "output_labeling_schema" not in attrs:
            self.add("entry-attributes", entry.name, '"output_labeling_schema" is missing')
        for key in ("required_num_qubits", "required_num_results"):
            value = attrs.get(key)
            if value is None or not value.isdigit():
                self.add("entry-attributes", entry.name, f'"{key}" must be a count, not {value!r}')
            elif key == "required_num_qubits":
                self.num_qubits = int(value)
            else:
                self.num_results = int(value)
        ret = str(entry.global_value_type).split(" ", 1)[0]
        if ret == "void":
            self.add(
                "entry-attributes",
                entry.name,
                "the entry point returns void; the spec's returns i64 (runners take void as "
                "status 0)",
                warning=True,
            )
        elif ret != "i64":
            self.add("entry-attributes", entry.name, f"the entry point must return i64, not {ret}")
        args = [str(a.type) for a in entry.arguments]
        if args and not (self.extensions and all(a == "double" for a in args)):
            self.add(
                "entry-attributes",
                entry.name,
                f"the entry point takes no parameters, not ({', '.join(args)})"
                + ("" if self.extensions else "; double parameters are an hpcq extension"),
            )

    def module_flags(self) -> None:
        flags = _module_flags(self.text)
        for key in ("qir_major_version", "qir_minor_version"):
            if key not in flags or flags[key][1] != "i32":
                self.add("module-flags", "", f"module flag {key!r} (i32) is missing")
        major = flags.get("qir_major_version")
        if major is not None and major[2] != "2":
            self.add("module-flags", "", f"qir_major_version is {major[2]}; opaque pointers are 2")
        for key in ("dynamic_qubit_management", "dynamic_result_management"):
            flag = flags.get(key)
            if flag is None or flag[1] != "i1":
                self.add("module-flags", "", f"module flag {key!r} (i1) is missing")
            elif flag[2] != "false":
                self.add("module-flags", "", f"{key} must be false: ids are static")

    def declarations(self) -> None:
        for function in self.module.functions:
            if not function.is_declaration:
                continue
            name = function.name
            known = KNOWN.get(name)
            if known is None:
                self.add(
                    "declaration",
                    name,
                    f"unknown function {name}: hpcq's runtime does not provide it",
                )
                continue
            if "hpcq" in known.profiles and len(known.profiles) == 1 and not self.extensions:
                self.add(
                    "declaration",
                    name,
                    "an hpcq extension: other runners refuse it (check with --extensions)",
                )
            elif self.profile not in known.profiles and not self.extensions:
                unused = name not in self.called
                self.add(
                    "declaration",
                    name,
                    f"not allowed in the {self.profile} profile"
                    + (" (declared, never called)" if unused else ""),
                    warning=unused,
                )
            ret = str(function.global_value_type).split(" ", 1)[0]
            args = [str(a.type) for a in function.arguments]
            if ret != known.ret or args != known.llvm_args():
                expected = f"{known.ret} ({', '.join(known.llvm_args())})"
                self.add(
                    "declaration",
                    name,
                    f"signature {function.global_value_type}; expected {expected}",
                )
            if known.irreversible:
                if "irreversible" not in _attributes(function):
                    self.add("declaration", name, 'a measurement must be declared "irreversible"')
                arguments = list(function.arguments)
                if len(arguments) == 2 and b"writeonly" not in list(arguments[1].attributes):
                    self.add(
                        "declaration",
                        name,
                        "the result argument should be writeonly",
                        warning=True,
                    )

    # --- function bodies ----------------------------------------------------------

    def body(self, function: ValueRef) -> None:
        allowed = _BASE_OPS if self.profile == "base" else _ADAPTIVE_OPS
        # the adaptive profile's optional capability, declared by a module flag
        floats = self.profile == "adaptive" and '!"float_computations"' in self.text
        if self.extensions or floats:
            allowed = allowed | _FLOAT_OPS
        blocks = list(function.blocks)
        phase = 0
        first = True
        for index, block in enumerate(blocks):
            for inst in block.instructions:
                opcode = inst.opcode
                if opcode not in allowed:
                    self.add(
                        "instruction",
                        function.name,
                        f"'{opcode}' is not allowed in the {self.profile} profile",
                        inst,
                    )
                    continue
                if opcode == "call":
                    callee = list(inst.operands)[-1].name
                    self.call(function.name, inst, callee)
                    if (
                        first
                        and callee != "__quantum__rt__initialize"
                        and "__quantum__rt__initialize" in self.called
                    ):
                        self.add(
                            "block-structure",
                            function.name,
                            "the entry point must begin with __quantum__rt__initialize(ptr null)",
                            inst,
                        )
                    if self.profile == "base":
                        phase = self.base_phase(function.name, inst, callee, phase)
                    first = False
                elif opcode == "br" and self.profile == "base":
                    operands = list(inst.operands)
                    if len(operands) != 1 or index + 1 >= len(blocks):
                        self.add(
                            "block-structure",
                            function.name,
                            "base profile blocks are straight-line: one unconditional "
                            "branch to the next block",
                            inst,
                        )
                    elif operands[0].name != blocks[index + 1].name:
                        self.add(
                            "block-structure",
                            function.name,
                            "a branch must go to the next block",
                            inst,
                        )
                elif (
                    opcode == "ret"
                    and self.profile == "base"
                    and str(inst).strip() not in ("ret i64 0", "ret void")
                ):
                    self.add(
                        "block-structure",
                        function.name,
                        "the base profile entry point returns i64 0",
                        inst,
                    )
        if self.profile == "base" and blocks:
            last = list(blocks[-1].instructions)
            if not last or last[-1].opcode != "ret":
                self.add("block-structure", function.name, "the last block must end with ret")

    def base_phase(self, function: str, inst: ValueRef, callee: str, phase: int) -> int:
        known = KNOWN.get(callee)
        if callee == "__quantum__rt__initialize":
            now = 0
        elif is_output(callee):
            now = 3
        elif known is not None and known.irreversible:
            now = 2
        elif callee.startswith("__quantum__qis__"):
            now = 1
        else:
            return phase
        if now < phase:
            self.add(
                "block-structure",
                function,
                f"{_PHASES[now]} after {_PHASES[phase]}: the base profile orders "
                "initialize, gates, measurements, output",
                inst,
            )
            return phase
        return now

    def call(self, function: str, inst: ValueRef, callee: str) -> None:
        known = KNOWN.get(callee)
        operands = list(inst.operands)[:-1]
        if known is None:
            return  # reported once at its declaration
        if len(operands) != len(known.args):
            self.add("call", function, f"{callee} takes {len(known.args)} arguments", inst)
            return
        for kind, operand in zip(known.args, operands, strict=True):
            text = str(operand).strip()
            expected = "ptr" if kind in "qrlp" else kind
            if str(operand.type) != expected:
                self.add(
                    "call", function, f"argument {text!r} of {callee} must be {expected}", inst
                )
                continue
            if kind == "q":
                self.identifier("qubit-id", function, inst, text, self.num_qubits, "qubit")
            elif kind == "r":
                self.identifier("result-id", function, inst, text, self.num_results, "result")
            elif kind == "p" and callee == "__quantum__rt__initialize" and text != "ptr null":
                self.add("call", function, "__quantum__rt__initialize takes ptr null", inst)

    def identifier(
        self, rule: str, function: str, inst: ValueRef, text: str, limit: int | None, what: str
    ) -> None:
        match = _ID.match(text)
        if match is None:
            self.add(rule, function, f"{what} {text!r} is not a constant id", inst)
            return
        value = int(match.group(1) or 0)
        if limit is not None and value >= limit:
            self.add(
                rule,
                function,
                f"{what} id {value} is not below required_num_{what}s={limit}",
                inst,
            )


def _is_entry(function: ValueRef) -> bool:
    attributes = _attributes(function)
    return any(name in attributes for name in ENTRY_ATTRIBUTES)


def _attributes(function: ValueRef) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for group in function.attributes:
        text = group.decode() if isinstance(group, bytes) else str(group)
        for match in _ATTRIBUTE.finditer(text):
            out[match.group(1)] = match.group(2)
        for word in re.sub(r'"[^"]*"(="[^"]*")?', " ", text).split():
            out.setdefault(word, None)
    return out
