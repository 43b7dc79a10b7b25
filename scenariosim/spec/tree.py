"""Walking the spec tree fast: its records' fields per class, and facts about subtrees remembered by identity.

A sweep samples one loaded spec thousands of times. ``sample`` returns the unchanged parts of a spec as the
very same objects, so a fact about a subtree (it holds a distribution; its numbers are finite) computed once
holds for every later spec that shares it. Records are frozen dataclasses and tuples are immutable, which is
what makes remembering by identity sound.
"""
from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any, NamedTuple


class Field(NamedTuple):
    name: str
    dimension: str | None      # the field's metadata "dimension" ("count", "length" …), None if it has none
    compare: bool              # part of the record's equality (dataclasses.field(compare=…))


def is_record(obj: Any) -> bool:
    """Whether ``obj`` is a dataclass instance (a spec record or value), not a class."""
    return _fields_of(type(obj)) is not None


def fields(obj: Any) -> tuple[Field, ...]:
    """The fields of record ``obj``, in declaration order (cached per class)."""
    return _fields_of(type(obj))


@functools.cache
def _fields_of(cls: type) -> tuple[Field, ...] | None:
    if not dataclasses.is_dataclass(cls):
        return None
    return tuple(Field(f.name, f.metadata.get("dimension"), f.compare) for f in dataclasses.fields(cls))


class IdentityMemo:
    """``fn(obj)`` remembered per object identity for records and tuples; other values are not remembered.

    The object is kept with its result, so its id cannot be reused while remembered; past ``limit``
    entries the memo starts afresh (memory stays bounded in long sweeps).
    """

    def __init__(self, fn: Callable[[Any], Any], limit: int = 10_000) -> None:
        self.fn, self.limit = fn, limit
        self.known: dict[int, tuple[Any, Any]] = {}

    def __call__(self, obj: Any) -> Any:
        if not isinstance(obj, tuple) and not is_record(obj):
            return self.fn(obj)
        hit = self.known.get(id(obj))
        if hit is not None and hit[0] is obj:
            return hit[1]
        value = self.fn(obj)
        if len(self.known) >= self.limit:
            self.known.clear()
        self.known[id(obj)] = (obj, value)
        return value


def replace(obj: Any, changes: dict[str, Any]) -> Any:
    """``dataclasses.replace(obj, **changes)`` in a third of its time, for records without __post_init__
    (every spec record): the new record gets the changed fields and shares every other value."""
    cls = type(obj)
    if hasattr(cls, "__post_init__"):
        return dataclasses.replace(obj, **changes)
    new = object.__new__(cls)
    for f in fields(obj):
        object.__setattr__(new, f.name, changes[f.name] if f.name in changes else getattr(obj, f.name))
    return new
