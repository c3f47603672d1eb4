"""Small circuits whose -O2/-O3 outputs used to drift from their input (OpenQASM 2 text).

Written for the precision tests: a 4-qubit QFT, a 4-qubit W-state preparation and a
5-qubit Toffoli network computing a residue modulo 5 (after the RevLib ``mod5``
family). Their unitaries are what matters; each exercises blocks that synthesis reaches
only approximately at its search threshold.
"""

from __future__ import annotations

import math

HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'


def qft(num_qubits: int) -> str:
    """The textbook QFT: Hadamards, controlled phases ``pi / 2**k``, final swaps."""
    lines = [HEADER, f"qreg q[{num_qubits}];"]
    for i in range(num_qubits):
        lines.append(f"h q[{i}];")
        for j in range(i + 1, num_qubits):
            lines.append(f"cu1(pi/{2 ** (j - i)}) q[{j}],q[{i}];")
    for i in range(num_qubits // 2):
        lines.append(f"swap q[{i}],q[{num_qubits - 1 - i}];")
    return "\n".join(lines) + "\n"


def w_state(num_qubits: int) -> str:
    """``|W_n>`` from ``|0...0>``: X, then a cascade of controlled RY and CX."""
    lines = [HEADER, f"qreg q[{num_qubits}];", "x q[0];"]
    for k in range(num_qubits - 1):
        # Leave amplitude sqrt(1 / (n - k)) on qubit k, pass the rest to qubit k + 1.
        theta = 2.0 * math.acos(math.sqrt(1.0 / (num_qubits - k)))
        lines.append(f"cry({theta!r}) q[{k}],q[{k + 1}];")
        lines.append(f"cx q[{k + 1}],q[{k}];")
    return "\n".join(lines) + "\n"


def mod5() -> str:
    """Qubit 4 flipped by a Toffoli network over the 4-bit input on qubits 0 to 3."""
    body = """qreg q[5];
x q[4];
cx q[0],q[2];
ccx q[0],q[1],q[4];
cx q[3],q[1];
ccx q[2],q[3],q[4];
cx q[1],q[4];
ccx q[1],q[2],q[4];
x q[3];
ccx q[0],q[3],q[4];
cx q[2],q[4];
x q[3];
cx q[3],q[1];
cx q[0],q[2];
"""
    return HEADER + body


#: Name -> QASM text of every circuit above, at the sizes the tests use.
CIRCUITS = {"qft4": qft(4), "w4": w_state(4), "mod5": mod5()}
