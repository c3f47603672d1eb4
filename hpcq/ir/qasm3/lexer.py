"""The OpenQASM 3 tokenizer: one compiled regular expression, tokens on demand.

Tokens are plain tuples ``(kind, text, offset)`` as in the OpenQASM 2 reader; line and
column are computed from the offset only when an error needs them. Identifiers may use
Unicode letters (``θ``, ``π``), and ``/* ... */`` comments are part of the language.
"""

from __future__ import annotations

import re
from typing import NoReturn

from hpcq.exceptions import QasmError

Token = tuple[str, str, int]

_SKIP = re.compile(r"(?:[ \t\r\n\f\v]+|//[^\n]*|/\*(?:[^*]|\*(?!/))*\*/)*")
_TOKEN = re.compile(
    # A number glued to a time unit is a duration: timing is refused by name.
    r"(?P<duration>(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][-+]?\d+)?(?:ns|us|µs|ms|s|dt)\b)"
    r"|(?P<imag>(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][-+]?\d+)?[ \t]*im\b)"
    r"|(?P<float>(?:\d[\d_]*\.[\d_]*|\.\d[\d_]*)(?:[eE][-+]?\d+)?|\d[\d_]*[eE][-+]?\d+)"
    r"|(?P<int>0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|\d[\d_]*)"
    r"|(?P<id>[^\W\d]\w*)"
    r"|(?P<hw>\$\d+)"
    r'|(?P<string>"[^"\n]*")'
    r"|(?P<op><<=|>>=|\*\*=|\*\*|==|!=|<=|>=|->|\+\+|&&|\|\||<<|>>|[-+*/%&|^~]=)"
    r"|(?P<punct>[-+*/%^&|~!<>=()\[\]{},;:@.#])"
)


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
    """Tokens of one source text, produced on demand.

    Args:
        text: The OpenQASM 3 source.
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

    def resume_offset(self) -> int:
        """Where the next unconsumed token starts (or the scan stands)."""
        return self._peeked[2] if self._peeked is not None else self.pos

    def accept(self, kind: str) -> bool:
        """Consume the next token if it is of ``kind``; whether it was."""
        if self.peek()[0] == kind:
            self._peeked = None
            return True
        return False

    def expect(self, kind: str, what: str | None = None) -> Token:
        """Consume a token of ``kind`` or raise an error naming what was expected."""
        token = self.next()
        if token[0] != kind:
            wanted = what or (f"'{kind}'" if kind not in ("id", "int", "float") else kind)
            self.error(f"expected {wanted}, found {describe(token)}", token[2])
        return token

    def _read(self) -> Token:
        text = self.text
        start = self.pos
        skipped = _SKIP.match(text, start)
        assert skipped is not None  # the pattern also matches the empty string
        start = skipped.end()
        self.pos = start
        if start >= len(text):
            return ("eof", "", start)
        if text.startswith("/*", start):
            self.error("unterminated block comment '/*'", start)
        match = _TOKEN.match(text, start)
        if match is None:
            if text[start] == '"':
                self.error("unterminated string (a string ends on the same line)", start)
            self.error(f"unexpected character {text[start]!r}", start)
        group = match.lastgroup
        assert group is not None
        value = match.group()
        self.pos = match.end()
        if group in ("op", "punct"):
            return (value, value, start)
        if group == "id" and not (value[0].isalpha() or value[0] == "_"):
            # \w also takes numeric characters such as '¾', which start no name.
            self.error(f"unexpected character {value[0]!r}", start)
        return (group, value, start)
