"""Counting shot output: hpcq's register labels, and other producers' labels."""

from __future__ import annotations

from hpcq.qir.output import counts

QSHARP_STYLE = """START
METADATA\tentry_point
OUTPUT\tTUPLE\t3\t0_t
OUTPUT\tRESULT\t1\t1_t0r
OUTPUT\tRESULT\t0\t2_t1r
OUTPUT\tINT\t7\t3_t2i
END\t0
START
OUTPUT\tTUPLE\t3\t0_t
OUTPUT\tRESULT\t1\t1_t0r
OUTPUT\tRESULT\t0\t2_t1r
OUTPUT\tINT\t7\t3_t2i
END\t0
START
OUTPUT\tRESULT\t0
OUTPUT\tBOOL\ttrue
END\t0
"""


def test_values_are_counted_without_register_labels() -> None:
    # before: every shot counted under the empty key
    assert counts(QSHARP_STYLE) == {"10 7": 2, "0 true": 1}


def test_register_labels_still_win() -> None:
    text = "START\nOUTPUT\tARRAY\t2\tc\nOUTPUT\tRESULT\t1\tc[0]\nOUTPUT\tRESULT\t0\tc[1]\nEND\t0\n"
    assert counts(text) == {"01": 1}
