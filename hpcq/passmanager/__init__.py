"""A generic pass manager: passes, flow controllers and the state they share.

Nothing here knows about quantum circuits. A pass manager subclass says how an input
becomes the intermediate representation (IR) its passes work on and how the final IR
becomes the output; passes (:class:`GenericPass`) transform the IR or analyse it into
the :class:`PropertySet`; flow controllers (:class:`FlowControllerLinear`,
:class:`ConditionalController`, :class:`DoWhileController`) decide what runs next from
the property set. ``run`` on a list of inputs spreads them over the hpcq runtime's
workers when one is active (:func:`hpcq.runtime.has_runtime`), and runs them one after
the other otherwise.

Example: a pass manager over integers whose IR is their decimal text.

    >>> from hpcq.passmanager import BasePassManager, ConditionalController, GenericPass
    >>> class ToyPassManager(BasePassManager[str]):
    ...     def _passmanager_frontend(self, input_program, **kwargs):
    ...         return str(input_program)
    ...     def _passmanager_backend(self, passmanager_ir, in_program, **kwargs):
    ...         return int(passmanager_ir)
    >>> class RemoveFive(GenericPass[str]):
    ...     def run(self, passmanager_ir):
    ...         return passmanager_ir.replace("5", "")
    >>> ToyPassManager(tasks=[RemoveFive()]).run([123456789, 45654, 36785554])
    [12346789, 464, 36784]
    >>> class CountDigits(GenericPass[str]):
    ...     def run(self, passmanager_ir):
    ...         self.property_set["ndigits"] = len(passmanager_ir)
    >>> conditional = ConditionalController(
    ...     tasks=[RemoveFive()], condition=lambda property_set: property_set["ndigits"] > 6
    ... )
    >>> ToyPassManager(tasks=[CountDigits(), conditional]).run([123456789, 45654, 36785554])
    [12346789, 45654, 36784]
"""

from __future__ import annotations

from hpcq.exceptions import PassManagerError
from hpcq.passmanager.base_tasks import (
    IR,
    BaseController,
    Callback,
    GenericPass,
    Task,
)
from hpcq.passmanager.compilation_status import (
    PassManagerState,
    PropertySet,
    RunState,
    WorkflowStatus,
)
from hpcq.passmanager.flow_controllers import (
    ConditionalController,
    DoWhileController,
    FlowControllerLinear,
)
from hpcq.passmanager.passmanager import BasePassManager

__all__ = [
    "IR",
    "BaseController",
    "BasePassManager",
    "Callback",
    "ConditionalController",
    "DoWhileController",
    "FlowControllerLinear",
    "GenericPass",
    "PassManagerError",
    "PassManagerState",
    "PropertySet",
    "RunState",
    "Task",
    "WorkflowStatus",
]
