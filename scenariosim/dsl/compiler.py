"""Syntax tree of one ``scenario`` block → validated ScenarioSpec in SI units.

Every name resolves against a closed table (the fields of each block, ROAD_GENERATORS, the
catalogues, units.UNITS); nothing from the file is ever executed. While compiling, ``where`` maps
each spec field path (``actors[1].lane``) to the place in the file that set it, so an error from
``spec.validate`` or ``sample`` is re-raised at that file:line:col. Errors in one statement do not
stop the others: all are gathered and raised together as ScenarioErrors.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from lark import Token, Tree

from scenariosim.dsl.behaviors import BehaviorCompiler
from scenariosim.dsl.expressions import COUNT, FRACTION, Cascade, Node, ParamInfo, Value, is_tree
from scenariosim.errors import (ScenarioErrors, ScenarioSimError, ScenarioValidationError, SourceLocation, UnitError,
                               raise_all, unknown)
from scenariosim.spec import (ROAD_GENERATORS, ActorSpec, BinOp, CameraSpec, Const, EnvironmentSpec, Expr,
                              Param, ParamRef, ScenarioSpec, SunSpec, locate, validate)
from scenariosim.spec.catalogue import ACTOR_KINDS, COLORS, DATASET_FORMATS, LABEL_KINDS
from scenariosim.spec.scenario import CAMERA_VIEWS, DYNAMICS, OutputSpec, Requirement
from scenariosim.spec.sun import sun_position
from scenariosim.spec.validate import MAX_DISTORTION, MAX_EXPOSURE, MAX_MESH_BYTES, MAX_SHUTTER, MESH_SUFFIXES
from scenariosim.spec.values import Attr, LaneOffset, Neg
from scenariosim.units import DIMENSIONLESS, DIMENSIONS

Handler = Any   # (field tree, path prefix) → value


def _path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _leftmost(node: Node) -> Node:
    while isinstance(node, Tree) and node.data in ("add", "sub", "mul", "div"):
        node = node.children[0]
    return node


def _as_subtraction(node: Tree) -> Tree | None:
    """``speed: v - 5 km/h`` parses as label ``v`` with value ``-5 km/h``: the sum ``v + (-5 km/h)``
    (and ``v + 5 km/h`` as ``v`` with ``+5 km/h``: ``v + (+5 km/h)``)."""
    label, value = node.children
    sign = _leftmost(value)
    if not (is_tree(sign, "neg") or is_tree(sign, "pos")):
        return None
    plus = Token.new_borrow_pos("PLUS", "+", sign.children[0])
    return Tree("add", [Tree("ref", [label]), plus, value])


class ScenarioCompiler(BehaviorCompiler):
    """Walks one scenario tree. ``globals`` are the file's (and its imports') shared params; ``folder`` is
    where the file's relative paths (``mesh:``) resolve (default: the file's folder, or the working folder
    for text without a file)."""

    def __init__(self, filename: str, lines: list[str], globals_: dict[str, tuple[Param, ParamInfo]],
                 broken: set[str] = frozenset(), folder: Path | None = None) -> None:
        super().__init__(filename, lines)
        self.folder = folder if folder is not None else \
            Path(filename).parent if not filename.startswith("<") else Path.cwd()
        self.broken |= set(broken)             # shared params whose own definition failed
        self.where: dict[str, SourceLocation] = {}
        self.errors: list[ScenarioSimError] = []
        self.param_records: list[Param] = [p for p, _ in globals_.values()]
        self.params.update({name: info for name, (_, info) in globals_.items()})
        self.global_names = dict(globals_)
        self.current = ""                       # the actor being compiled

    # -- statement-level error gathering

    def attempt(self, node: Node, names: Iterable[str], work) -> Any:
        """Run ``work()``; a ScenarioSimError is kept and ``names`` are marked broken. Returns None then."""
        try:
            return work()
        except Cascade:
            pass
        except ScenarioErrors as err:
            self.errors.extend(err.errors)
        except ScenarioSimError as err:
            self.errors.append(err)
        self.broken.update(names)
        return None

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
        if is_tree(args[0], "named"):
            if (subtraction := _as_subtraction(args[0])) is not None:
                return subtraction
            self.fail(args[0], f"{name} takes a plain value, not a labelled one")
        return args[0]

    def labelled(self, field: Tree, labels: tuple[str, ...], *, required: tuple[str, ...] = (),
                 positional: int | None = 0) -> tuple[list[Node], dict[str, Node]]:
        """Split ``name: a, label value, …`` into unlabelled values and label → value."""
        name, args = field.children[0], self.args(field)
        args = [_as_subtraction(a) or a if is_tree(a, "named") and a.children[0] not in labels else a for a in args]
        values = [a for a in args if not is_tree(a, "named")]
        if positional is not None and len(values) != positional:
            self.fail(values[positional] if len(values) > positional else name,
                      f"{name} takes {positional or 'no'} unlabelled value{'s' * (positional != 1)}, "
                      f"got {len(values)}")
        named: dict[str, Node] = {}
        for label, value in (a.children for a in args if is_tree(a, "named")):
            if label not in labels:
                self.fail(label, unknown(f"{name} keyword", label, labels))
            if label in named:
                self.fail(label, f"'{label}' is given twice")
            named[str(label)] = value
        if missing := [r for r in required if r not in named]:
            self.fail(name, f"{name} needs {', '.join(repr(m) for m in missing)}")
        return values, named

    def measured(self, dimension: str, minimum: float | None = None) -> Handler:
        """A handler for a one-value field of ``dimension``."""
        return lambda field, prefix: self.value(self.one(field), dimension, str(field.children[0]), minimum)

    def fields(self, nodes: Iterable[Tree], handlers: dict[str, Handler], prefix: str, owner: Token,
               title: str, required: tuple[str, ...] = ()) -> dict[str, Any]:
        """Run each field through its handler; unknown, duplicate and missing fields are errors."""
        values: dict[str, Any] = {}
        for node in nodes:
            self.field(node, handlers, prefix, values)
        self.require_fields(values, required, owner, title)
        return values

    def require_fields(self, values: dict[str, Any], required: tuple[str, ...], owner: Token, title: str) -> None:
        if missing := [r for r in required if r not in values]:
            self.fail(owner, f"{title} is missing required field{'s' * (len(missing) > 1)}: {', '.join(missing)}")

    def field(self, node: Tree, handlers: dict[str, Handler], prefix: str, values: dict[str, Any]) -> None:
        name = node.children[0]
        if name not in handlers:
            self.fail(name, unknown("field", name, handlers))
        path = _path(prefix, str(name))
        if name in values:
            self.fail(name, f"field '{name}' is set twice (first on line {self.where[path].line})")
        self.where[path] = self.loc(node.children[1] if len(node.children) > 1 else name)
        values[str(name)] = handlers[name](node, prefix)

    def names(self, field: Tree, known: tuple[str, ...], what: str) -> tuple[str, ...]:
        """``labels: a, b, c`` — a list of names from ``known``, each once."""
        out: list[str] = []
        for arg in self.args(field):
            if not is_tree(arg, "ref"):
                self.fail(arg, f"{field.children[0]} lists names like {known[0]}, got {self.describe(arg)}")
            name = arg.children[0]
            if name not in known:
                self.fail(name, unknown(what, name, known))
            if name in out:
                self.fail(name, f"'{name}' is listed twice")
            out.append(str(name))
        return tuple(out)

    # -- the scenario

    def scenario(self, node: Tree) -> ScenarioSpec:
        name, *statements = node.children
        self.where[""] = self.loc(name)
        handlers = {"seed": self.seed, "duration": self.measured("time"), "timestep": self.measured("time"),
                    "max_attempts": self.literal_count, "environment": self.environment,
                    "output": self.output}
        for statement in statements:
            if statement.data == "param":
                self.declared.setdefault(str(statement.children[0]), statement.children[0].line)
        parts: dict[str, list] = {"road": [], "actor": [], "camera": [], "require": []}
        builders = {"road": self.road, "actor": self.actor, "camera": self.camera, "require": self.requirement}
        settings: dict[str, Any] = {}
        for statement in statements:
            kind = statement.data
            if kind == "param":
                self.attempt(statement, [statement.children[0]], lambda s=statement: self.param(s))
            elif kind in builders:
                index = len(parts[kind])
                names = [statement.children[0]] if kind != "require" else []
                built = self.attempt(statement, names, lambda s=statement, k=kind, i=index: builders[k](s, i))
                if built is not None:
                    parts[kind].append(built)
            else:       # drawn before the roads (seed, duration …) or after them (environment)
                roads = list(self.roads) if statement.children[0] == "environment" else []
                with self.scope(roads, ()):
                    self.attempt(statement, [], lambda s=statement: self.field(s, handlers, "", settings))
        if not self.errors:     # a failed field line already explains a missing field
            self.attempt(name, [], lambda: self.require_fields(settings, ("seed", "duration", "timestep"), name,
                                                                 f"scenario '{name}'"))
        actors = self.attempt(name, [], lambda: self.behaviors(parts["actor"]))
        raise_all(sorted(self.errors, key=error_order))
        spec = ScenarioSpec(name=str(name), roads=tuple(parts["road"]), actors=tuple(actors),
                            cameras=tuple(parts["camera"]), requires=tuple(parts["require"]), source=self.filename,
                            params=tuple(self.param_records), locations=tuple(self.where.items()), **settings)
        try:
            return validate(spec)
        except ScenarioValidationError as err:
            raise type(err)(err.message, location=locate(self.where.items(), err.field), field=err.field) from None

    def literal_count(self, field: Tree, prefix: str) -> int:
        """A whole number written as it is (not a param: it steers sampling itself)."""
        node = self.one(field)
        name = field.children[0]
        if not is_tree(node, "number") or not str(node.children[0]).isdigit():
            self.fail(node, f"{name} needs a whole number written out, like 100, got {self.describe(node)}")
        if not 1 <= int(node.children[0][:7]) <= 100_000 or len(node.children[0]) > 6:
            self.fail(node, f"{name} must be 1..100000")
        return int(node.children[0])

    def seed(self, field: Tree, prefix: str) -> int:
        node = self.one(field)
        if not is_tree(node, "number") or not str(node.children[0]).isdigit():
            self.fail(node, f"seed needs a whole number like 42, got {self.describe(node)}")
        if len(str(node.children[0])) > 19 or int(node.children[0]) >= 2 ** 63:
            self.fail(node, "seed must be below 2**63")
        return int(node.children[0])

    def param(self, node: Tree) -> None:
        """``param NAME = EXPR``: a Param record; uses are ParamRefs, so --set and sweeps can replace it."""
        name, value = node.children
        if name in self.params:
            first = self.global_names[name][1].line if name in self.global_names else \
                f"line {self.declared[name]}"
            self.fail(name, f"param '{name}' is declared twice (first on {first})")
        self.where[f"params.{name}"] = self.loc(value)
        param, info = compile_param(self, node)
        self.params[str(name)] = info
        self.param_records.append(param)

    def environment(self, node: Tree, prefix: str) -> EnvironmentSpec:
        name, *fields = node.children
        if node.data != "section":
            self.fail(name, "environment is a block: put sun, fog, rain … on indented lines below 'environment:'")
        frac = {k: (lambda f, p, k=k: self.fraction(self.one(f), k)) for k in ("clouds", "wetness")}
        frac |= {k: (lambda f, p, k=k: self.rate(self.one(f), k)) for k in ("rain", "snow")}
        handlers = {"sun": self.sun, "time_of_day": self.measured("time"), "latitude": self.measured("angle"),
                    "day_of_year": self.measured(COUNT, 1), "fog": self.fog, **frac}
        values = self.fields(fields, handlers, "environment", name, "environment")
        if "sun" in values and "time_of_day" in values:
            self.fail(fields[0], "give either sun or time_of_day, not both: time_of_day sets the sun")
        if "fog" in values:
            values["fog_visual_range"] = values.pop("fog")
        env = EnvironmentSpec(**values)
        given = (env.time_of_day, env.latitude, env.day_of_year)
        if env.time_of_day is not None and not any(isinstance(v, Expr) for v in given) \
                and all(math.isfinite(v) for v in given):          # out-of-range values: validate says so
            elevation, azimuth = sun_position(env.time_of_day, env.latitude, env.day_of_year)
            env = dataclasses.replace(env, sun=SunSpec(elevation=elevation, azimuth=azimuth))   # as sample does
        return env

    def sun(self, field: Tree, prefix: str) -> SunSpec:
        _, named = self.labelled(field, ("elevation", "azimuth"))
        return SunSpec(**{label: self.value(v, "angle", label) for label, v in named.items()})

    def fog(self, field: Tree, prefix: str) -> Value:
        if any(not is_tree(a, "named") for a in self.args(field)):
            self.fail(self.args(field)[0], "fog takes a labelled visual range: fog: visual_range 200 m")
        _, named = self.labelled(field, ("visual_range",), required=("visual_range",))
        return self.value(named["visual_range"], "length", "visual_range")

    def output(self, node: Tree, prefix: str) -> OutputSpec:
        name, *fields = node.children
        if node.data != "section":
            self.fail(name, "output is a block: put its fields (labels, formats, min_pixels, min_visibility) on "
                            "indented lines below 'output:'")
        handlers = {"labels": lambda f, p: self.names(f, LABEL_KINDS, "label kind"),
                    "formats": lambda f, p: self.names(f, DATASET_FORMATS, "format"),
                    "min_pixels": self.literal_count,
                    "min_visibility": lambda f, p: self.fraction(self.one(f), "min_visibility")}
        return OutputSpec(**self.fields(fields, handlers, "output", name, "output"))

    def requirement(self, node: Tree, index: int) -> Requirement:
        (condition,) = node.children
        self.where[f"requires[{index}]"] = self.loc(condition)
        start, end = _span(condition)
        text = " ".join(self.lines[start[0] - 1][start[1] - 1:end[1] - 1].split()) if start[0] == end[0] else \
            f"on line {start[0]}"
        return Requirement(self.condition(condition, live=False), text)

    def road(self, node: Tree, index: int):
        name, call = node.children
        prefix = f"roads[{index}]"
        self.where[prefix] = self.where[f"{prefix}.name"] = self.loc(name)
        self.check_new_name(name, "road")
        with self.scope(self.roads, ()):
            return self._road(name, call, prefix)

    def _road(self, name: Token, call: Tree, prefix: str):
        generator, positional, kwargs = self.call(call, "road")
        if generator not in ROAD_GENERATORS:
            self.fail(generator, unknown("road generator", generator, ROAD_GENERATORS))
        if positional:
            self.fail(positional[0], f"{generator}() takes named arguments like 'length: 1 km'")
        params = {f.name: f for f in dataclasses.fields(ROAD_GENERATORS[generator]) if f.name != "name"}
        args: dict[str, Any] = {}
        for key, value in self.keywords(generator, kwargs, params).items():
            self.where[f"{prefix}.{key}"] = self.loc(value)
            meta = params[key].metadata
            args[key] = self.value(value, meta["dimension"], key, meta.get("minimum"), meta.get("maximum"))
        if missing := [k for k, f in params.items() if k not in args and f.default is dataclasses.MISSING]:
            self.fail(generator, f"{generator}() is missing required argument{'s' * (len(missing) > 1)}: "
                                 f"{', '.join(missing)}")
        record = ROAD_GENERATORS[generator](name=str(name), **args)
        self.roads[str(name)] = record
        return record

    def check_new_name(self, name: Token, current: str) -> None:
        if name in self.roads or name in self.actors:
            what = "road" if name in self.roads else "actor"
            self.fail(name, f"{what} '{name}' is defined twice" if what == current else
                      f"'{name}' is already the name of {'a road' if what == 'road' else 'an actor'}")

    def actor(self, node: Tree, index: int) -> ActorSpec:
        name, kind, *fields = node.children
        prefix = f"actors[{index}]"
        self.where[prefix] = self.where[f"{prefix}.name"] = self.loc(name)
        self.where[f"{prefix}.kind"] = self.loc(kind)
        self.check_new_name(name, "actor")
        kind_value = self.name_value(Tree("ref", [kind]) if isinstance(kind, Token) else kind, ACTOR_KINDS,
                                     "actor kind")
        behavior = [f for f in fields if f.data == "behavior"]
        if len(behavior) > 1:
            self.fail(behavior[1], "behavior is given twice")
        self.actors[str(name)] = kind_value        # visible to its own size attributes and to later actors
        self.current = str(name)
        handlers = {"at": self.at, "speed": self.measured("speed"), "color": self.color, "size": self.box_size,
                    "dynamics": self.dynamics, "mesh": self.mesh}
        earlier = [a for a in self.actors if a != name]
        with self.scope(self.roads, earlier, own=str(name)):
            values = self.fields([f for f in fields if f.data != "behavior"], handlers, prefix, name,
                                 f"actor '{name}'", required=("at",))
        self.places[str(name)] = {k: values["at"].get(k) for k in ("road", "area", "arm")}
        if behavior:
            self.where[f"{prefix}.behavior"] = self.loc(behavior[0])
        return ActorSpec(name=str(name), kind=kind_value, **values.pop("at"), **values,
                         behavior=behavior[0] if behavior else ())   # compiled in behaviors()

    def color(self, field: Tree, prefix: str) -> str | Expr:
        return self.name_value(self.one(field), COLORS, "colour")

    def dynamics(self, field: Tree, prefix: str) -> str | Expr:
        return self.name_value(self.one(field), DYNAMICS, "vehicle model")

    def mesh(self, field: Tree, prefix: str) -> str:
        """``mesh: "models/car.glb"``: a mesh file inside the scenario file's folder, as an absolute path.

        Resolved like an import (relative, '/' between folders, no '..', no hidden names, symlinks followed
        and kept inside the folder); it must be a regular .glb, .gltf or .obj file of at most MAX_MESH_BYTES.
        Only its name and size are looked at here: the renderer reads it."""
        node = self.one(field)
        if not is_tree(node, "string"):
            self.fail(node, f'mesh needs a quoted relative path like "models/car.glb", got {self.describe(node)}')
        token = node.children[0]
        raw = str(token)[1:-1]
        path = PurePosixPath(raw)
        if not raw or "\\" in raw or raw.startswith("/") or path.is_absolute() or ":" in raw or _control(raw):
            self.fail(token, f'mesh needs a relative path with / between folders, like "models/car.glb", got '
                             f'{shown_path(token)}')
        if ".." in path.parts or any(part.startswith(".") for part in path.parts):
            self.fail(token, f"mesh paths may not use '..' or names starting with '.': {token}")
        if path.suffix.lower() not in MESH_SUFFIXES:
            self.fail(token, f"a mesh is a {', '.join(MESH_SUFFIXES[:-1])} or {MESH_SUFFIXES[-1]} file, got {token}")
        try:
            base = self.folder.resolve()
            candidate = (base / path).resolve()
            inside = candidate.is_relative_to(base)
            exists = inside and candidate.exists()
            regular = exists and candidate.is_file()
            size = candidate.stat().st_size if regular else 0
        except (OSError, RuntimeError, ValueError) as err:     # link loops, names too long for the system
            self.fail(token, f"cannot read mesh {token}: {getattr(err, 'strerror', None) or err}")
        if not inside:
            self.fail(token, f"mesh {token} leads outside the scenario's folder {base} (through a link)")
        if not exists:
            self.fail(token, f"cannot find mesh {token} in {base}")
        if not regular:
            self.fail(token, f"mesh {token} is not a regular file")
        if size > MAX_MESH_BYTES:
            self.fail(token, f"mesh {token} is larger than {MAX_MESH_BYTES >> 20} MiB")
        return str(candidate)

    def box_size(self, field: Tree, prefix: str) -> tuple[Value, Value, Value]:
        node = self.one(field)
        if not is_tree(node, "tuple") or len(node.children) != 3:
            self.fail(node, f"size needs (length, width, height) lengths, got {self.describe(node)}")
        return tuple(self.value(v, "length", "size", 0.01) for v in node.children)

    def at(self, field: Tree, prefix: str) -> dict[str, Any]:
        """Placement: ``lane(ROAD, N)``, ``sidewalk(ROAD, side: …)``, ``crosswalk(ROAD, N)``, or relative to an
        earlier actor (``same_lane``, ``left_of``, ``right_of``, ``ahead_of``, ``behind``); ``s`` and ``d``."""
        terms, named = self.labelled(field, ("s", "d"), positional=None)
        out: dict[str, Any] = {}
        lateral = longitudinal = anchor = None
        me = self.current
        for term in terms:
            function, positional, kwargs = self.call(term, "at")
            if function in ("lane", "sidewalk", "crosswalk", "same_lane", "left_of", "right_of"):
                if lateral is not None:
                    self.fail(function, f"at has two lateral positions ('{lateral}' and '{function}')")
                lateral = function
            elif function in ("ahead_of", "behind"):
                if longitudinal is not None:
                    self.fail(function, f"at has two longitudinal positions ('{longitudinal}' and '{function}')")
                longitudinal, anchor = function, (positional or [None])[0]
            else:
                self.fail(function, unknown("position", function, PLACEMENTS))
            out.update(self.placement(function, positional, kwargs, me, out))
            for key in PLACED[function]:
                self.where[f"{prefix}.{key}"] = self.loc(positional[1] if key in ("lane", "crosswalk") and
                                                         function in ("lane", "crosswalk") else term)
        if lateral is None and longitudinal is None:
            self.fail(field.children[0], "at needs a lane, sidewalk or crosswalk, or a position relative to an "
                                         "actor: at: lane(main, 2), s 100 m")
        if "s" in named:
            if longitudinal is not None:
                self.fail(named["s"], f"give either s or {longitudinal}(…), not both")
            out["s"] = self.value(named["s"], "length", "s")
            self.where[f"{prefix}.s"] = self.loc(named["s"])
        elif "s" not in out and out.get("area") != "crosswalk":
            self.fail(field.children[0], "at needs a position along the road: s 100 m, or ahead_of/behind(ACTOR)")
        if "d" in named:
            out["d"] = self.value(named["d"], "length", "d")
        for key in ("road", "lane", "crosswalk", "area", "arm", "side"):
            self.where.setdefault(f"{prefix}.{key}", self.loc(terms[0] if terms else field.children[0]))
        if "road" not in out:      # behind/ahead_of alone: the other actor's lane
            out.update(self.placement("same_lane", [anchor], [], me, out))
        return out

    def placement(self, function: Token, positional: list[Node], kwargs, me: str, so_far: dict) -> dict[str, Any]:
        usage = PLACEMENTS[function]
        if function in ("lane", "crosswalk"):
            known = ("arm",) if function == "lane" else ()
            extra = self.keywords(function, kwargs, known)
            if len(positional) != 2 or not is_tree(positional[0], "ref"):
                self.fail(function, f"{function}() takes {usage}")
            road = self.road_name(positional[0])
            number = self.value(positional[1], COUNT, function)
            if function == "crosswalk":
                if isinstance(number, Expr):
                    self.fail(positional[1], "the crosswalk number must be a fixed whole number")
                return {"road": road, "area": "crosswalk", "crosswalk": number}
            out = {"road": road, "area": "lane", "lane": number}
            if "arm" in extra:
                if not is_tree(extra["arm"], "ref"):
                    self.fail(extra["arm"], "arm needs a name like south")
                out["arm"] = str(extra["arm"].children[0])
            return out
        if function == "sidewalk":
            extra = self.keywords(function, kwargs, ("side",))
            if len(positional) != 1 or not is_tree(positional[0], "ref"):
                self.fail(function, f"sidewalk() takes {usage}")
            side = extra.get("side")
            if side is not None and not (is_tree(side, "ref") and side.children[0] in ("left", "right")):
                self.fail(side, "side is left or right")
            return {"road": self.road_name(positional[0]), "area": "sidewalk",
                    "side": str(side.children[0]) if side is not None else "right"}
        # relative to another actor
        known = {"left_of": ("lanes",), "right_of": ("lanes",), "same_lane": (), "ahead_of": ("by",),
                 "behind": ("by",)}[function]
        extra = self.keywords(function, kwargs, known)
        if len(positional) != 1:
            self.fail(function, f"{function}() takes {usage}")
        other = self.earlier_actor(positional[0], me)
        road, arm = self.places[other]["road"], self.places[other]["arm"]
        lane = Attr(other, "lane", DIMENSIONLESS)
        if function in ("ahead_of", "behind"):
            gap = self.value(extra["by"], "length", "by") if "by" in extra else 0.0
            half = BinOp("/", BinOp("+", Attr(other, "length", LENGTH), Attr(me, "length", LENGTH), LENGTH),
                         Const(2.0, DIMENSIONLESS), LENGTH)
            offset = BinOp("+", half, _const(gap), LENGTH)
            return {"s": BinOp("+" if function == "ahead_of" else "-", Attr(other, "s", LENGTH), offset, LENGTH)}
        out: dict[str, Any] = {"road": road, "area": "lane", "arm": arm, "s": Attr(other, "s", LENGTH)}
        if function == "same_lane":
            out["lane"] = lane
        else:
            lanes = self.value(extra["lanes"], COUNT, "lanes", 1) if "lanes" in extra else 1
            if isinstance(lanes, Expr):
                self.fail(extra["lanes"], "lanes is a fixed whole number here (at least 1)")
            count = _const(lanes if function == "left_of" else -lanes, DIMENSIONLESS) if not isinstance(lanes, Expr) \
                else (lanes if function == "left_of" else Neg(lanes, DIMENSIONLESS))
            out["lane"] = LaneOffset(lane, count, DIMENSIONLESS)
        if "s" in so_far:
            out["s"] = so_far["s"]
        return out

    def road_name(self, node: Tree) -> str:
        name = node.children[0]
        if name in self.broken:
            raise Cascade(name)
        if name not in self.roads:
            self.fail(name, unknown("road", name, self.roads))
        return str(name)

    def earlier_actor(self, node: Node, me: str) -> str:
        if not is_tree(node, "ref"):
            self.fail(node, f"expected an actor name, got {self.describe(node)}")
        name = node.children[0]
        if name in self.broken:
            raise Cascade(name)
        if name == me:
            self.fail(name, "an actor cannot be placed relative to itself")
        if name not in self.actors or name not in self.places:
            self.fail(name, unknown("earlier actor", name, list(self.places)))
        if self.places[name]["area"] != "lane":
            self.fail(name, f"actor '{name}' is on a {self.places[name]['area']}: place actors relative to actors "
                            f"on lanes only")
        return str(name)

    def camera(self, node: Tree, index: int) -> CameraSpec:
        """``camera NAME on ACTOR:`` (mounted) or ``camera NAME at (X, Y, Z):`` (fixed in the world)."""
        name, place, *fields = node.children
        prefix = f"cameras[{index}]"
        self.where[prefix] = self.where[f"{prefix}.name"] = self.loc(name)
        self.where[f"{prefix}.mount"] = self.loc(place)
        header: dict[str, Any] = {"mount": None}
        if place.data == "fixed":
            self.where[f"{prefix}.position"] = self.loc(place.children[0])
            header["position"] = self.triple(place.children[0], "position", "a fixed camera's place", prefix)
        else:
            header["mount"] = str(place.children[0])
        handlers = {"position": self.position, "yaw": self.measured("angle"), "pitch": self.measured("angle"),
                    "fov": self.measured("angle"), "size": self.image_size, "rate": self.measured("frequency"),
                    "view": self.view, "distortion": self.distortion, "exposure": self.exposure,
                    "noise": lambda f, p: self.fraction(self.one(f), "noise"),
                    "shutter": lambda f, p: self.value(self.one(f), "time", "shutter", 0.0, MAX_SHUTTER),
                    "vignetting": lambda f, p: self.fraction(self.one(f), "vignetting")}
        if header["mount"] is None:
            handlers["position"] = lambda f, p: self.fail(
                f.children[0], f"camera '{name}' is fixed in the world: its position is the one in its header, "
                               f"camera {name} at (X, Y, Z)")
        values = self.fields(fields, handlers, prefix, name, f"camera '{name}'")
        if values.get("view") == "birdseye":
            for field in fields:
                if field.children[0] in ("yaw", "pitch"):
                    self.fail(field.children[0], f"a birdseye camera looks straight down, so it takes no "
                                                 f"{field.children[0]}")
        if "size" in values:
            values["width"], values["height"] = values.pop("size")
        return CameraSpec(name=str(name), **header, **values)

    def position(self, field: Tree, prefix: str) -> tuple[Value, Value, Value]:
        return self.triple(self.one(field), "position", "position", prefix)

    def triple(self, node: Node, what: str, title: str, prefix: str) -> tuple[Value, Value, Value]:
        """``(X, Y, Z)``: three lengths; each one's place is kept as ``PREFIX.WHAT[i]``."""
        if not is_tree(node, "tuple") or len(node.children) != 3:
            self.fail(node, f"{title} needs (x, y, z) lengths, got {self.describe(node)}"
                            f"{f' of {len(node.children)}' if is_tree(node, 'tuple') else ''}")
        for i, v in enumerate(node.children):
            self.where[f"{prefix}.{what}[{i}]"] = self.loc(v)
        return tuple(self.value(v, "length", what) for v in node.children)

    def view(self, field: Tree, prefix: str) -> str:
        """``view: perspective`` or ``birdseye``: a name written out (not a param or a choice)."""
        node = self.one(field)
        if not is_tree(node, "ref"):
            self.fail(node, f"view is {' or '.join(CAMERA_VIEWS)}, got {self.describe(node)}")
        name = node.children[0]
        if name not in CAMERA_VIEWS:
            if name in self.params:
                self.fail(name, f"view is written out ({' or '.join(CAMERA_VIEWS)}), not a param")
            self.fail(name, unknown("camera view", name, CAMERA_VIEWS))
        return str(name)

    def distortion(self, field: Tree, prefix: str) -> tuple[Value, ...]:
        """``(k1, k2)``, ``(k1, k2, p1, p2)`` or ``(k1, k2, p1, p2, k3)``: plain numbers, the rest 0."""
        node = self.one(field)
        if not is_tree(node, "tuple") or len(node.children) not in (2, 4, 5):
            count = f" of {len(node.children)}" if is_tree(node, "tuple") else ""
            self.fail(node, f"distortion needs (k1, k2), (k1, k2, p1, p2) or (k1, k2, p1, p2, k3), plain numbers "
                            f"in OpenCV's order, got {self.describe(node)}{count}")
        values = []
        for item in node.children:
            q = self.quantity(item, "distortion")
            if not q.dimension.dimensionless or q.unit == "%":
                self.fail(item, f"a distortion coefficient is a plain number like -0.25, got {q.described()}"
                                f"{' (%)' if q.unit == '%' else ''}", UnitError)
            values.append(self.value(item, FRACTION, "a distortion coefficient", -MAX_DISTORTION, MAX_DISTORTION))
        return tuple(values) + (0.0,) * (5 - len(values))

    def exposure(self, field: Tree, prefix: str) -> Value:
        """``exposure: +1.5``: exposure compensation in stops (EV), a plain number."""
        node = self.one(field)
        q = self.quantity(node, "exposure") if not is_tree(_unsigned(node), "quantity") else None
        if q is None or not q.dimension.dimensionless or q.unit == "%":
            unit = _unsigned(node).children[1] if is_tree(_unsigned(node), "quantity") else node
            self.fail(unit, "exposure is a plain number of stops (EV) like +1.5 or -0.5, without a unit",
                      UnitError)
        return self.value(node, FRACTION, "exposure", -MAX_EXPOSURE, MAX_EXPOSURE)

    def image_size(self, field: Tree, prefix: str) -> tuple[int, int]:
        node = self.one(field)
        if not is_tree(node, "size"):
            self.fail(node, f"size needs WIDTHxHEIGHT in pixels like 960x540, got {self.describe(node)}")
        width, height = str(node.children[0]).split("x")
        if len(width) > 5 or len(height) > 5:
            self.fail(node, f"image size {node.children[0]} must be 1..8192 px per side")
        return int(width), int(height)


