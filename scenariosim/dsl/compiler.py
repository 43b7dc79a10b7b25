"""Syntax tree → validated ScenarioSpec in SI units.

Every name resolves against a closed table (the fields of each block, ROAD_GENERATORS,
ACTOR_KINDS, units.UNITS); nothing from the file is ever executed. While compiling, ``where``
maps each spec field path (``actors[1].lane``) to the place in the file that set it, so an error
from ``spec.validate`` is re-raised at that file:line:col.
"""
from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

from lark import Token, Tree

from scenariosim.dsl.quantity import Quantity, combine, const, negate, same_dimension
from scenariosim.errors import ScenarioValidationError, SourceLocation, UnitError
from scenariosim.spec import (ACTOR_KINDS, ROAD_GENERATORS, ActorSpec, CameraSpec, Choice, EnvironmentSpec, Expr,
                              Normal, Param, ParamRef, ScenarioSpec, SunSpec, Uniform, locate, validate)
from scenariosim.units import DIMENSIONLESS, DIMENSIONS, UNITS, Dimension, to_si, units_of

Node = Tree | Token
#: the dimension of a plain whole number (spec field metadata uses the same name)
COUNT = "count"
#: binary operator tree kinds → operator
_OPS = {"add": "+", "sub": "-", "mul": "*", "div": "/"}
#: what a value may be: a number (SI) or, where it depends on a random draw, an expression record
Value = float | int | Expr


# ---- quantities: checking a compiled expression against the dimension a field needs -------------

def unit_list(dimension: Dimension) -> str:
    """'s, ms, min, h': the SI unit first, then the others that measure ``dimension``."""
    return ", ".join(units_of(dimension))


def expect(q: Quantity, dimension: str, what: str) -> Value:
    """``q`` as a value of ``dimension`` (COUNT: a fixed plain whole number); UnitError if it has another."""
    if dimension == COUNT:
        if not q.dimension.dimensionless:
            raise UnitError(f"{what} needs a plain whole number, got {q.described()}", location=q.location)
        if not q.fixed:
            raise ScenarioValidationError(f"{what} needs a fixed whole number, not a random one",
                                          location=q.location)
        if not q.value.is_integer():
            raise ScenarioValidationError(f"{what} needs a whole number, got {q.value:g}", location=q.location)
        return int(q.value)
    want = DIMENSIONS[dimension]
    if q.dimension.dimensionless:
        raise UnitError(f"{what} needs {_a(dimension)} unit ({unit_list(want)}), got a plain number",
                        location=q.location)
    if q.dimension != want:
        raise UnitError(f"{what} needs {want.noun}, got {q.described()}", location=q.location)
    return q.value if q.fixed else q.expr


def _a(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def _leftmost(node: Node) -> Node:
    while isinstance(node, Tree) and node.data in _OPS:
        node = node.children[0]
    return node


def _as_subtraction(node: Tree) -> Tree | None:
    """``speed: v - 5 km/h`` parses as label ``v`` with value ``-5 km/h``: the sum ``v + (-5 km/h)``."""
    label, value = node.children
    minus = _leftmost(value)
    if not _is(minus, "neg"):
        return None
    plus = Token.new_borrow_pos("PLUS", "+", minus.children[0])
    return Tree("add", [Tree("ref", [label]), plus, value])


# ---- helpers -------------------------------------------------------------------------------------

def unknown(what: str, name: str, known: Iterable[str]) -> str:
    """"unknown field 'durtion' (did you mean 'duration'?)", or the known names when none is close."""
    known = list(known)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known)}"
    return f"unknown {what} '{name}' ({hint})"


def _is(node: Node, kind: str) -> bool:
    return isinstance(node, Tree) and node.data == kind


def _path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


Handler = Callable[[Tree, str], Any]
#: how a message names a value by its tree kind
_KINDS = {"number": "a plain number", "quantity": "a quantity", "neg": "a number", "tuple": "a tuple",
          "size": "an image size", "named": "a labelled value"}


