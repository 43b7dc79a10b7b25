"""Concrete ScenarioSpec → .scn text that compiles back to an equal spec (``scenariosim sample``).

Only a concrete spec can be written: every value a plain float, int or str (``sample`` makes one).
Numbers are written in SI with ``repr(float)``, which reads back to the same float, followed by the
SI unit of their dimension (``120.0 m``, ``27.77777777777778 m/s``); counts and plain fractions have
no unit. Params and requirements are not written: a concrete spec has none left to draw or check.
Anything the language cannot say (a name that is no identifier, an infinite number, an ``or``
inside an ``and``, a mesh outside the folder the text will be read from) is a ValueError, never text
that reads back differently. Optional fields are written where they differ from their defaults.
"""
from __future__ import annotations

import dataclasses
import math
import numbers
import re
from os import PathLike
from pathlib import Path
from typing import Any

from scenariosim.spec.behavior import (LIVE_ATTRIBUTES, SIGNALS, AllOf, AnyOf, BehaviorStep, Call, Compare,
                                       LaneOf, Negation, Number, Signal, SignalOp)
from scenariosim.spec.roads import ROAD_GENERATORS
from scenariosim.spec.scenario import ActorSpec, CameraSpec, EnvironmentSpec, OutputSpec, ScenarioSpec
from scenariosim.units import DIMENSIONS

__all__ = ["to_text"]

#: one indentation level
_INDENT = "    "
#: the language's identifiers (grammar.lark NAME)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: the dimension name of a plain number (spec field metadata uses the same)
_COUNT = "count"
#: comparison operators (grammar.lark COMPARE)
_COMPARE = (">=", "<=", "==", "!=", ">", "<")
#: arithmetic operator → binding strength (higher binds tighter)
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
#: road record type → its generator name in the language
_GENERATOR = {record: name for name, record in ROAD_GENERATORS.items()}
_DEFAULT_ENVIRONMENT = EnvironmentSpec()
_DEFAULT_CAMERA = CameraSpec(name="default")


def to_text(spec: ScenarioSpec, folder: str | PathLike[str] | None = None) -> str:
    """The .scn text of a concrete ``spec``: ``loads(to_text(spec))`` equals ``spec`` up to ``source``,
    and ``sample(loads(to_text(spec)), spec.seed)`` equals it too. With a ``time_of_day`` the text names
    no sun (the language takes one or the other), so ``loads`` gives the default sun until ``sample``
    computes it from the time. ``requires`` are not written: ``sample`` already checked them.

    Raises ValueError where ``spec`` is not concrete (a distribution, a param left) or holds what the
    language cannot write (a name that is no identifier, a NaN or infinite number, an ``or`` condition
    inside ``and`` or ``not``, an empty output list, a birdseye camera with a yaw or pitch).

    ``folder`` is the folder the text will be read from (where the written file goes): actor meshes are
    written relative to it and must lie inside it. Default: the folder of ``spec.source``, or the working
    folder for a spec not from a file.
    """
    if folder is None:
        source = str(spec.source)
        folder = Path(source).parent if source and not source.startswith("<") else Path.cwd()
    if spec.params:
        raise ValueError(f"scenario '{spec.name}' still has params: sample it before writing it")
    lines = [f"# written by scenariosim sample from {_one_line(spec.source)} with seed {_count(spec.seed)}",
             f"scenario {_name(spec.name)}:"]
    body = [f"seed: {_count(spec.seed)}",
            f"duration: {_quantity(spec.duration, 'time')}",
            f"timestep: {_quantity(spec.timestep, 'time')}",
            f"max_attempts: {_count(spec.max_attempts)}"]
    body += [_road(road) for road in spec.roads]
    body += ["", *_environment(spec.environment)]
    for actor in spec.actors:
        body += ["", *_actor(actor, Path(folder))]
    for camera in spec.cameras:
        body += ["", *_camera(camera)]
    body += ["", *_output(spec.output)]
    lines += [_INDENT + line if line else "" for line in body]
    return "\n".join(lines) + "\n"


# ---- blocks ------------------------------------------------------------------------------------

def _road(road: Any) -> str:
    """``road NAME = GENERATOR(…)`` with the required arguments and those that differ from their defaults."""
    generator = _GENERATOR.get(type(road))
    if generator is None:
        raise ValueError(f"road '{road.name}' is a {type(road).__name__}, not a road record")
    args = [f"{f.name}: {_value(getattr(road, f.name), f.metadata['dimension'])}"
            for f in dataclasses.fields(road)
            if f.name != "name" and (f.default is dataclasses.MISSING or getattr(road, f.name) != f.default)]
    return f"road {_name(road.name)} = {generator}({', '.join(args)})"


