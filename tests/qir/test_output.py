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


def test_arrays_of_other_producers_are_not_registers() -> None:
    # Q# labels an array "3_t2a": it held no register bits, and every shot counted as ""
    text = (
        "START\nOUTPUT\tTUPLE\t2\t0_t\nOUTPUT\tRESULT\t1\t1_t0r\nOUTPUT\tARRAY\t2\t2_t1a\n"
        "OUTPUT\tDOUBLE\t1.5\t3_t1a0d\nOUTPUT\tRESULT\t0\t4_t1a1r\nEND\t0\n"
    )
    assert counts(text) == {"1 1.5 0": 1}
