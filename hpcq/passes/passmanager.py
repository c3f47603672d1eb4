""":class:`PassManager`: the pass manager whose IR is an :class:`hpcq.Circuit`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hpcq.ir.circuit import Circuit, load_path_or_text
from hpcq.passmanager import BasePassManager


def to_circuit(program: Any) -> Circuit:
    """An :class:`hpcq.Circuit` from a circuit, QASM text, a path or a Qiskit circuit.

    A ``Circuit`` is copied (passes never see the caller's object). A ``str`` is a
    path when it is one line without ``;`` and OpenQASM 2 text otherwise.

    Raises:
        TypeError: ``program`` is none of these.
        QasmError: The QASM text or file is malformed.
        OSError: The file cannot be read.
    """
    if isinstance(program, Circuit):
        return program.copy()
    if isinstance(program, (str, Path)):
        return load_path_or_text(program)
    if type(program).__module__.startswith("qiskit"):
        from hpcq.ir.interop import from_qiskit

        return from_qiskit(program)
    raise TypeError(
        "a pass manager input must be an hpcq.Circuit, OpenQASM 2 text, a path to a "
        f".qasm file or a Qiskit QuantumCircuit, not {type(program).__name__}"
    )


class PassManager(BasePassManager[Circuit]):
    """Runs circuit passes on circuits.

    Inputs are :class:`hpcq.Circuit` objects, OpenQASM 2 text, paths to ``.qasm`` files
    (``str`` or :class:`pathlib.Path`) or Qiskit ``QuantumCircuit`` objects; outputs are
    :class:`hpcq.Circuit` objects. The input circuit is never modified.

    Example:
        >>> from hpcq import Circuit
        >>> from hpcq.passes import CancelCX, Fuse1Q, PassManager
        >>> pm = PassManager([Fuse1Q(), CancelCX()])
        >>> pm.run(Circuit(2).h(0).h(0).cx(0, 1).cx(0, 1).t(1))
        Circuit(2 qubits, 0 clbits, 1 operations: t 1)
    """

    def _passmanager_frontend(self, input_program: Any, **kwargs: Any) -> Circuit:
        return to_circuit(input_program)

    def _passmanager_backend(
        self, passmanager_ir: Circuit, in_program: Any, **kwargs: Any
    ) -> Circuit:
        if not isinstance(passmanager_ir, Circuit):
            raise TypeError(
                f"the passes returned a {type(passmanager_ir).__name__}, not an hpcq.Circuit"
            )
        return passmanager_ir