LENGTH = DIMENSIONS["length"]
#: spec fields each placement function sets (for locating errors about them)
PLACED = {"lane": ("road", "area", "lane", "arm"), "crosswalk": ("road", "area", "crosswalk"),
          "sidewalk": ("road", "area", "side"), "same_lane": ("road", "area", "lane", "s"),
          "left_of": ("road", "area", "lane", "s"), "right_of": ("road", "area", "lane", "s"),
          "ahead_of": ("s",), "behind": ("s",)}
#: placement functions → usage, for messages
PLACEMENTS = {"lane": "a road and a lane number: lane(main, 2), or lane(junction, 1, arm: south)",
              "sidewalk": "a road: sidewalk(main, side: left)",
              "crosswalk": "a road and a crosswalk number: crosswalk(main, 1)",
              "same_lane": "an earlier actor: same_lane(ego)",
              "left_of": "an earlier actor: left_of(ego, lanes: 1)",
              "right_of": "an earlier actor: right_of(ego, lanes: 1)",
              "ahead_of": "an earlier actor: ahead_of(ego, by: 20 m)",
              "behind": "an earlier actor: behind(ego, by: 20 m)"}


def _control(text: str) -> bool:
    """Whether ``text`` holds a control character (no file name the language reads has one)."""
    return any(ord(c) < 32 or 0x7f <= ord(c) < 0xa0 or c in "\u2028\u2029" for c in text)


