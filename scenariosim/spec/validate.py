"""Cross-field checks on a ScenarioSpec, shared by the scenario language and the Python API.

Errors name a field path (``actors[1].lane``); the language adds a source location on top.
Checks that need a value still unresolved (a distribution) are skipped; ``sample`` validates again.
"""
from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable
from typing import Any, NoReturn

from scenariosim.errors import ScenarioValidationError, SourceLocation
from scenariosim.spec.scenario import ACTOR_KINDS, ScenarioSpec
from scenariosim.spec.values import Expr


def _fail(field: str, message: str) -> NoReturn:
    raise ScenarioValidationError(message, field=field)


def _fixed(*values: Any) -> bool:
    """True when no value is unresolved."""
    return not any(isinstance(v, Expr) for v in values)


def locate(locations: Iterable[tuple[str, SourceLocation]], field: str | None) -> SourceLocation | None:
    """Where ``field`` (or, failing that, its nearest recorded parent path) was set; None if nowhere."""
    where = dict(locations)
    path = field or ""
    while path not in where:
        if not path:
            return None
        path = re.sub(r"(\.?\w+|\[\d+\])$", "", path)
    return where[path]


def _unique_names(records, kind: str, path: str) -> None:
    """Fail at the first record whose name an earlier one already took."""
    seen: set[str] = set()
    for i, record in enumerate(records):
        if record.name in seen:
            _fail(f"{path}[{i}].name", f"{kind} '{record.name}' is defined twice")
        seen.add(record.name)


#: caps that keep a mistyped value from exhausting memory or time
MAX_DURATION = 24 * 3600.0      # [s]
MAX_STEPS = 10_000_000


def _all_finite(value, path: str) -> None:
    """Fail at the first infinite or NaN number anywhere in the spec (e.g. from '1e400 m')."""
    if isinstance(value, float) and not math.isfinite(value):
        _fail(path, f"{path} must be a finite number, got {value}")
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            _all_finite(item, f"{path}[{i}]")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type) and not isinstance(value, Expr):
        for f in dataclasses.fields(value):
            if f.compare:
                _all_finite(getattr(value, f.name), f"{path}.{f.name}" if path else f.name)


def validate(spec: ScenarioSpec) -> ScenarioSpec:
    """Check the spec's cross references and ranges; return it unchanged or raise."""
    if _fixed(spec.duration) and not 0 < spec.duration <= MAX_DURATION:
        _fail("duration", f"duration must be in (0, {MAX_DURATION:g}] s, got {spec.duration} s")
    if _fixed(spec.timestep, spec.duration) and not 0 < spec.timestep <= spec.duration:
        _fail("timestep", f"timestep must be in (0, duration], got {spec.timestep} s")
    if _fixed(spec.timestep, spec.duration) and spec.duration / spec.timestep > MAX_STEPS:
        _fail("timestep", f"duration / timestep gives more than {MAX_STEPS:,} steps")
    _all_finite(spec, "")
    _unique_names(spec.roads, "road", "roads")
    _unique_names(spec.actors, "actor", "actors")
    _unique_names(spec.cameras, "camera", "cameras")
    for i, road in enumerate(spec.roads):
        for f in dataclasses.fields(road):
            value, minimum = getattr(road, f.name), f.metadata.get("minimum")
            if minimum is not None and _fixed(value) and value < minimum:
                unit = "" if f.metadata["dimension"] == "count" else " m"
                _fail(f"roads[{i}].{f.name}", f"{f.name} must be at least {minimum:g}{unit}, got {value:g}{unit}")
    roads = {road.name: road for road in spec.roads}
    names = {actor.name for actor in spec.actors}
    for i, actor in enumerate(spec.actors):
        where = f"actors[{i}]"
        if _fixed(actor.kind) and actor.kind not in ACTOR_KINDS:
            _fail(f"{where}.kind", f"unknown actor kind '{actor.kind}' (known: {', '.join(ACTOR_KINDS)})")
        road = roads.get(actor.road)
        if road is None:
            _fail(f"{where}.road", f"unknown road '{actor.road}'")
        if not 1 <= actor.lane <= road.lanes:
            _fail(f"{where}.lane", f"lane {actor.lane} is outside road '{road.name}' (lanes 1..{road.lanes})")
        if _fixed(actor.s, road.length) and not 0 <= actor.s <= road.length:
            _fail(f"{where}.s", f"s = {actor.s} m is outside road '{road.name}' (0..{road.length} m)")
        if _fixed(actor.speed) and actor.speed < 0:
            _fail(f"{where}.speed", f"speed must not be negative, got {actor.speed} m/s")
    for i, cam in enumerate(spec.cameras):
        where = f"cameras[{i}]"
        if cam.mount not in names:
            _fail(f"{where}.mount", f"camera '{cam.name}' is mounted on unknown actor '{cam.mount}'")
        if _fixed(cam.fov) and not 0 < cam.fov < math.pi:
            _fail(f"{where}.fov", "field of view must be between 0 and 180 deg")
        if not (1 <= cam.width <= 8192 and 1 <= cam.height <= 8192):
            _fail(f"{where}.size", f"image size {cam.width}x{cam.height} must be 1..8192 px per side")
        if _fixed(cam.rate) and cam.rate <= 0:
            _fail(f"{where}.rate", "frame rate must be positive")
        if _fixed(cam.rate, spec.timestep) and cam.rate * spec.timestep > 1.0 + 1e-9:
            _fail(f"{where}.rate", f"frame rate {cam.rate:g} Hz is faster than the simulation "
                                   f"({1.0 / spec.timestep:g} steps/s); lower it or shorten the timestep")
    fog = spec.environment.fog_visual_range
    if fog is not None and _fixed(fog) and fog <= 0:
        _fail("environment.fog", "fog visual range must be positive")
    return spec
