"""OpenQASM 3: read the circuit subset of the language into :class:`~hpcq.ir.Circuit`
objects and write circuits back.

Read: ``qubit[n]``/``bit[n]`` and ``qreg``/``creg``, ``include "stdgates.inc";``
(built in, see :mod:`hpcq.ir.qasm3.stdgates`), ``gate`` definitions, the ``inv``,
``pow(k)``, ``ctrl(n)`` and ``negctrl(n)`` modifiers (see
:mod:`hpcq.ir.qasm3.modifiers`), ``U`` and ``gphase``, ``c = measure q;`` and
``measure q -> c;``, ``reset``, ``barrier``, ``if`` on a bit or a whole register,
``input float[64] theta;`` as a symbolic :class:`~hpcq.Parameter`, ``const`` and
expressions (``pi``/``π``, ``tau``/``τ``, ``euler``, arithmetic, ``sin``, ``cos``,
``sqrt``...). Loops, subroutines, ``switch``, timing and calibrations are refused
with a :class:`~hpcq.QasmError` at their line and column, as is every other error.

The reader's limits bound what a small file can make the compiler do, as the OpenQASM 2
reader's do: ``max_operations`` (default :data:`MAX_OPERATIONS`, ten million operations
once every user-defined gate is expanded) and ``max_gate_depth`` (default
:data:`MAX_GATE_DEPTH`, 64 levels of nested gate definitions) are keywords of
:func:`loads` and :func:`load`; :data:`MAX_REGISTER_SIZE` (fixed) bounds the qubits, and
the classical bits, of one program, and :data:`MAX_CONTROLS` the controls of one
modified gate.

Example:
    >>> from hpcq.ir import qasm3
    >>> circuit = qasm3.loads('''
    ... OPENQASM 3.0;
    ... include "stdgates.inc";
    ... input float[64] theta;
    ... qubit[2] q;
    ... bit[2] c;
    ... h q[0];
    ... ctrl @ rx(theta) q[0], q[1];
    ... c = measure q;
    ... ''')
    >>> circuit.count_ops()
    {'measure': 2, 'crx': 1, 'h': 1}
    >>> qasm3.loads(qasm3.dumps(circuit)) == circuit
    True
"""

from __future__ import annotations

import os

from hpcq.ir.qasm3.parser import (
    MAX_CONTROLS,
    MAX_GATE_DEPTH,
    MAX_OPERATIONS,
    MAX_REGISTER_SIZE,
    declared_version,
    load,
    loads,
)
from hpcq.ir.qasm3.writer import dump, dumps

# The version line may follow comments; a header longer than this is not looked at.
_SNIFF_CHARS = 1 << 16


def declares_version_3(text: str) -> bool:
    """Whether ``text`` starts (after comments) with ``OPENQASM 3``."""
    return declared_version(text) == 3


def file_declares_version_3(path: str | os.PathLike[str]) -> bool:
    """Whether the file at ``path`` starts with ``OPENQASM 3`` (``False`` if unreadable:
    the reader that opens it next reports why)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            return declares_version_3(stream.read(_SNIFF_CHARS))
    except OSError:
        return False


__all__ = [
    "MAX_CONTROLS",
    "MAX_GATE_DEPTH",
    "MAX_OPERATIONS",
    "MAX_REGISTER_SIZE",
    "declared_version",
    "declares_version_3",
    "dump",
    "dumps",
    "file_declares_version_3",
    "load",
    "loads",
]
