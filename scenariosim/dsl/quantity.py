"""The algebra of typed values: dimensions through + - * / and distributions, constant folding.

A Quantity is a compiled numeric expression: a spec.values record (``Const`` when it is fixed),
its dimension, the unit it reads in for messages, and where it starts in the file.
"""
from __future__ import annotations

import dataclasses
import operator

from scenariosim.errors import SourceLocation, UnitError
from scenariosim.spec import BinOp, Const, Expr, Neg
from scenariosim.units import Dimension

_FOLD = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


@dataclasses.dataclass(frozen=True, slots=True)
class Quantity:
    expr: Expr
    dimension: Dimension
    unit: str | None          # as written ('km/h'), the SI unit of a derived value, None for a plain number
    location: SourceLocation  # the unit's token for a literal, else the expression's first token

    @property
    def fixed(self) -> bool:
        return isinstance(self.expr, Const)

    @property
    def value(self) -> float:
        """The SI value of a fixed quantity."""
        assert isinstance(self.expr, Const)
        return self.expr.value

    def described(self) -> str:
        """'a length (m)', 'a plain number'."""
        return self.dimension.noun + (f" ({self.unit})" if self.unit and self.dimension.name else "")


def const(value: float, dimension: Dimension, unit: str | None, location: SourceLocation) -> Quantity:
    return Quantity(Const(value, dimension), dimension, unit, location)


def negate(q: Quantity) -> Quantity:
    expr = Const(-q.value, q.dimension) if q.fixed else Neg(q.expr, q.dimension)
    return dataclasses.replace(q, expr=expr)


def combine(op: str, a: Quantity, b: Quantity, at: SourceLocation, start: SourceLocation) -> Quantity:
    """``a op b``; + and - need equal dimensions (a UnitError at the operator ``at``)."""
    if op in "+-":
        if a.dimension != b.dimension:
            message = (f"cannot add {a.described()} and {b.described()}" if op == "+"
                       else f"cannot subtract {b.described()} from {a.described()}")
            raise UnitError(message, location=at)
        dimension, unit = a.dimension, a.unit if a.unit == b.unit else _si(a.dimension)
    else:
        dimension = a.dimension * b.dimension if op == "*" else a.dimension / b.dimension
        unit = _si(dimension)
        if b.fixed and b.dimension.dimensionless:
            unit = a.unit
        elif a.fixed and a.dimension.dimensionless and op == "*":
            unit = b.unit
    if a.fixed and b.fixed:
        if op == "/" and b.value == 0:
            raise UnitError("division by zero", location=at)
        return const(_FOLD[op](a.value, b.value), dimension, unit, start)
    return Quantity(BinOp(op, a.expr, b.expr, dimension), dimension, unit, start)


def same_dimension(what: str, args: list[Quantity]) -> Dimension:
    """The one dimension all of a distribution's arguments share; a UnitError at the first that differs."""
    first = args[0]
    for other in args[1:]:
        if other.dimension != first.dimension:
            raise UnitError(f"{what} needs all arguments in one dimension, got {first.described()} and "
                            f"{other.described()}", location=other.location)
    return first.dimension


def _si(dimension: Dimension) -> str | None:
    return None if dimension.dimensionless else dimension.si