def _environment(env: EnvironmentSpec) -> list[str]:
    """Sun only without a time of day (with one, sampling computes it); latitude and day of the year
    with a time of day, or where they differ from their defaults."""
    fields = []
    if env.time_of_day is None:
        fields.append(f"sun: elevation {_quantity(env.sun.elevation, 'angle')}, "
                      f"azimuth {_quantity(env.sun.azimuth, 'angle')}")
    else:
        fields.append(f"time_of_day: {_quantity(env.time_of_day, 'time')}")
    if env.time_of_day is not None or env.latitude != _DEFAULT_ENVIRONMENT.latitude:
        fields.append(f"latitude: {_quantity(env.latitude, 'angle')}")
    if env.time_of_day is not None or env.day_of_year != _DEFAULT_ENVIRONMENT.day_of_year:
        fields.append(f"day_of_year: {_count(env.day_of_year)}")
    if env.fog_visual_range is not None:
        fields.append(f"fog: visual_range {_quantity(env.fog_visual_range, 'length')}")
    fields += [f"{name}: {_quantity(getattr(env, name), 'speed')}" for name in ("rain", "snow")]
    fields += [f"{name}: {_plain(getattr(env, name))}" for name in ("clouds", "wetness")]
    return ["environment:", *(_INDENT + f for f in fields)]


def _actor(actor: ActorSpec, folder: Path) -> list[str]:
    fields = [f"at: {_place(actor)}, s {_quantity(actor.s, 'length')}, d {_quantity(actor.d, 'length')}",
              f"speed: {_quantity(actor.speed, 'speed')}"]
    if actor.color is not None:
        fields.append(f"color: {_name(actor.color)}")
    if actor.dynamics != "kinematic":
        fields.append(f"dynamics: {_name(actor.dynamics)}")
    if actor.size is not None:
        fields.append(f"size: {_tuple(actor.size, 'length')}")
    if actor.mesh is not None:
        fields.append(f"mesh: {_mesh(actor, folder)}")
    if actor.behavior:
        fields += ["behavior:", *(_INDENT + _step(step) for step in actor.behavior)]
    return [f"actor {_name(actor.name)}: {_name(actor.kind)}", *(_INDENT + f for f in fields)]


def _place(actor: ActorSpec) -> str:
    """``lane(main, 2)``, ``lane(junction, 1, arm: south)``, ``sidewalk(main, side: left)``, ``crosswalk(main, 1)``."""
    road = _name(actor.road)
    if actor.area == "lane":
        arm = "" if actor.arm is None else f", arm: {_name(actor.arm)}"
        return f"lane({road}, {_count(actor.lane)}{arm})"
    if actor.area == "sidewalk":
        return f"sidewalk({road}, side: {_name(actor.side)})"
    if actor.area == "crosswalk":
        return f"crosswalk({road}, {_count(actor.crosswalk)})"
    raise ValueError(f"actor '{actor.name}' stands on unknown area {actor.area!r}")


def _mesh(actor: ActorSpec, folder: Path) -> str:
    """``"models/car.glb"``: the mesh's path relative to ``folder``, as the language reads it back."""
    base = folder.resolve()
    path = Path(actor.mesh).resolve() if isinstance(actor.mesh, str) and actor.mesh else None
    if path is None or not path.is_relative_to(base):
        raise ValueError(f"actor '{actor.name}': mesh {actor.mesh!r} is not inside {base}, the folder the text is "
                         f"read from (the language reads meshes inside it only)")
    relative = path.relative_to(base).as_posix()
    if any(c in relative for c in '"\\:') or any(ord(c) < 32 or c == "\x7f" for c in relative) or \
            any(part.startswith(".") for part in relative.split("/")):
        raise ValueError(f"actor '{actor.name}': cannot write mesh path {relative!r} (no quotes, backslashes, "
                         f"colons, control characters or names starting with '.')")
    return f'"{relative}"'


