"""Numerical unitary synthesis: QSearch and LEAP over numba-compiled instantiation.

:func:`synthesize` turns a unitary on 1 to 5 qubits (4 in practice) into a short
circuit of ``cx`` and ``u3`` gates; :func:`instantiate` fits the angles of one fixed
CX structure (a :class:`Template`) to a target, for passes that edit a circuit's
structure themselves; :func:`refit` fits a found circuit's angles to machine
precision before it replaces anything; :func:`two_qubit_cx_count` tells, in closed
form, how many CX a two-qubit unitary needs.

Example:
    >>> from hpcq.ir import Circuit, hilbert_schmidt_cost
    >>> from hpcq.synthesis import synthesize
    >>> toffoli = Circuit(3).ccx(0, 1, 2).unitary()
    >>> circuit = synthesize(toffoli, method="qsearch", seed=1)
    >>> circuit.count_ops()["cx"]
    6

Importing this package is cheap: the numba kernels compile (or load from numba's
cache) on first use; ``hpcq warmup`` does that ahead of time.
"""

from __future__ import annotations

from hpcq.synthesis.instantiation import InstantiationResult, instantiate
from hpcq.synthesis.refit import refit
from hpcq.synthesis.synthesize import METHODS, synthesize
from hpcq.synthesis.template import Template, cyclic_template, generic_cx_count
from hpcq.synthesis.two_qubit import two_qubit_cx_count

__all__ = [
    "METHODS",
    "InstantiationResult",
    "Template",
    "cyclic_template",
    "generic_cx_count",
    "instantiate",
    "refit",
    "synthesize",
    "two_qubit_cx_count",
]
