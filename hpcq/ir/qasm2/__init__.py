"""OpenQASM 2: read programs into :class:`~hpcq.ir.Circuit` objects and write them back.

The whole OpenQASM 2.0 language is read: several ``qreg``/``creg``, ``gate``
definitions with parameters (nested), ``opaque`` declarations, expressions, broadcasting
over registers, ``measure``, ``reset``, ``barrier`` and ``if (c == n)``.
``include "qelib1.inc";`` is built in (see :mod:`hpcq.ir.qasm2.qelib1`); other includes
are read relative to the including file. Malformed input raises
:class:`~hpcq.QasmError` with the file, line and column.

Example:
    >>> from hpcq.ir import qasm2
    >>> circuit = qasm2.loads('OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; cx q[0], q[1];')
    >>> circuit.count_ops()
    {'cx': 1}
    >>> qasm2.loads(qasm2.dumps(circuit)) == circuit
    True
"""

from __future__ import annotations

from hpcq.ir.qasm2.parser import load, loads
from hpcq.ir.qasm2.writer import dump, dumps

__all__ = ["dump", "dumps", "load", "loads"]