class _Compiler:
    """Walks one scenario tree; ``where`` collects field path → location as it goes."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.where: dict[str, SourceLocation] = {}
        self.params: dict[str, Quantity | Choice] = {}   # declared so far, in order
        self.declared: dict[str, int] = {}                # every param name in the file → its first line
        self.random: list[Param] = []                     # params whose value depends on a draw

    # -- locations and errors

    def loc(self, node: Node) -> SourceLocation:
        if isinstance(node, Tree):
            node = next(node.scan_values(lambda v: isinstance(v, Token)))
        return SourceLocation(self.filename, node.line, node.column)

    def fail(self, node: Node, message: str, error: type[ScenarioValidationError] = ScenarioValidationError
             ) -> NoReturn:
        raise error(message, location=self.loc(node))

    def locate(self, field: str | None) -> SourceLocation:
        """The location that set ``field`` or, failing that, its nearest recorded parent."""
        return locate(self.where.items(), field)

    # -- values

    def quantity(self, node: Node, what: str) -> Quantity:
        """Compile a numeric expression to a Quantity (folded to a Const when it is fixed)."""
        if _is(node, "number"):
            return const(float(node.children[0]), DIMENSIONLESS, None, self.loc(node))
        if _is(node, "quantity"):
            number, unit = node.children
            if unit not in UNITS:
                self.fail(unit, unknown("unit", unit, UNITS), UnitError)
            value, dimension = to_si(float(number), str(unit))
            return const(value, dimension, str(unit), self.loc(unit))
        if _is(node, "neg"):
            return negate(self.quantity(node.children[1], what))
        if isinstance(node, Tree) and node.data in _OPS:
            left, op, right = node.children
            return combine(_OPS[node.data], self.quantity(left, what), self.quantity(right, what),
                           self.loc(op), self.loc(node))
        if _is(node, "ref"):
            return self.param_ref(node.children[0])
        if _is(node, "call"):
            return self.distribution(node, what)
        self.fail(node, f"{what} needs a number, got {self.describe(node)}")

    def param_ref(self, name: Token) -> Quantity:
        param = self.params.get(name)
        if param is None:
            if name in self.declared:
                self.fail(name, f"param '{name}' is used before its declaration on line {self.declared[name]}")
            if not self.params:
                self.fail(name, f"unknown name '{name}' (no param is declared before it)")
            self.fail(name, unknown("param", name, self.params))
        if isinstance(param, Choice):
            self.fail(name, f"param '{name}' is a choice of actor kinds, not a number")
        if param.fixed:
            return dataclasses.replace(param, location=self.loc(name))
        return Quantity(ParamRef(str(name), param.dimension), param.dimension, param.unit, self.loc(name))

    def distribution(self, node: Tree, what: str) -> Quantity:
        """uniform(low, high) or normal(mean, sd, min: …, max: …): arguments share one dimension."""
        name, positional, kwargs = self.call(node, what)
        if name == "choice":
            self.fail(name, "choice(…) picks an actor kind: write it after 'actor NAME:' or in a param")
        if name not in ("uniform", "normal"):
            self.fail(name, unknown("function", name, ("uniform", "normal")))
        usage = "uniform(LOW, HIGH)" if name == "uniform" else "normal(MEAN, SD, min: LOW, max: HIGH)"
        if len(positional) != 2 or (name == "uniform" and kwargs):
            self.fail(name, f"{name} takes {usage}")
        first, second = (self.quantity(arg, what) for arg in positional)
        bounds: dict[str, Quantity] = {}
        for key, value in kwargs:
            if key not in ("min", "max"):
                self.fail(key, unknown("normal argument", key, ("min", "max")))
            if key in bounds:
                self.fail(key, f"argument '{key}' is given twice")
            bounds[str(key)] = self.quantity(value, what)
        dimension = same_dimension(name, [first, second, *bounds.values()])
        low, high = (first, second) if name == "uniform" else (bounds.get("min"), bounds.get("max"))
        if low is not None and high is not None and low.fixed and high.fixed and not (
                low.value <= high.value if name == "uniform" else low.value < high.value):
            relation = "low <= high" if name == "uniform" else "min < max"
            self.fail(node, f"{name} needs {relation}, got {low.value:g} and {high.value:g} {dimension.si}")
        if name == "uniform":
            expr: Expr = Uniform(first.expr, second.expr, dimension)
        else:
            if second.fixed and second.value <= 0:
                self.fail(positional[1], f"normal needs a positive standard deviation, got {second.value:g} "
                                         f"{dimension.si}")
            expr = Normal(first.expr, second.expr, low and low.expr, high and high.expr, dimension)
        return Quantity(expr, dimension, first.unit, self.loc(node))

    def choice(self, node: Tree) -> Choice:
        """choice(car: 2, truck: 1): actor kinds with positive fixed weights."""
        name, positional, kwargs = self.call(node, "actor kind")
        if name != "choice":
            self.fail(name, "an actor kind is a name like car, or choice(car: 2, truck: 1)")
        if positional or not kwargs:
            self.fail(positional[0] if positional else name, "choice takes kind: weight pairs like "
                                                             "choice(car: 2, truck: 1)")
        options: dict[str, float] = {}
        for kind, weight in kwargs:
            if kind not in ACTOR_KINDS:
                self.fail(kind, unknown("actor kind", kind, ACTOR_KINDS))
            if kind in options:
                self.fail(kind, f"kind '{kind}' is given twice")
            q = self.quantity(weight, "choice weight")
            if not q.dimension.dimensionless or not q.fixed:
                self.fail(weight, f"a choice weight is a fixed plain number, got {q.described()}"
                                  f"{'' if q.fixed else ' that is random'}")
            if q.value <= 0:
                self.fail(weight, f"a choice weight must be positive, got {q.value:g}")
            options[str(kind)] = q.value
        return Choice(tuple(options), tuple(options.values()))

    def value(self, node: Node, dimension: str, what: str, minimum: float | None = None) -> Value:
        """A value of ``dimension`` in SI (or its expression where random), at least ``minimum`` when fixed."""
        result = expect(self.quantity(node, what), dimension, what)
        if minimum is not None and not isinstance(result, Expr) and result < minimum:
            unit = "" if dimension == COUNT else f" {DIMENSIONS[dimension].si}"
            self.fail(node, f"{what} must be at least {minimum:g}{unit}, got {result:g}{unit}")
        return result

    @staticmethod
    def describe(node: Tree) -> str:
        """How a message names a value the field cannot take."""
        if node.data in ("ref", "call"):
            return f"{'the name' if node.data == 'ref' else 'a call to'} '{node.children[0]}'"
        return _KINDS[node.data]

    # -- fields

    def args(self, field: Tree) -> list[Node]:
        name = field.children[0]
        if field.data == "section":
            self.fail(name, f"'{name}' takes a value on the same line, not an indented block")
        return field.children[1:]

    def one(self, field: Tree) -> Node:
        name, args = field.children[0], self.args(field)
        if len(args) > 1:
            self.fail(args[1], f"{name} takes one value, got {len(args)}")
        if _is(args[0], "named"):
            if (subtraction := _as_subtraction(args[0])) is not None:
                return subtraction
            self.fail(args[0], f"{name} takes a plain value, not a labelled one")
        return args[0]

    def labelled(self, field: Tree, labels: tuple[str, ...], *, required: tuple[str, ...] = (),
                 positional: int = 0) -> tuple[list[Node], dict[str, Node]]:
        """Split ``name: a, label value, …`` into positional values and label → value."""
        name, args = field.children[0], self.args(field)
        args = [_as_subtraction(a) or a if _is(a, "named") and a.children[0] not in labels else a for a in args]
        values = [a for a in args if not _is(a, "named")]
        if len(values) != positional:
            self.fail(values[positional] if len(values) > positional else name,
                      f"{name} takes {positional or 'no'} unlabelled value{'s' * (positional != 1)}, "
                      f"got {len(values)}")
        named: dict[str, Node] = {}
        for label, value in (a.children for a in args if _is(a, "named")):
            if label not in labels:
                self.fail(label, unknown(f"{name} keyword", label, labels))
            if label in named:
                self.fail(label, f"'{label}' is given twice")
            named[str(label)] = value
        if missing := [r for r in required if r not in named]:
            self.fail(name, f"{name} needs {', '.join(repr(m) for m in missing)}")
        return values, named

    def measured(self, dimension: str) -> Handler:
        """A handler for a one-value field of ``dimension``."""
        return lambda field, prefix: self.value(self.one(field), dimension, str(field.children[0]))

    def fields(self, nodes: Iterable[Tree], handlers: dict[str, Handler], prefix: str, owner: Token,
               title: str, required: tuple[str, ...] = ()) -> dict[str, Any]:
        """Run each field through its handler; unknown, duplicate and missing fields are errors."""
        values: dict[str, Any] = {}
        for node in nodes:
            self.field(node, handlers, prefix, values)
        self.require(values, required, owner, title)
        return values

    def require(self, values: dict[str, Any], required: tuple[str, ...], owner: Token, title: str) -> None:
        if missing := [r for r in required if r not in values]:
            self.fail(owner, f"{title} is missing required field{'s' * (len(missing) > 1)}: {', '.join(missing)}")

    def field(self, node: Tree, handlers: dict[str, Handler], prefix: str, values: dict[str, Any]) -> None:
        name = node.children[0]
        if name not in handlers:
            self.fail(name, unknown("field", name, handlers))
        path = _path(prefix, name)
        if name in values:
            self.fail(name, f"field '{name}' is set twice (first on line {self.where[path].line})")
        self.where[path] = self.loc(node.children[1] if len(node.children) > 1 else name)
        values[str(name)] = handlers[name](node, prefix)

    def call(self, node: Node, what: str) -> tuple[Token, list[Node], list[tuple[Token, Node]]]:
        """A call's name, positional arguments and (keyword, value) pairs."""
        if not _is(node, "call"):
            self.fail(node, f"{what} needs a call like name(…), got {self.describe(node)}")
        name, *args = node.children
        return (name, [a for a in args if not _is(a, "kwarg")],
                [tuple(a.children) for a in args if _is(a, "kwarg")])

    # -- the scenario

    def scenario(self, node: Tree) -> ScenarioSpec:
        name, *statements = node.children
        self.where[""] = self.loc(name)
        handlers = {"seed": lambda f, p: self.value(self.one(f), COUNT, "seed", minimum=0),
                    "duration": self.measured("time"), "timestep": self.measured("time"),
                    "environment": self.environment}
        for statement in statements:
            if statement.data == "param":
                self.declared.setdefault(str(statement.children[0]), statement.children[0].line)
        parts: dict[str, list] = {"road": [], "actor": [], "camera": []}
        builders = {"road": self.road, "actor": self.actor, "camera": self.camera}
        settings: dict[str, Any] = {}
        for statement in statements:
            if statement.data == "param":
                self.param(statement)
            elif statement.data in builders:
                parts[statement.data].append(builders[statement.data](statement, len(parts[statement.data])))
            else:
                self.field(statement, handlers, "", settings)
        self.require(settings, ("seed", "duration", "timestep"), name, f"scenario '{name}'")
        spec = ScenarioSpec(name=str(name), roads=tuple(parts["road"]), actors=tuple(parts["actor"]),
                            cameras=tuple(parts["camera"]), source=self.filename, params=tuple(self.random),
                            locations=tuple(self.where.items()), **settings)
        try:
            return validate(spec)
        except ScenarioValidationError as err:
            raise type(err)(err.message, location=self.locate(err.field), field=err.field) from None

    def param(self, node: Tree) -> None:
        """``param NAME = EXPR``: fixed params fold into their uses; random ones go to spec.params."""
        name, value = node.children
        if name in self.params:
            self.fail(name, f"param '{name}' is declared twice (first on line {self.declared[name]})")
        self.where[f"params.{name}"] = self.loc(value)
        if _is(value, "call") and value.children[0] == "choice":
            self.params[str(name)] = choice = self.choice(value)
            self.random.append(Param(str(name), choice))
            return
        q = self.quantity(value, f"param '{name}'")
        self.params[str(name)] = q
        if not q.fixed:
            self.random.append(Param(str(name), q.expr))

    def environment(self, node: Tree, prefix: str) -> EnvironmentSpec:
        name, *fields = node.children
        if node.data != "section":
            self.fail(name, "environment is a block: put sun and fog on indented lines below 'environment:'")
        values = self.fields(fields, {"sun": self.sun, "fog": self.fog}, "environment", name, "environment")
        if "fog" in values:
            values["fog_visual_range"] = values.pop("fog")
        return EnvironmentSpec(**values)

    def sun(self, field: Tree, prefix: str) -> SunSpec:
        _, named = self.labelled(field, ("elevation", "azimuth"))
        return SunSpec(**{label: self.value(v, "angle", label) for label, v in named.items()})

    def fog(self, field: Tree, prefix: str) -> float:
        _, named = self.labelled(field, ("visual_range",), required=("visual_range",))
        return self.value(named["visual_range"], "length", "visual_range")

    def road(self, node: Tree, index: int):
        name, call = node.children
        prefix = f"roads[{index}]"
        self.where[prefix] = self.where[f"{prefix}.name"] = self.loc(name)
        generator, positional, kwargs = self.call(call, "road")
        if generator not in ROAD_GENERATORS:
            self.fail(generator, unknown("road generator", generator, ROAD_GENERATORS))
        if positional:
            self.fail(positional[0], f"{generator}() takes named arguments like 'length: 1 km'")
        params = {f.name: f for f in dataclasses.fields(ROAD_GENERATORS[generator]) if f.name != "name"}
        args: dict[str, Any] = {}
        for key, value in kwargs:
            if key not in params:
                self.fail(key, unknown(f"{generator} argument", key, params))
            if key in args:
                self.fail(key, f"argument '{key}' is given twice")
            self.where[f"{prefix}.{key}"] = self.loc(value)
            meta = params[key].metadata
            args[str(key)] = self.value(value, meta["dimension"], str(key), meta.get("minimum"))
        if missing := [k for k, f in params.items() if k not in args and f.default is dataclasses.MISSING]:
            self.fail(generator, f"{generator}() is missing required argument{'s' * (len(missing) > 1)}: "
                                 f"{', '.join(missing)}")
        return ROAD_GENERATORS[generator](name=str(name), **args)

    def actor(self, node: Tree, index: int) -> ActorSpec:
        name, kind, *fields = node.children
        prefix = f"actors[{index}]"
        self.where[prefix] = self.where[f"{prefix}.name"] = self.loc(name)
        self.where[f"{prefix}.kind"] = self.loc(kind)
        if isinstance(kind, Tree):
            kind = self.choice(kind)
        elif isinstance(self.params.get(kind), Choice):
            kind = ParamRef(str(kind), None)
        elif kind in self.params:
            self.fail(kind, f"param '{kind}' is a number, not an actor kind")
        elif kind not in ACTOR_KINDS:
            self.fail(kind, unknown("actor kind", kind, ACTOR_KINDS))
        values = self.fields(fields, {"at": self.at, "speed": self.measured("speed")}, prefix, name,
                             f"actor '{name}'", required=("at", "speed"))
        return ActorSpec(name=str(name), kind=kind if isinstance(kind, Expr) else str(kind), **values.pop("at"),
                         **values)

    def at(self, field: Tree, prefix: str) -> dict[str, Any]:
        """``at: lane(ROAD, N), s LENGTH`` → road, lane, s."""
        (lane,), named = self.labelled(field, ("s",), required=("s",), positional=1)
        function, args, kwargs = self.call(lane, "at")
        if function != "lane":
            self.fail(function, unknown("position", function, ("lane",)))
        if kwargs or len(args) != 2 or not _is(args[0], "ref"):
            self.fail(function, "lane() takes a road name and a lane number: lane(main, 2)")
        road, number = args
        self.where[f"{prefix}.road"], self.where[f"{prefix}.lane"] = self.loc(road), self.loc(number)
        self.where[f"{prefix}.s"] = self.loc(named["s"])
        return {"road": str(road.children[0]), "lane": self.value(number, COUNT, "lane"),
                "s": self.value(named["s"], "length", "s")}

    def camera(self, node: Tree, index: int) -> CameraSpec:
        name, mount, *fields = node.children
        prefix = f"cameras[{index}]"
        self.where[prefix] = self.where[f"{prefix}.name"] = self.loc(name)
        self.where[f"{prefix}.mount"] = self.loc(mount)
        handlers = {"position": self.position, "yaw": self.measured("angle"), "pitch": self.measured("angle"),
                    "fov": self.measured("angle"), "size": self.size, "rate": self.measured("frequency")}
        values = self.fields(fields, handlers, prefix, name, f"camera '{name}'")
        if "size" in values:
            values["width"], values["height"] = values.pop("size")
        return CameraSpec(name=str(name), mount=str(mount), **values)

    def position(self, field: Tree, prefix: str) -> tuple[float, float, float]:
        node = self.one(field)
        if not _is(node, "tuple") or len(node.children) != 3:
            self.fail(node, f"position needs (x, y, z) lengths, got {self.describe(node)}")
        return tuple(self.value(v, "length", "position") for v in node.children)

    def size(self, field: Tree, prefix: str) -> tuple[int, int]:
        node = self.one(field)
        if not _is(node, "size"):
            self.fail(node, f"size needs WIDTHxHEIGHT in pixels like 960x540, got {self.describe(node)}")
        width, height = str(node.children[0]).split("x")
        return int(width), int(height)


def compile_tree(tree: Tree, filename: str = "<string>") -> ScenarioSpec:
    """The validated ScenarioSpec a parsed scenario file describes; errors carry file:line:col."""
    return _Compiler(filename).scenario(tree)
