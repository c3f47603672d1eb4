"""The OpenQASM 2 tokenizer: one compiled regular expression, tokens on demand.

Tokens are plain tuples ``(kind, text, offset)``; line and column are only computed
from the offset when an error needs them, so the common path does no bookkeeping.

Every pattern here is linear in the text it looks at: no quantifier is nested in
another and no two alternatives can match the same prefix, so a regular-expression
engine never backtracks over more than one token. Blanks and comments are skipped by
a loop (:func:`skip_blanks`), not by a pattern, for the same reason.
"""

from __future__ import annotations

import re
from typing import NoReturn

from hpcq.exceptions import QasmError

Token = tuple[str, str, int]

# Kinds: "real", "int", "id", "string", "->", "==", one-character punctuation, "eof".
_BLANKS = re.compile(r"[ \t\r\n\f\v]*")
_TOKEN = re.compile(
    r"(?P<real>(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)"
    r"|(?P<int>\d+)"
    r"|(?P<id>[A-Za-z_][A-Za-z0-9_]*)"
    r'|(?P<string>"[^"\n]*")'
    r"|(?P<arrow>->)"
    r"|(?P<eqeq>==)"
    r"|(?P<punct>[-+*/^()\[\]{},;])"
)
_KIND = {"arrow": "->", "eqeq": "=="}


KEYWORDS = frozenset(
    (
        "OPENQASM", "include", "qreg", "creg", "gate", "opaque", "measure", "reset",
        "barrier", "if", "pi",
    )
)  # fmt: skip
"""The words of OpenQASM 2 that cannot name a register or a gate."""


def skip_blanks(text: str, pos: int) -> int:
    """The offset of the first character at or after ``pos`` that is not blank or comment."""
    blanks = _BLANKS.match
    pos = blanks(text, pos).end()  # type: ignore[union-attr]
    while text.startswith("//", pos):
        newline = text.find("\n", pos)
        if newline < 0:
            return len(text)
        pos = blanks(text, newline).end()  # type: ignore[union-attr]
    return pos


def position(text: str, offset: int) -> tuple[int, int]:
    """The 1-based ``(line, column)`` of ``offset`` in ``text``."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def describe(token: Token) -> str:
    """A token as an error message shows it."""
    kind, text, _ = token
    if kind == "eof":
        return "the end of the file"
    if kind == "string":
        return f"string {text}"
    return f"'{text}'"


class Lexer:
    """Tokens of one source text, produced on demand from an offset.

    Args:
        text: The OpenQASM source.
        filename: Where it came from, for error messages (``None`` for a string).
    """

    def __init__(self, text: str, filename: str | None) -> None:
        self.text = text
        self.filename = filename
        self.pos = 0
        self._peeked: Token | None = None

    def error(self, message: str, offset: int | None = None) -> NoReturn:
        """Raise :class:`QasmError` at ``offset`` (default: the current position)."""
        line, column = position(self.text, self.pos if offset is None else offset)
        raise QasmError(message, file=self.filename, line=line, column=column)

    def skip(self) -> int:
        """Skip blanks and comments; returns the new offset."""
        self.pos = skip_blanks(self.text, self.pos)
        return self.pos

    def peek(self) -> Token:
        """The next token, without consuming it."""
        if self._peeked is None:
            self._peeked = self._read()
        return self._peeked

    def next(self) -> Token:
        """Consume and return the next token."""
        token = self.peek()
        self._peeked = None
        return token

    def seek(self, offset: int) -> None:
        """Continue tokenizing from ``offset``, dropping any peeked token."""
        self.pos = offset
        self._peeked = None

    def _read(self) -> Token:
        text = self.text
        start = self.skip()
        if start >= len(text):
            return ("eof", "", start)
        match = _TOKEN.match(text, start)
        if match is None:
            if text[start] == '"':
                self.error("unterminated string (a string ends on the same line)", start)
            self.error(f"unexpected character {text[start]!r}", start)
        group = match.lastgroup
        assert group is not None
        value = match.group()
        self.pos = match.end()
        if group == "punct":
            if value == "/" and text.startswith("/*", start):
                self.error("block comments '/* */' are not OpenQASM 2; use '//'", start)
            return (value, value, start)
        return (_KIND.get(group, group), value, start)

    def expect(self, kind: str, what: str | None = None) -> Token:
        """Consume a token of ``kind`` or raise an error naming what was expected."""
        token = self.next()
        if token[0] != kind:
            wanted = what or (f"'{kind}'" if kind not in ("id", "int", "real") else kind)
            self.error(f"expected {wanted}, found {describe(token)}", token[2])
        return token
