"""The reference's toy pass manager (int -> str -> int), importable by MPI workers."""

from __future__ import annotations

from typing import Any

from hpcq.passmanager import BasePassManager, GenericPass


class ToyPassManager(BasePassManager):
    def _passmanager_frontend(self, input_program: int, **kwargs: Any) -> str:
        return str(input_program)

    def _passmanager_backend(self, passmanager_ir: str, in_program: int, **kwargs: Any) -> int:
        return int(passmanager_ir)


class RemoveFive(GenericPass):
    def run(self, passmanager_ir: str) -> str:
        return passmanager_ir.replace("5", "")


class CountDigits(GenericPass):
    def run(self, passmanager_ir: str) -> None:
        self.property_set["ndigits"] = len(passmanager_ir)


class FailOn(GenericPass):
    """Raises ZeroDivisionError on IR containing ``digit``."""

    def __init__(self, digit: str) -> None:
        super().__init__()
        self.digit = digit

    def run(self, passmanager_ir: str) -> str:
        if self.digit in passmanager_ir:
            raise ZeroDivisionError(f"found {self.digit} in {passmanager_ir}")
        return passmanager_ir


def more_than_six_digits(property_set: dict[str, Any]) -> bool:
    return property_set["ndigits"] > 6


class WherePassManager(ToyPassManager):
    """Like ToyPassManager, but the output also says which process ran the passes."""

    def _passmanager_backend(
        self, passmanager_ir: str, in_program: int, **kwargs: Any
    ) -> tuple[int, int]:
        import os

        return int(passmanager_ir), os.getpid()
