"""Syntax tree → validated ScenarioSpec in SI units.

Every name resolves against a closed table (the fields of each block, ROAD_GENERATORS,
ACTOR_KINDS, units.UNITS); nothing from the file is ever executed. While compiling, ``where``
maps each spec field path (``actors[1].lane``) to the place in the file that set it, so an error
from ``spec.validate`` is re-raised at that file:line:col.
"""
from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

from lark import Token, Tree

from scenariosim.errors import ScenarioValidationError, SourceLocation, UnitError
from scenariosim.spec import (ACTOR_KINDS, ROAD_GENERATORS, ActorSpec, CameraSpec, EnvironmentSpec,
                              ScenarioSpec, SunSpec, validate)
from scenariosim.units import DIMENSIONS, UNITS, to_si, units_of

Node = Tree | Token
#: the dimension of a plain whole number (spec field metadata uses the same name)
COUNT = "count"


# ---- quantities: the one place that knows units ------------------------------------------------

@dataclasses.dataclass(frozen=True, slots=True)
class Quantity:
    """A value in SI with its dimension (None for a plain number) and the unit it was written in."""

    value: float
    dimension: str | None
    unit: str | None
    location: SourceLocation  # the unit's token, or the number's when it has no unit


def unit_list(dimension: str) -> str:
    """'s, ms, min, h': the SI unit first, then the others that measure ``dimension``."""
    si = DIMENSIONS[dimension]
    return ", ".join([si] + [u for u in units_of(dimension) if u != si])


def expect(q: Quantity, dimension: str, what: str) -> float | int:
    """``q`` as a number of ``dimension`` (COUNT: a plain whole number); UnitError if it has another."""
    if dimension == COUNT:
        if q.dimension is not None:
            raise UnitError(f"{what} needs a plain whole number, got {_a(q.dimension)} ({q.unit})",
                            location=q.location)
        if not q.value.is_integer():
            raise ScenarioValidationError(f"{what} needs a whole number, got {q.value:g}", location=q.location)
        return int(q.value)
    if q.dimension is None:
        raise UnitError(f"{what} needs {_a(dimension)} unit ({unit_list(dimension)}), got a plain number",
                        location=q.location)
    if q.dimension != dimension:
        raise UnitError(f"{what} needs {_a(dimension)}, got {_a(q.dimension)} ({q.unit})", location=q.location)
    return q.value


def _a(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


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
        path = field or ""
        while path not in self.where:
            path = re.sub(r"(\.?\w+|\[\d+\])$", "", path)
        return self.where[path]

    # -- values

    def quantity(self, node: Node, what: str) -> Quantity:
        """Evaluate a numeric expression to a Quantity; unknown units are UnitErrors."""
        if _is(node, "number"):
            return Quantity(float(node.children[0]), None, None, self.loc(node))
        if _is(node, "quantity"):
            number, unit = node.children
            if unit not in UNITS:
                self.fail(unit, unknown("unit", unit, UNITS), UnitError)
            value, dimension = to_si(float(number), str(unit))
            return Quantity(value, dimension, str(unit), self.loc(unit))
        if _is(node, "neg"):
            inner = self.quantity(node.children[1], what)
            return dataclasses.replace(inner, value=-inner.value)
        self.fail(node, f"{what} needs a number, got {self.describe(node)}")

    def value(self, node: Node, dimension: str, what: str, minimum: float | None = None) -> float | int:
        """A number of ``dimension`` in SI, at least ``minimum`` when given."""
        result = expect(self.quantity(node, what), dimension, what)
        if minimum is not None and result < minimum:
            unit = "" if dimension == COUNT else f" {DIMENSIONS[dimension]}"
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
            self.fail(args[0], f"{name} takes a plain value, not a labelled one")
        return args[0]

    def labelled(self, field: Tree, labels: tuple[str, ...], *, required: tuple[str, ...] = (),
                 positional: int = 0) -> tuple[list[Node], dict[str, Node]]:
        """Split ``name: a, label value, …`` into positional values and label → value."""
        name, args = field.children[0], self.args(field)
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
        parts: dict[str, list] = {"road": [], "actor": [], "camera": []}
        builders = {"road": self.road, "actor": self.actor, "camera": self.camera}
        settings: dict[str, Any] = {}
        for statement in statements:
            if statement.data in builders:
                parts[statement.data].append(builders[statement.data](statement, len(parts[statement.data])))
            else:
                self.field(statement, handlers, "", settings)
        self.require(settings, ("seed", "duration", "timestep"), name, f"scenario '{name}'")
        spec = ScenarioSpec(name=str(name), roads=tuple(parts["road"]), actors=tuple(parts["actor"]),
                            cameras=tuple(parts["camera"]), source=self.filename, **settings)
        try:
            return validate(spec)
        except ScenarioValidationError as err:
            raise type(err)(err.message, location=self.locate(err.field), field=err.field) from None

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
        if kind not in ACTOR_KINDS:
            self.fail(kind, unknown("actor kind", kind, ACTOR_KINDS))
        values = self.fields(fields, {"at": self.at, "speed": self.measured("speed")}, prefix, name,
                             f"actor '{name}'", required=("at", "speed"))
        return ActorSpec(name=str(name), kind=str(kind), **values.pop("at"), **values)

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
