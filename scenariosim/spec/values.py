"""Unresolved values: frozen expression records a ScenarioSpec may hold until ``sample`` fixes them.

Every number is SI; ``dimension`` is the value's physical dimension (``None`` for an actor kind).
The scenario language folds constant arithmetic at compile time, so these records appear only where
a value depends on a random draw; ``Const`` appears inside such records.
"""
from __future__ import annotations

from dataclasses import dataclass

from scenariosim.units import Dimension


class Expr:
    """Base of every unresolved value."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Const(Expr):
    value: float            # SI
    dimension: Dimension


@dataclass(frozen=True, slots=True)
class ParamRef(Expr):
    """The value of the scenario param ``name`` (drawn once per sample, however often it is used)."""

    name: str
    dimension: Dimension | None


@dataclass(frozen=True, slots=True)
class Attr(Expr):
    """An attribute of a road or an earlier actor as sampled: ``ego.s``, ``ego.length``, ``main.length``.

    Actors: s, d, speed, lane, length, width, height. Roads: any numeric field (length, lanes, …).
    """

    owner: str
    attr: str
    dimension: Dimension


@dataclass(frozen=True, slots=True)
class BinOp(Expr):
    op: str                 # one of + - * /
    left: Expr
    right: Expr
    dimension: Dimension


@dataclass(frozen=True, slots=True)
class Neg(Expr):
    operand: Expr
    dimension: Dimension


@dataclass(frozen=True, slots=True)
class Uniform(Expr):
    """Uniform on [low, high]."""

    low: Expr
    high: Expr
    dimension: Dimension


@dataclass(frozen=True, slots=True)
class Normal(Expr):
    """Normal(mean, sd), truncated to [low, high] where either bound is given."""

    mean: Expr
    sd: Expr
    low: Expr | None
    high: Expr | None
    dimension: Dimension


@dataclass(frozen=True, slots=True)
class LaneOffset(Expr):
    """The lane ``lanes`` to the left (negative: right) of ``lane`` in that lane's own direction of travel:
    lane + lanes on forward lanes (> 0), lane − lanes on oncoming ones (< 0)."""

    lane: Expr
    lanes: Expr
    dimension: Dimension


@dataclass(frozen=True, slots=True)
class Integer(Expr):
    """A whole number uniform on low..high, both ends included."""

    low: Expr
    high: Expr
    dimension: Dimension


@dataclass(frozen=True, slots=True)
class Choice(Expr):
    """One of ``options`` (names: actor kinds, colours …), with probability proportional to its weight (> 0)."""

    options: tuple[str, ...]
    weights: tuple[float, ...]
    dimension: None = None


@dataclass(frozen=True, slots=True)
class Param:
    """A named value, drawn once per sample in declaration order (fixed ones hold a Const).

    Uses of a param are ``ParamRef``s, never folded copies, so ``--set`` and sweeps can replace it.
    """

    name: str
    value: Expr
