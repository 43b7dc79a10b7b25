"""Compiling values: numbers with units, params, attributes, distributions, names and conditions.

``ExpressionCompiler`` holds what every block compiler needs: locations with the source line for
carets, the param scope, and the closed tables names resolve against. Nothing from the file is
ever executed: a name is a param, an attribute, or a key of a table, or it is an error.
"""
from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable
from typing import Any, NoReturn

from lark import Token, Tree

from scenariosim.dsl.quantity import Quantity, combine, const, negate, same_dimension
from scenariosim.errors import ScenarioValidationError, SourceLocation, UnitError, unknown
from scenariosim.spec import Choice, Expr, Normal, ParamRef, Uniform
from scenariosim.spec.behavior import (LIVE_ATTRIBUTES, SIGNALS, AllOf, AnyOf, Compare, Negation, Number, Signal,
                                       SignalOp)
from scenariosim.spec.values import Attr, Integer
from scenariosim.units import DIMENSIONLESS, DIMENSIONS, UNITS, Dimension, to_si, units_of

Node = Tree | Token
#: the dimension of a plain whole number (spec field metadata uses the same name)
COUNT = "count"
#: the dimension of a plain real number (a grade, a ratio)
FRACTION = "fraction"
#: binary operator tree kinds → operator
OPS = {"add": "+", "sub": "-", "mul": "*", "div": "/"}
#: what a value may be: a number (SI) or, where it depends on a random draw, an expression record
Value = float | int | Expr
#: actor attributes readable as sampled initial values → dimension
ACTOR_ATTRIBUTES = {"s": "length", "d": "length", "speed": "speed", "lane": COUNT, "length": "length",
                    "width": "length", "height": "length"}
#: how a message names a value by its tree kind
_KINDS = {"number": "a plain number", "quantity": "a quantity", "neg": "a number", "tuple": "a tuple",
          "size": "an image size", "named": "a labelled value", "clock": "a time of day", "list": "a list",
          "attr": "an attribute", "string": "a quoted path", "pos": "a number"}
DISTRIBUTIONS = ("uniform", "normal", "integer", "choice")


class Cascade(Exception):
    """A reference to something whose own definition already failed: reported once, at the definition."""


@dataclasses.dataclass(frozen=True, slots=True)
class ParamInfo:
    """A param in scope: its dimension (None for a choice of names) and the names a choice offers."""

    dimension: Dimension | None
    unit: str | None
    options: tuple[str, ...] = ()
    line: str = ""                   # where it was declared, for messages ('lib/x.scn:3')


def param_infos(params) -> dict[str, ParamInfo]:
    """Scope entries for a spec's Param records; an alias of a choice param offers that choice's names."""
    out: dict[str, ParamInfo] = {}
    for param in params:
        value = param.value
        if isinstance(value, Choice):
            out[param.name] = ParamInfo(None, None, value.options)
        elif isinstance(value, ParamRef) and value.dimension is None:
            out[param.name] = out.get(value.name, ParamInfo(None, None))
        else:
            out[param.name] = ParamInfo(value.dimension, None if value.dimension is None else value.dimension.si)
    return out


def is_tree(node: Any, kind: str) -> bool:
    return isinstance(node, Tree) and node.data == kind


def dimension_of(name: str) -> Dimension:
    return DIMENSIONLESS if name in (COUNT, FRACTION) else DIMENSIONS[name]


