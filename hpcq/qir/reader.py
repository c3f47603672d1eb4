"""Reading QIR from any producer: typed pointers (QIR 1) become opaque pointers (QIR 2).

LLVM 17 and later parse opaque pointers only, while Q# and older producers emit QIR 1
(``%Qubit*``, ``%Result*``, ``i8*``). In QIR every pointer type is an opaque handle, a
byte pointer or a pointer to a global string, so the conversion is textual: outside
string literals and comments, a pointer type (a type followed by ``*``) becomes
``ptr``, the ``%Name = type opaque`` definitions go, and the module flag
``qir_major_version`` becomes 2. Constant expressions such as
``getelementptr inbounds ([4 x i8], [4 x i8]* @0, i64 0, i64 0)`` stay valid with
``ptr`` in place of the pointer type, and LLVM folds them when it parses the result.
"""

from __future__ import annotations

import re

#: The attributes that mark the entry point: QIR's and the older one of full QIR.
ENTRY_ATTRIBUTES = ("entry_point", "EntryPoint")

# a string literal ("..." or c"..."), a comment, or a run of other text
_PIECES = re.compile(r'c?"(?:[^"\\\n]|\\.)*"|;[^\n]*|[^";]+|[";]')
# the pointee of a typed pointer: a named type, an integer, a float type or an array
_POINTEE = r"(?:%[-\w.$]+|%\"[^\"]*\"|i\d+|half|float|double|ptr|\[\d+ x [^\[\]]+\])"
_POINTER = re.compile(_POINTEE + r"(?: addrspace\(\d+\))?\*+")
_OPAQUE = re.compile(r'^(%[-\w.$]+|%"[^"]*") = type opaque[ \t]*\n?', re.MULTILINE)
_MAJOR = re.compile(r'(!"qir_major_version", i32 )1\b')


def is_typed(text: str) -> bool:
    """Whether ``text`` uses typed pointers (QIR 1)."""
    return any(_POINTER.search(piece) for piece in _code(text))


def to_opaque(text: str) -> str:
    """``text`` with typed pointers replaced by ``ptr`` (a QIR 2 module); a module
    without typed pointers comes back unchanged."""
    if not is_typed(text):
        return text
    out = []
    for piece in _PIECES.findall(text):
        if piece[:1] in ('"', ";") or piece[:2] == 'c"':
            out.append(piece)
            continue
        previous = None
        while previous != piece:  # ``[4 x i8]*`` first, then ``ptr*`` of ``i8**``
            previous = piece
            piece = _POINTER.sub("ptr", piece)
        out.append(piece)
    converted = _OPAQUE.sub("", "".join(out))
    return _MAJOR.sub(r"\g<1>2", converted)


def _code(text: str) -> list[str]:
    return [p for p in _PIECES.findall(text) if p[:1] not in ('"', ";") and p[:2] != 'c"']