def shown_path(token: str) -> str:
    """A quoted path for a one-line message: control characters as escapes."""
    return "".join(c.encode("unicode_escape").decode("ascii") if _control(c) else c for c in str(token))


def _unsigned(node: Node) -> Node:
    """``node`` without leading signs (``-1.5 EV`` → ``1.5 EV``)."""
    while isinstance(node, Tree) and node.data in ("neg", "pos"):
        node = node.children[1]
    return node


def _const(value: Value, dimension=LENGTH) -> Expr:
    return value if isinstance(value, Expr) else Const(float(value), dimension)


def compile_param(compiler, node: Tree) -> tuple[Param, ParamInfo]:
    """``param NAME = EXPR`` → its record and scope entry (a number, or a choice of names)."""
    name, value = node.children
    line = f"{compiler.filename}:{name.line}"
    if is_tree(value, "call") and value.children[0] == "choice":
        choice = compiler.choice(value)
        return Param(str(name), choice), ParamInfo(None, None, choice.options, line)
    if is_tree(value, "ref") and value.children[0] in compiler.params and \
            compiler.params[value.children[0]].dimension is None:
        info = compiler.params[value.children[0]]
        return Param(str(name), ParamRef(str(value.children[0]), None)), ParamInfo(None, None, info.options, line)
    compiler.in_param = True          # params are drawn before roads and actors: no attributes
    try:
        q = compiler.quantity(value, f"param '{name}'")
    finally:
        compiler.in_param = False
    return Param(str(name), q.expr), ParamInfo(q.dimension, q.unit, (), line)


def _span(node: Node) -> tuple[tuple[int, int], tuple[int, int]]:
    """(line, column) of the first character and just past the last of ``node``."""
    tokens = [t for t in _tokens(node)]
    first, last = tokens[0], tokens[-1]
    return (first.line, first.column), (last.end_line or last.line, last.end_column or last.column)


def _tokens(node: Node) -> list[Token]:
    out, stack = [], [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Token):
            out.append(item)
        else:
            stack.extend(reversed(item.children))
    return out


def error_order(err: ScenarioSimError) -> tuple:
    """Sort key: errors in file order (by file, line, column); those without a location last."""
    loc = err.location
    return (0, loc.file, loc.line, loc.column) if loc else (1, "", 0, 0)