def _camera(camera: CameraSpec) -> list[str]:
    """Mounted: ``camera NAME on ACTOR:`` with its position; fixed: ``camera NAME at (X, Y, Z):``. Angles, fov,
    size and rate always; the view and the sensor effects where they differ from their defaults."""
    birdseye = camera.view == "birdseye"
    fields = [] if camera.mount is None else [f"position: {_tuple(camera.position, 'length')}"]
    if camera.view != _DEFAULT_CAMERA.view:
        fields.append(f"view: {_name(camera.view)}")
    for angle in ("yaw", "pitch"):
        value = getattr(camera, angle)
        if not birdseye:
            fields.append(f"{angle}: {_quantity(value, 'angle')}")
        elif _number(value) != 0:
            raise ValueError(f"camera '{camera.name}' is a birdseye camera with a {angle}: the language has none")
    fields += [f"fov: {_quantity(camera.fov, 'angle')}",
               f"size: {_pixels(camera.width)}x{_pixels(camera.height)}",
               f"rate: {_quantity(camera.rate, 'frequency')}"]
    if tuple(camera.distortion) != _DEFAULT_CAMERA.distortion:
        if len(camera.distortion) != 5:
            raise ValueError(f"camera '{camera.name}': distortion is (k1, k2, p1, p2, k3), got {camera.distortion!r}")
        fields.append(f"distortion: ({', '.join(_plain(k) for k in camera.distortion)})")
    for name in ("exposure", "noise", "vignetting"):
        if getattr(camera, name) != getattr(_DEFAULT_CAMERA, name):
            fields.append(f"{name}: {_plain(getattr(camera, name))}")
    if camera.shutter != _DEFAULT_CAMERA.shutter:
        fields.append(f"shutter: {_quantity(camera.shutter, 'time')}")
    header = f"at {_tuple(camera.position, 'length')}" if camera.mount is None else f"on {_name(camera.mount)}"
    return [f"camera {_name(camera.name)} {header}:", *(_INDENT + f for f in fields)]


def _output(output: OutputSpec) -> list[str]:
    fields = []
    for key in ("labels", "formats"):
        names = getattr(output, key)
        if not names:
            raise ValueError(f"output {key} is empty: the language writes at least one")
        fields.append(f"{key}: {', '.join(_name(n) for n in names)}")
    default = OutputSpec()
    if output.min_pixels != default.min_pixels:
        fields.append(f"min_pixels: {_count(output.min_pixels)}")
    if output.min_visibility != default.min_visibility:
        fields.append(f"min_visibility: {_plain(output.min_visibility)}")
    return ["output:", *(_INDENT + f for f in fields)]


# ---- behaviours and conditions -----------------------------------------------------------------

def _step(step: BehaviorStep) -> str:
    text = _call(step.action)
    if step.controller is not None:
        text += f" with {_call(step.controller)}"
    if step.until is not None:
        text += f" until {_condition(step.until)}"
    return text


def _call(call: Call) -> str:
    """A maneuver or controller: bare without arguments, else ``name(key: value, …)`` in args order."""
    if not isinstance(call, Call):
        raise ValueError(f"not a maneuver or controller: {call!r}")
    if not call.args:
        return _name(call.name)
    return f"{_name(call.name)}({', '.join(f'{_name(k)}: {_arg(v)}' for k, v in call.args)})"


def _arg(value: Any) -> str:
    """A maneuver argument: Number, a name, LaneOf, or points (a tuple of (Number, Number) pairs)."""
    if isinstance(value, str):
        return _name(value)
    if isinstance(value, LaneOf):
        return f"lane_of({_name(value.actor)})"
    if isinstance(value, tuple):
        return f"[{', '.join(_point(p) for p in value)}]"
    return _operand(value)


def _point(point: Any) -> str:
    if not isinstance(point, tuple) or len(point) < 2:
        raise ValueError(f"a point is an (x, y) pair, got {point!r}")
    return f"({', '.join(_operand(v) for v in point)})"


def _condition(cond: Any) -> str:
    """``a or b`` binds loosest, then ``and``, then ``not``; there are no parentheses for conditions."""
    if isinstance(cond, AnyOf):
        return " or ".join(_condition(c) for c in _parts(cond))
    return _conjunction(cond)


def _conjunction(cond: Any) -> str:
    if isinstance(cond, AllOf):
        return " and ".join(_conjunction(c) for c in _parts(cond))
    return _negation(cond)


def _negation(cond: Any) -> str:
    if isinstance(cond, Negation):
        return f"not {_negation(cond.condition)}"
    if isinstance(cond, Compare):
        if cond.op not in _COMPARE:
            raise ValueError(f"unknown comparison {cond.op!r}")
        return f"{_sum(cond.left)} {cond.op} {_sum(cond.right)}"
    if isinstance(cond, (AllOf, AnyOf)):
        raise ValueError(f"the language cannot write {type(cond).__name__} inside "
                         f"{'and' if isinstance(cond, AnyOf) else 'not'} (conditions have no parentheses)")
    raise ValueError(f"not a condition: {cond!r}")


