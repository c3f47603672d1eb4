"""hpcq: an MPI-parallel quantum circuit compiler for HPC systems.

hpcq reads circuits (OpenQASM 2 files or :class:`Circuit` objects), optimizes them with
a pass pipeline whose hot core is numerical unitary synthesis, runs that pipeline in
parallel over MPI ranks, and emits QIR that links against hpcq's C runtime library
into a program that runs.

Example:
    >>> import hpcq
    >>> bell = hpcq.Circuit(2, 2).h(0).cx(0, 1).measure(0, 0).measure(1, 1)
    >>> bell.count_ops()
    {'measure': 2, 'cx': 1, 'h': 1}

``import hpcq`` is cheap: it imports no mpi4py, compiles no numba kernel and starts no
process. The parallel runtime, synthesis kernels and the QIR backend load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hpcq import _config
from hpcq._version import __version__

if _config.launched_by_mpi():
    # Under mpiexec or srun every rank gets HPCQ_THREADS (default 1) BLAS and numba
    # threads unless the user set them: N ranks must not each start a thread per core.
    # This must happen before numpy is first imported, just below.
    _config.apply_thread_limits()
    # An unhandled exception on any rank aborts the whole job instead of leaving the
    # other ranks waiting in MPI_Init or a collective (imports no mpi4py until it fires).
    from hpcq.runtime.aborts import install_excepthook

    install_excepthook()
from hpcq._lazy import lazy_attributes
from hpcq.exceptions import (
    CircuitError,
    HpcqError,
    PassManagerError,
    QasmError,
    QirError,
    RuntimeSystemError,
    SynthesisError,
)
from hpcq.ir import Circuit, Condition, Operation, Parameter, UnitaryGate

if TYPE_CHECKING:
    from hpcq.compiler import Compiler, CompileResult, compile
    from hpcq.ir.interop import from_qiskit, to_qiskit
    from hpcq.passes import PassManager, StagedPassManager
    from hpcq.presets import preset_pass_manager
    from hpcq.synthesis.synthesize import synthesize

# Public names whose modules are heavy (numba, llvmlite, mpi4py): loaded on first use.
_LAZY = {
    "CompileResult": "hpcq.compiler",
    "Compiler": "hpcq.compiler",
    "compile": "hpcq.compiler",
    "PassManager": "hpcq.passes",
    "StagedPassManager": "hpcq.passes",
    "preset_pass_manager": "hpcq.presets",
    "synthesize": "hpcq.synthesis",
    "from_qiskit": "hpcq.ir.interop",
    "to_qiskit": "hpcq.ir.interop",
}


__getattr__, _ = lazy_attributes(__name__, _LAZY)


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "Circuit",
    "CircuitError",
    "CompileResult",
    "Compiler",
    "Condition",
    "HpcqError",
    "Operation",
    "Parameter",
    "PassManager",
    "PassManagerError",
    "QasmError",
    "QirError",
    "RuntimeSystemError",
    "StagedPassManager",
    "SynthesisError",
    "UnitaryGate",
    "__version__",
    "compile",
    "from_qiskit",
    "preset_pass_manager",
    "synthesize",
    "to_qiskit",
]