def _a(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


class ExpressionCompiler:
    """Values and conditions of one file. ``params`` maps every param in scope to its ParamInfo."""

    #: deepest expression nesting accepted (a cap, so no input can exhaust the stack)
    MAX_DEPTH = 128

    def __init__(self, filename: str, lines: list[str]) -> None:
        self.filename = filename
        self.lines = lines
        self.params: dict[str, ParamInfo] = {}
        self.declared: dict[str, int] = {}     # every param name of the block → its line (for 'used before')
        self.broken: set[str] = set()          # names whose definition failed: references are silent
        self.roads: dict[str, Any] = {}        # road name → its record (fields may be Expr)
        self.actors: dict[str, Any] = {}       # actor name → kind (str or Expr), as declared so far
        self.in_param = False                  # compiling a param's value (attributes are not drawn yet)
        # which attributes the value being compiled may read, in draw order: None = every one declared
        self.visible_roads: set[str] | None = None
        self.visible_actors: set[str] | None = None
        self.own: str | None = None            # the actor whose own box size (only) may be read
        self.places: dict[str, dict] = {}      # actor → its road, area and arm

    # -- locations and errors

    def loc(self, node: Node) -> SourceLocation:
        if isinstance(node, Tree):
            node = _first_token(node)
        line = node.line or 1
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return SourceLocation(self.filename, line, node.column or 1, text)

    def fail(self, node: Node, message: str, error: type[ScenarioValidationError] = ScenarioValidationError
             ) -> NoReturn:
        raise error(message, location=self.loc(node))

    @staticmethod
    def describe(node: Node) -> str:
        """How a message names a value a field cannot take."""
        if isinstance(node, Token):
            return f"'{node}'"
        if node.data in ("ref", "call", "bare_call"):
            return f"{'the name' if node.data != 'call' else 'a call to'} '{node.children[0]}'"
        return _KINDS.get(node.data, "a value")

    def call(self, node: Node, what: str) -> tuple[Token, list[Node], list[tuple[Token, Node]]]:
        """A call's name, positional arguments and (keyword, value) pairs."""
        if is_tree(node, "bare_call"):
            return node.children[0], [], []
        if not is_tree(node, "call"):
            self.fail(node, f"{what} needs a call like name(…), got {self.describe(node)}")
        name, *args = node.children
        return (name, [a for a in args if not is_tree(a, "kwarg")],
                [tuple(a.children) for a in args if is_tree(a, "kwarg")])

    def keywords(self, name: Token, kwargs: list[tuple[Token, Node]], known: Iterable[str]) -> dict[str, Node]:
        """Keyword arguments as a dict; unknown and repeated keywords are errors."""
        known = tuple(known)
        out: dict[str, Node] = {}
        for key, value in kwargs:
            if key not in known:
                self.fail(key, unknown(f"{name} argument", key, known) if known
                          else f"{name} takes no arguments")
            if key in out:
                self.fail(key, f"argument '{key}' is given twice")
            out[str(key)] = value
        return out

    # -- numeric values

    def quantity(self, node: Node, what: str) -> Quantity:
        """Compile a numeric expression to a Quantity (constant parts folded)."""
        if is_tree(node, "number"):
            return const(float(node.children[0]), DIMENSIONLESS, None, self.loc(node))
        if is_tree(node, "quantity"):
            number, unit = node.children
            if unit == "%":
                return const(float(number) / 100.0, DIMENSIONLESS, "%", self.loc(unit))
            if unit not in UNITS:
                self.fail(unit, unknown("unit", unit, UNITS), UnitError)
            value, dimension = to_si(float(number), str(unit))
            return const(value, dimension, str(unit), self.loc(unit))
        if is_tree(node, "clock"):
            hours, minutes = (int(p) for p in str(node.children[0]).split(":"))
            if hours > 24 or minutes > 59 or (hours == 24 and minutes):
                self.fail(node, f"'{node.children[0]}' is not a time of day (00:00..24:00)")
            return const(hours * 3600.0 + minutes * 60.0, DIMENSIONS["time"], "s", self.loc(node))
        if is_tree(node, "neg"):
            return negate(self.quantity(node.children[1], what))
        if is_tree(node, "pos"):
            return self.quantity(node.children[1], what)
        if isinstance(node, Tree) and node.data in OPS:
            left, op, right = node.children
            return combine(OPS[node.data], self.quantity(left, what), self.quantity(right, what),
                           self.loc(op), self.loc(node))
        if is_tree(node, "ref"):
            return self.param_ref(node.children[0])
        if is_tree(node, "attr"):
            return self.attribute(node)
        if is_tree(node, "call"):
            return self.distribution(node, what)
        self.fail(node, f"{what} needs a number, got {self.describe(node)}")

    def param_ref(self, name: Token) -> Quantity:
        info = self.params.get(name)
        if name in self.broken:
            raise Cascade(name)
        if info is None:
            if name in self.declared:
                self.fail(name, f"param '{name}' is used before its declaration on line {self.declared[name]}")
            if name.startswith("__") or not self.params:
                self.fail(name, f"unknown name '{name}'" + ("" if name.startswith("__") else
                                                              " (no param is declared before it)"))
            self.fail(name, unknown("param", name, self.params))
        if info.dimension is None:
            self.fail(name, f"param '{name}' is a choice of names, not a number")
        return Quantity(ParamRef(str(name), info.dimension), info.dimension, info.unit, self.loc(name))

    def attribute(self, node: Tree) -> Quantity:
        """``ego.s`` (an earlier actor's sampled initial value) or ``main.length`` (a road's argument)."""
        owner, attr = node.children
        if owner in self.broken:
            raise Cascade(owner)
        if self.in_param:
            self.fail(node, f"a param cannot read {owner}.{attr}: params are drawn before roads and actors; "
                            f"write the expression where the value is used")
        if owner in self.roads:
            if self.visible_roads is not None and owner not in self.visible_roads:
                self.fail(node, f"{owner}.{attr} is not drawn yet here: values are drawn roads first (in order), "
                                f"then the environment, actors (in order) and cameras")
            road = self.roads[owner]
            fields = {f.name: f.metadata["dimension"] for f in dataclasses.fields(road) if f.name != "name"}
            if attr not in fields:
                self.fail(attr, unknown(f"attribute of road '{owner}'", attr, fields))
            dimension = dimension_of(fields[attr])
        elif owner in self.actors:
            if attr not in ACTOR_ATTRIBUTES:
                self.fail(attr, unknown(f"attribute of actor '{owner}'", attr, ACTOR_ATTRIBUTES))
            if owner == self.own and attr not in ("length", "width", "height"):
                self.fail(node, f"{owner}.{attr} is this actor's own value, not drawn yet: only its length, width "
                                f"and height can be read here")
            if owner != self.own and self.visible_actors is not None and owner not in self.visible_actors:
                self.fail(node, f"{owner}.{attr} is not drawn yet here: refer to actors declared earlier")
            if attr == "lane" and self.places.get(owner, {}).get("area", "lane") != "lane":
                self.fail(node, f"actor '{owner}' is on a {self.places[owner]['area']}, not on a lane")
            dimension = dimension_of(ACTOR_ATTRIBUTES[attr])
        else:
            known = [*self.roads, *self.actors]
            self.fail(owner, unknown("road or earlier actor", owner, known) if known
                      else f"unknown name '{owner}' (no road or actor is declared before it)")
        unit = None if dimension.dimensionless else dimension.si
        return Quantity(Attr(str(owner), str(attr), dimension), dimension, unit, self.loc(node))

    @contextlib.contextmanager
    def scope(self, roads: Iterable[str] | None, actors: Iterable[str] | None, own: str | None = None):
        """Within the block, attributes may name only these roads and actors (None: any declared)."""
        saved = self.visible_roads, self.visible_actors, self.own
        self.visible_roads = None if roads is None else set(roads)
        self.visible_actors = None if actors is None else set(actors)
        self.own = own
        try:
            yield
        finally:
            self.visible_roads, self.visible_actors, self.own = saved

    def distribution(self, node: Tree, what: str) -> Quantity:
        """uniform(low, high), normal(mean, sd, min: …, max: …), integer(low, high)."""
        name, positional, kwargs = self.call(node, what)
        if name == "choice":
            self.fail(name, "choice(…) picks a name (an actor kind, a colour): use it where a name goes")
        if name in SIGNALS:
            self.fail(name, f"{name}(…) is a live signal: use it in a behaviour's 'until', not here")
        if name not in ("uniform", "normal", "integer"):
            self.fail(name, unknown("function", name, ("uniform", "normal", "integer")))
        usage = {"uniform": "uniform(LOW, HIGH)", "integer": "integer(LOW, HIGH)",
                 "normal": "normal(MEAN, SD, min: LOW, max: HIGH)"}[name]
        if len(positional) != 2 or (name != "normal" and kwargs):
            self.fail(name, f"{name} takes {usage}")
        first, second = (self.quantity(arg, what) for arg in positional)
        bounds = {k: self.quantity(v, what) for k, v in self.keywords(name, kwargs, ("min", "max")).items()}
        dimension = same_dimension(name, [first, second, *bounds.values()])
        low, high = (first, second) if name != "normal" else (bounds.get("min"), bounds.get("max"))
        if low is not None and high is not None and low.fixed and high.fixed and not (
                low.value <= high.value if name != "normal" else low.value < high.value):
            relation = "min < max" if name == "normal" else "low <= high"
            self.fail(node, f"{name} needs {relation}, got {low.value:g} and {high.value:g} {dimension.si}")
        if name == "integer":
            if not dimension.dimensionless:
                self.fail(node, f"integer draws plain whole numbers, got {first.described()}")
            for q, arg in zip((first, second), positional):
                if q.fixed and not q.value.is_integer():
                    self.fail(arg, f"integer needs whole-number bounds, got {q.value:g}")
            return Quantity(Integer(first.expr, second.expr, dimension), dimension, None, self.loc(node))
        if name == "uniform":
            return Quantity(Uniform(first.expr, second.expr, dimension), dimension, first.unit, self.loc(node))
        if second.fixed and second.value <= 0:
            self.fail(positional[1], f"normal needs a positive standard deviation, got {second.value:g} "
                                     f"{dimension.si}")
        expr = Normal(first.expr, second.expr, low and low.expr, high and high.expr, dimension)
        return Quantity(expr, dimension, first.unit, self.loc(node))

    def value(self, node: Node, dimension: str, what: str, minimum: float | None = None,
              maximum: float | None = None) -> Value:
        """A value of ``dimension`` in SI (an Expr where it is not a constant), in [minimum, maximum] when fixed."""
        q = self.quantity(node, what)
        if dimension == COUNT:
            if not q.dimension.dimensionless:
                raise UnitError(f"{what} needs a plain whole number, got {q.described()}", location=q.location)
            if q.fixed and not q.value.is_integer():
                self.fail(node, f"{what} needs a whole number, got {q.value:g}")
            result: Value = int(q.value) if q.fixed else q.expr
        elif dimension == FRACTION:
            if not q.dimension.dimensionless:
                raise UnitError(f"{what} needs a plain number like 0.03 or 3 %, got {q.described()}",
                                location=q.location)
            result = q.value if q.fixed else q.expr
        else:
            want = DIMENSIONS[dimension]
            if q.dimension.dimensionless and want != q.dimension:
                raise UnitError(f"{what} needs {_a(dimension)} unit ({', '.join(units_of(want))}), got a plain "
                                f"number", location=q.location)
            if q.dimension != want:
                raise UnitError(f"{what} needs {want.noun}, got {q.described()}", location=q.location)
            result = q.value if q.fixed else q.expr
        if minimum is not None and not isinstance(result, Expr) and result < minimum:
            unit = "" if dimension in (COUNT, FRACTION) else f" {DIMENSIONS[dimension].si}"
            self.fail(node, f"{what} must be at least {minimum:g}{unit}, got {result:g}{unit}")
        if maximum is not None and not isinstance(result, Expr) and result > maximum:
            unit = "" if dimension in (COUNT, FRACTION) else f" {DIMENSIONS[dimension].si}"
            self.fail(node, f"{what} must be at most {maximum:g}{unit}, got {result:g}{unit}")
        return result

    def fraction(self, node: Node, what: str) -> Value:
        """A plain number in 0..1 (``0.3`` or ``30 %``)."""
        q = self.quantity(node, what)
        if not q.dimension.dimensionless:
            self.fail(node, f"{what} is a fraction like 0.3 or 30 %, got {q.described()}", UnitError)
        if q.fixed and not 0.0 <= q.value <= 1.0:
            self.fail(node, f"{what} must be between 0 and 1 (0 % and 100 %), got {q.value:g}")
        return q.value if q.fixed else q.expr

    def rate(self, node: Node, what: str) -> Value:
        """A precipitation rate like ``10 mm/h`` (a speed: SI m/s)."""
        q = self.quantity(node, what)
        if q.dimension != DIMENSIONS["speed"]:
            raise UnitError(f"{what} is a rate like 10 mm/h, got {q.described()}", location=q.location)
        return q.value if q.fixed else q.expr

    # -- names

    def name_value(self, node: Node, known: Iterable[str], what: str) -> str | Expr:
        """A name from ``known``, a param that is a choice of them, or choice(name: weight, …)."""
        known = tuple(known)
        if is_tree(node, "ref"):
            name = node.children[0]
            info = self.params.get(name)
            if name in self.broken:
                raise Cascade(name)
            if info is not None:
                if info.dimension is not None:
                    self.fail(name, f"param '{name}' is a number, not {_a(what)}")
                if bad := [o for o in info.options if o not in known]:
                    self.fail(name, f"param '{name}' offers {bad[0]!r}, which is no {what} "
                                    f"({unknown(what, bad[0], known)})")
                return ParamRef(str(name), None)
            if name not in known:
                self.fail(name, unknown(what, name, known))
            return str(name)
        if is_tree(node, "call") and node.children[0] == "choice":
            choice = self.choice(node)
            for option, (key, _) in zip(choice.options, self.call(node, what)[2]):
                if option not in known:
                    self.fail(key, unknown(what, option, known))
            return choice
        self.fail(node, f"{what} needs a name like {known[0]}, got {self.describe(node)}")

    def choice(self, node: Tree) -> Choice:
        """choice(a: 2, b: 1): names with positive fixed weights."""
        name, positional, kwargs = self.call(node, "choice")
        if positional or not kwargs:
            self.fail(positional[0] if positional else name, "choice takes name: weight pairs like "
                                                             "choice(car: 2, truck: 1)")
        options: dict[str, float] = {}
        for key, weight in kwargs:
            if key in options:
                self.fail(key, f"'{key}' is given twice")
            q = self.quantity(weight, "choice weight")
            if not q.dimension.dimensionless or not q.fixed:
                self.fail(weight, f"a choice weight is a fixed plain number, got {q.described()}"
                                  f"{'' if q.fixed else ' that is random'}")
            if q.value <= 0:
                self.fail(weight, f"a choice weight must be positive, got {q.value:g}")
            options[str(key)] = q.value
        return Choice(tuple(options), tuple(options.values()))

    # -- conditions

    def condition(self, node: Node, live: bool) -> Any:
        """``a >= b and not c < d or …``. Live conditions (``until``) read signals and actors' current
        values; others (``require``) compare sampled values."""
        if is_tree(node, "any_of") or is_tree(node, "all_of"):
            parts = [self.condition(c, live) for c in node.children]
            kind = AnyOf if node.data == "any_of" else AllOf
            flat = [q for p in parts for q in (p.conditions if isinstance(p, kind) else (p,))]
            return kind(tuple(flat))
        if is_tree(node, "negate"):
            return Negation(self.condition(node.children[0], live))
        if not is_tree(node, "comparison"):
            self.fail(node, f"a condition compares two values with < <= > >= == !=, got {self.describe(node)}")
        left, op, right = node.children
        if live:
            (a, da), (b, db) = self.signal(left), self.signal(right)
            if da != db:
                self.fail(op, f"cannot compare {da.noun} with {db.noun}", UnitError)
            if not (da.dimensionless or da.name):
                self.fail(op, f"a condition compares lengths, times, speeds, accelerations, angles or plain "
                              f"numbers, not {da.noun}")
            return Compare(str(op), a, b)
        a, b = self.quantity(left, "a requirement"), self.quantity(right, "a requirement")
        if a.dimension != b.dimension:
            self.fail(op, f"cannot compare {a.described()} with {b.described()}", UnitError)
        return Compare(str(op), a.expr, b.expr)

    def signal(self, node: Node) -> tuple[Any, Dimension]:
        """A live value: a signal call, an actor's current attribute, or arithmetic over numbers and them."""
        if isinstance(node, Tree) and node.data in OPS:
            left, op, right = node.children
            (a, da), (b, db) = self.signal(left), self.signal(right)
            symbol = OPS[node.data]
            if symbol in "+-" and da != db:
                self.fail(op, f"cannot {'add' if symbol == '+' else 'subtract'} {da.noun} and {db.noun}", UnitError)
            dimension = da if symbol in "+-" else da * db if symbol == "*" else da / db
            return SignalOp(symbol, a, b), dimension
        if is_tree(node, "pos"):
            return self.signal(node.children[1])
        if is_tree(node, "neg"):
            a, da = self.signal(node.children[1])
            if isinstance(a, Number) and not isinstance(a.value, Expr):
                return Number(-a.value, a.dimension), da
            return SignalOp("-", Number(0.0, _dimension_name(da)), a), da
        if is_tree(node, "attr"):
            owner, attr = node.children
            if owner not in self.actors:
                self.fail(owner, unknown("actor", owner, self.actors))
            if attr not in LIVE_ATTRIBUTES:
                self.fail(attr, unknown("live attribute", attr, LIVE_ATTRIBUTES))
            return Signal(str(attr), (str(owner),)), DIMENSIONS[LIVE_ATTRIBUTES[attr]]
        name = node.children[0] if is_tree(node, "ref") or is_tree(node, "call") else None
        if is_tree(node, "ref") and name in self.params:
            if name in SIGNALS and SIGNALS[name][0] == 0:
                self.fail(node, f"'{name}' is both a param and a live signal here: rename the param")
            name = None                         # a param (``gap`` alone is no signal: that one is gap(a, b))
        if name in SIGNALS:
            arity, dimension = SIGNALS[name]
            _, positional, kwargs = self.call(node, "signal") if is_tree(node, "call") else (name, [], [])
            if kwargs or len(positional) != arity:
                usage = f"{name}({', '.join(['ACTOR'] * arity)})" if arity else str(name)
                self.fail(name, f"{name} takes {arity} actor name{'s' * (arity != 1)}: {usage}")
            actors = tuple(self.actor_name(a) for a in positional)
            return Signal(str(name), actors), DIMENSIONS[dimension]
        q = self.quantity(node, "a condition")
        return Number(q.value if q.fixed else q.expr, _dimension_name(q.dimension)), q.dimension

    def actor_name(self, node: Node) -> str:
        if not is_tree(node, "ref"):
            self.fail(node, f"expected an actor name, got {self.describe(node)}")
        name = node.children[0]
        if name not in self.actors:
            self.fail(name, unknown("actor", name, self.actors))
        return str(name)


def _dimension_name(dimension: Dimension) -> str:
    if dimension.dimensionless:
        return COUNT
    return dimension.name or dimension.si


def _first_token(tree: Tree) -> Token:
    """The leftmost token under ``tree`` (iteratively: trees may be deep)."""
    node: Node = tree
    while isinstance(node, Tree):
        if not node.children:
            return Token("EMPTY", "", line=1, column=1)
        node = node.children[0]
    return node


def tree_depth_error(tree: Tree) -> Node | None:
    """The first node nested deeper than MAX_DEPTH levels of expression, or None (iterative walk)."""
    stack: list[tuple[Node, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > ExpressionCompiler.MAX_DEPTH:
            return node
        if isinstance(node, Tree):
            step = 1 if node.data in (*OPS, "neg", "pos", "call", "kwarg", "tuple", "list", "any_of", "all_of",
                                      "negate", "comparison") else 0
            stack.extend((child, depth + step) for child in node.children)
    return None
