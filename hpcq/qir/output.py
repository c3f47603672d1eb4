"""Parsing of the shot output that qir-runner and hpcq's runtime print.

Each shot is ``START``, ``METADATA`` lines, ``OUTPUT`` lines and ``END\\t<status>``. For
modules in hpcq's ``hpcq_registers_v1`` labelling schema, the ``RESULT`` lines carry
labels ``name[i]``, from which the classical registers are rebuilt. Output of other
producers (labels such as ``0_t0r``) is counted by its recorded values instead.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from hpcq.exceptions import QirError

_BIT_LABEL = re.compile(r"^(.*)\[(\d+)\]$")


@dataclass
class Shot:
    """The output of one shot.

    Attributes:
        records: ``(kind, value, label)`` for every ``OUTPUT`` line, in order.
        status: The value on the ``END`` line.
    """

    records: list[tuple[str, str, str]] = field(default_factory=list)
    status: int = 0

    def registers(self) -> dict[str, str]:
        """Register name -> bits, most significant first (Qiskit's order)."""
        bits: dict[str, dict[int, str]] = {}
        order: list[str] = []
        for kind, value, label in self.records:
            if kind == "ARRAY" and label not in bits:
                bits[label] = {}
                order.append(label)
            elif kind == "RESULT":
                match = _BIT_LABEL.match(label)
                if match is None:
                    continue
                name, index = match.group(1), int(match.group(2))
                if name not in bits:
                    bits[name] = {}
                    order.append(name)
                bits[name][index] = value
        if not any(bits.values()):  # arrays of other producers: no register bits
            return {}
        return {
            name: "".join(
                bits[name].get(i, "0") for i in range(max(bits[name], default=-1), -1, -1)
            )
            for name in order
        }

    def key(self) -> str:
        """The shot as a counts key: registers last-first, separated by spaces.

        Without register labels, the recorded values in order: consecutive results
        joined into one bit string, other values (bools, ints, doubles) as words.
        """
        registers = self.registers()
        if registers:
            return " ".join(reversed(list(registers.values())))
        words: list[str] = []
        bits = ""
        for kind, value, _ in self.records:
            if kind == "RESULT":
                bits += value
                continue
            if bits:
                words.append(bits)
                bits = ""
            if kind not in ("TUPLE", "ARRAY"):
                words.append(value)
        if bits:
            words.append(bits)
        return " ".join(words)


def parse_output(text: str) -> list[Shot]:
    """The shots in ``text``.

    Raises:
        QirError: A malformed line or an unterminated shot.
    """
    shots: list[Shot] = []
    current: Shot | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split("\t")
        tag = parts[0]
        if tag == "START":
            current = Shot()
        elif current is None:
            raise QirError(f"output line {number}: {tag!r} outside a shot: {line!r}")
        elif tag == "METADATA":
            continue
        elif tag == "OUTPUT" and len(parts) >= 3:
            label = parts[3] if len(parts) > 3 else ""
            current.records.append((parts[1], parts[2], label))
        elif tag == "END" and len(parts) == 2:
            current.status = int(parts[1])
            shots.append(current)
            current = None
        else:
            raise QirError(f"output line {number}: cannot read {line!r}")
    if current is not None:
        raise QirError("output ends inside a shot (no END line)")
    return shots


def counts(text: str) -> dict[str, int]:
    """Counts of the shots' register values in ``text``, most frequent first."""
    tally = Counter(shot.key() for shot in parse_output(text))
    return dict(sorted(tally.items(), key=lambda kv: (-kv[1], kv[0])))
