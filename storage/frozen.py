"""``checked_frozen``: immutable records whose immutability the type checker enforces, at no run-time cost.

Here because storage is the lowest layer: the engine and the protocol use it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar, dataclass_transform

_C = TypeVar("_C")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def checked_frozen(cls: type[_C]) -> type[_C]:
    """A slotted dataclass that the type checker treats as frozen, without the run-time guard.

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``, about three times the
    cost of a plain one: for the records made on every create that was ~5% of it (issue 8's profile). Nothing
    assigns to these records; mypy (strict, in CI) rejects any code that would. Use it for records made per
    request that nothing hashes (a plain dataclass with ``eq`` is unhashable).
    """
    return dataclass(slots=True)(cls)