def _parts(cond: AllOf | AnyOf) -> tuple[Any, ...]:
    if not cond.conditions:
        raise ValueError(f"an empty {type(cond).__name__} cannot be written")
    return cond.conditions


def _sum(expr: Any) -> str:
    """An arithmetic expression over signals and Numbers, parenthesised only where precedence needs it."""
    if isinstance(expr, SignalOp):
        strength = _PRECEDENCE.get(expr.op)
        if strength is None:
            raise ValueError(f"unknown arithmetic operator {expr.op!r}")
        left, right = _sum(expr.left), _sum(expr.right)
        if _strength(expr.left) < strength:
            left = f"({left})"
        if _strength(expr.right) <= strength:   # operators group left to right
            right = f"({right})"
        return f"{left} {expr.op} {right}"
    return _operand(expr)


def _strength(expr: Any) -> float:
    return _PRECEDENCE[expr.op] if isinstance(expr, SignalOp) else math.inf


def _operand(value: Any) -> str:
    if isinstance(value, Number):
        return _value(value.value, value.dimension)
    if isinstance(value, Signal):
        return _signal(value)
    if isinstance(value, SignalOp):
        return _sum(value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return _count(value) if isinstance(value, numbers.Integral) else _plain(value)
    raise ValueError(f"not a concrete value: {value!r} (sample the spec before writing it)")


def _signal(signal: Signal) -> str:
    """``ego.speed``, ``time``, ``time_gap(ego, lead)``."""
    if signal.name in LIVE_ATTRIBUTES:
        if len(signal.actors) != 1:
            raise ValueError(f"attribute signal '{signal.name}' needs one actor, got {signal.actors!r}")
        if signal.actors[0] == "not":   # `not.speed` would read as the keyword
            raise ValueError("cannot write an attribute of an actor named 'not' in a condition")
        return f"{_name(signal.actors[0])}.{_name(signal.name)}"
    if signal.name not in SIGNALS:
        raise ValueError(f"unknown signal {signal.name!r}")
    arity = SIGNALS[signal.name][0]
    if len(signal.actors) != arity:
        raise ValueError(f"signal '{signal.name}' takes {arity} actors, got {signal.actors!r}")
    if arity == 0:
        return _name(signal.name)
    return f"{_name(signal.name)}({', '.join(_name(a) for a in signal.actors)})"


# ---- numbers and names -------------------------------------------------------------------------

def _value(value: Any, dimension: str) -> str:
    """A number of ``dimension`` (a key of units.DIMENSIONS, "count" or "fraction")."""
    if dimension == _COUNT:
        return _count(value)
    if dimension == "fraction":
        return _plain(value)
    return _quantity(value, dimension)


def _quantity(value: Any, dimension: str) -> str:
    """``-3.5 m``: SI value and SI unit."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    return f"{_plain(value)} {DIMENSIONS[dimension].si}"


def _tuple(values: Any, dimension: str) -> str:
    return f"({', '.join(_quantity(v, dimension) for v in values)})"


def _count(value: Any) -> str:
    """A plain number: a whole one as an int (``3``), else as a float."""
    number = _number(value)
    if isinstance(number, int) or number.is_integer():
        return str(int(number))
    return repr(number)


def _plain(value: Any) -> str:
    """A plain float, written so it reads back exactly (``0.3``, ``1e-12``, ``-2.0``)."""
    return repr(float(_number(value)))


def _pixels(value: Any) -> str:
    number = _number(value)
    if not (isinstance(number, int) or number.is_integer()) or number < 0:
        raise ValueError(f"an image side is a whole number of pixels >= 0, got {value!r}")
    return str(int(number))


def _number(value: Any) -> int | float:
    """``value`` as a plain int or finite float (numpy scalars too: their repr differs)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"not a concrete number: {value!r} (sample the spec before writing it)")
    if isinstance(value, numbers.Integral):
        return int(value)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"cannot write the non-finite number {number!r}")
    return number


def _name(name: Any) -> str:
    """An identifier as the language reads it (``[A-Za-z_][A-Za-z0-9_]*``); ValueError otherwise."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(f"cannot write {name!r} as a name: names are letters, digits and '_', "
                         f"not starting with a digit")
    return name


def _one_line(text: str) -> str:
    return " ".join(str(text).splitlines())
