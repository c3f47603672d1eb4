"""OpenQASM 2: read programs into :class:`~hpcq.ir.Circuit` objects and write them back.

The whole OpenQASM 2.0 language is read: several ``qreg``/``creg``, ``gate``
definitions with parameters (nested), ``opaque`` declarations, expressions, broadcasting
over registers, ``measure``, ``reset``, ``barrier`` and ``if (c == n)``.
``include "qelib1.inc";`` is built in (see :mod:`hpcq.ir.qasm2.qelib1`); other includes
are read relative to the including file. Malformed input raises
:class:`~hpcq.QasmError` with the file, line and column; so does a program beyond the
reader's limits, which bound what a small file can make the compiler do:

``max_operations`` (default :data:`MAX_OPERATIONS`, ten million)
    Operations of the circuit once every user-defined gate is expanded (a directly
    written gate counts one). Forty definitions, each calling the one before twice,
    are a few lines that expand to 2**39 operations; such a program is refused at the
    statement that applies the gate, before anything is expanded.
``max_gate_depth`` (default :data:`MAX_GATE_DEPTH`, 64)
    How deep gate definitions nest; refused at the definition that goes deeper.

Both are keywords of :func:`loads` and :func:`load`. :data:`MAX_BITS` (fixed) bounds
the qubits, and the classical bits, of one program.

The gates of the language's ``qelib1.inc`` cannot be defined again, nor can a gate the
program already defined (as in other readers); a program that writes qelib1's gates
out instead of including the file keeps hpcq's native gates where its definition is
provably the same. hpcq's further gates (``sx``, ``swap``, ``csx``, ``ccz``, ``ryy``...) are
available after ``include "qelib1.inc";`` too, but a program's own definition of one
of them replaces hpcq's, and is used only from there on: it must come before the
program's first use of that name.

Example:
    >>> from hpcq.ir import qasm2
    >>> circuit = qasm2.loads('OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; cx q[0], q[1];')
    >>> circuit.count_ops()
    {'cx': 1}
    >>> qasm2.loads(qasm2.dumps(circuit)) == circuit
    True
"""

from __future__ import annotations

from hpcq.ir.qasm2.parser import MAX_BITS, MAX_GATE_DEPTH, MAX_OPERATIONS, load, loads
from hpcq.ir.qasm2.writer import dump, dumps

__all__ = ["MAX_BITS", "MAX_GATE_DEPTH", "MAX_OPERATIONS", "dump", "dumps", "load", "loads"]
