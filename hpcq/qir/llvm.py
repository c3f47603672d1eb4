"""Thin access to LLVM through llvmlite: parsing, verification, objects and bitcode.

llvmlite is imported inside the functions, so importing :mod:`hpcq.qir` stays cheap.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from hpcq.exceptions import QirError

if TYPE_CHECKING:
    from llvmlite.binding import ModuleRef, TargetMachine


@functools.cache
def _initialize() -> None:
    import llvmlite.binding as llvm

    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    llvm.initialize_native_asmparser()


def parse(text: str, where: str = "<module>") -> ModuleRef:
    """Parse and verify LLVM IR text.

    Raises:
        QirError: The text is not valid LLVM IR; the message names ``where``.
    """
    import llvmlite.binding as llvm

    _initialize()
    try:
        module = llvm.parse_assembly(text)
        module.verify()
    except RuntimeError as exc:
        raise QirError(f"{where}: not valid LLVM IR: {str(exc).strip()}") from exc
    module.name = where
    return module


def parse_bitcode(data: bytes, where: str = "<module>") -> ModuleRef:
    """Parse and verify LLVM bitcode."""
    import llvmlite.binding as llvm

    _initialize()
    try:
        module = llvm.parse_bitcode(data)
        module.verify()
    except RuntimeError as exc:
        raise QirError(f"{where}: not valid LLVM bitcode: {str(exc).strip()}") from exc
    return module


def target_machine() -> TargetMachine:
    """A machine for the host, emitting position-independent code (links into PIEs)."""
    import llvmlite.binding as llvm

    _initialize()
    target = llvm.Target.from_default_triple()
    return target.create_target_machine(reloc="pic", codemodel="default", opt=2)


def object_code(text: str, where: str = "<module>") -> bytes:
    """Compile LLVM IR text to a relocatable object for the host."""
    module = parse(text, where)
    machine = target_machine()
    module.triple = machine.triple
    module.data_layout = str(machine.target_data)
    return bytes(machine.emit_object(module))
