"""The exception hierarchy: one root, one subclass per area.

Wrong arguments raise the built-in ``TypeError``/``ValueError``; everything that goes
wrong *inside* hpcq's own machinery raises a subclass of :class:`HpcqError`.
"""

from __future__ import annotations


class HpcqError(Exception):
    """Root of every error hpcq raises on purpose."""


class QasmError(HpcqError):
    """A malformed or unsupported OpenQASM 2 program.

    Attributes:
        message: What is wrong, in words a person understands.
        file: The file the text came from, or ``None`` for a string.
        line: 1-based line of the offending token, or ``None`` if unknown.
        column: 1-based column of the offending token, or ``None`` if unknown.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        super().__init__(self._format())

    def _format(self) -> str:
        where = self.file if self.file is not None else "<string>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"

    def __reduce__(self) -> tuple[object, ...]:
        # keyword-only arguments do not survive the default pickling, and these
        # errors cross ranks.
        return (_rebuild_qasm_error, (self.message, self.file, self.line, self.column))


def _rebuild_qasm_error(
    message: str, file: str | None, line: int | None, column: int | None
) -> QasmError:
    return QasmError(message, file=file, line=line, column=column)


class CircuitError(HpcqError):
    """An operation that does not fit the circuit (bad qubit index, wrong arity...)."""


class PassManagerError(HpcqError):
    """A failure in the pass-manager framework or in a pass it runs."""


class RuntimeSystemError(HpcqError):
    """A failure of the parallel runtime (a lost rank, a refused connection...)."""


class SynthesisError(HpcqError):
    """Synthesis could not meet its threshold.

    Attributes:
        best_distance: The smallest distance reached, or ``None`` if nothing ran.
    """

    def __init__(self, message: str, best_distance: float | None = None) -> None:
        super().__init__(message)
        self.best_distance = best_distance

    def __reduce__(self) -> tuple[object, ...]:
        return (SynthesisError, (self.args[0], self.best_distance))


class QirError(HpcqError):
    """QIR that cannot be emitted, validated, built or run."""


class VerificationError(HpcqError):
    """A compiled circuit failed its check against the input (a compiler bug)."""
