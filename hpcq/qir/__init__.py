"""QIR output: emission, profile validation, ``main``, the C runtime library, building.

Example:
    >>> import hpcq
    >>> from hpcq.qir import emit, check
    >>> bell = hpcq.Circuit(2, 2).h(0).cx(0, 1).measure(0, 0).measure(1, 1)
    >>> text = emit(bell, name="bell")
    >>> check(text)
    []

:func:`emit` writes a module for any QIR runner (base or adaptive profile);
:func:`check` validates a module against the profile rules; :func:`add_main` adds the
``main(argc, argv)`` that makes a module a program; :func:`build` links it with hpcq's
C runtime library into an executable (or a library, for a module without an entry
point); :func:`run` runs a circuit or module and returns its counts;
:func:`read_circuit` reads a base-profile module of any producer into a circuit that
:meth:`QirCircuit.write` puts back with the module's outputs.
"""

from __future__ import annotations

from hpcq.qir.circuits import QirCircuit, read_circuit
from hpcq.qir.emitter import LABELING_SCHEMA, emit, emit_bitcode
from hpcq.qir.entry import add_hooks, add_main
from hpcq.qir.execute import run
from hpcq.qir.output import Shot, counts, parse_output
from hpcq.qir.toolchain import build, runtime_library
from hpcq.qir.validate import Violation, check

__all__ = [
    "LABELING_SCHEMA",
    "QirCircuit",
    "Shot",
    "Violation",
    "add_hooks",
    "add_main",
    "build",
    "check",
    "counts",
    "emit",
    "emit_bitcode",
    "parse_output",
    "read_circuit",
    "run",
    "runtime_library",
]
