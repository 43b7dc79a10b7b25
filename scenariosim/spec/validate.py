"""Cross-field checks on a ScenarioSpec, shared by the scenario language and the Python API.

Errors name a field path (``actors[1].lane``); the language adds a source location on top.
"""
from __future__ import annotations

import math
from typing import NoReturn

from scenariosim.errors import ScenarioValidationError
from scenariosim.spec.scenario import ACTOR_KINDS, ScenarioSpec


def _fail(field: str, message: str) -> NoReturn:
    raise ScenarioValidationError(message, field=field)


def _unique_names(records, kind: str, path: str) -> None:
    """Fail at the first record whose name an earlier one already took."""
    seen: set[str] = set()
    for i, record in enumerate(records):
        if record.name in seen:
            _fail(f"{path}[{i}].name", f"{kind} '{record.name}' is defined twice")
        seen.add(record.name)


def validate(spec: ScenarioSpec) -> ScenarioSpec:
    """Check the spec's cross references and ranges; return it unchanged or raise."""
    if spec.duration <= 0:
        _fail("duration", f"duration must be positive, got {spec.duration} s")
    if not 0 < spec.timestep <= spec.duration:
        _fail("timestep", f"timestep must be in (0, duration], got {spec.timestep} s")
    _unique_names(spec.roads, "road", "roads")
    _unique_names(spec.actors, "actor", "actors")
    _unique_names(spec.cameras, "camera", "cameras")
    roads = {road.name: road for road in spec.roads}
    names = {actor.name for actor in spec.actors}
    for i, actor in enumerate(spec.actors):
        where = f"actors[{i}]"
        if actor.kind not in ACTOR_KINDS:
            _fail(f"{where}.kind", f"unknown actor kind '{actor.kind}' (known: {', '.join(ACTOR_KINDS)})")
        road = roads.get(actor.road)
        if road is None:
            _fail(f"{where}.road", f"unknown road '{actor.road}'")
        if not 1 <= actor.lane <= road.lanes:
            _fail(f"{where}.lane", f"lane {actor.lane} is outside road '{road.name}' (lanes 1..{road.lanes})")
        if not 0 <= actor.s <= road.length:
            _fail(f"{where}.s", f"s = {actor.s} m is outside road '{road.name}' (0..{road.length} m)")
        if actor.speed < 0:
            _fail(f"{where}.speed", f"speed must not be negative, got {actor.speed} m/s")
    for i, cam in enumerate(spec.cameras):
        where = f"cameras[{i}]"
        if cam.mount not in names:
            _fail(f"{where}.mount", f"camera '{cam.name}' is mounted on unknown actor '{cam.mount}'")
        if not 0 < cam.fov < math.pi:
            _fail(f"{where}.fov", "field of view must be between 0 and 180 deg")
        if not (1 <= cam.width <= 8192 and 1 <= cam.height <= 8192):
            _fail(f"{where}.size", f"image size {cam.width}x{cam.height} must be 1..8192 px per side")
        if cam.rate <= 0:
            _fail(f"{where}.rate", "frame rate must be positive")
    fog = spec.environment.fog_visual_range
    if fog is not None and fog <= 0:
        _fail("environment.fog", "fog visual range must be positive")
    return spec
