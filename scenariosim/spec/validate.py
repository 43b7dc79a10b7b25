"""Cross-field checks on a ScenarioSpec, shared by the scenario language and the Python API.

Errors name a field path (``actors[1].lane``); the language adds a source location on top.
Checks that need a value still unresolved (a distribution) are skipped; ``sample`` validates again.
"""
from __future__ import annotations

import dataclasses
import math
import re
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

from scenariosim.errors import ScenarioValidationError, SourceLocation, unknown
from scenariosim.spec.behavior import CONTROLLERS, MANEUVERS, BehaviorStep, Call, LaneOf, Number, Signal, out_of_bounds
from scenariosim.spec.catalogue import ACTOR_KINDS, COLORS, DATASET_FORMATS, LABEL_KINDS
from scenariosim.spec.scenario import AREAS, CAMERA_VIEWS, DYNAMICS, ScenarioSpec
from scenariosim.spec.tree import IdentityMemo, fields, is_record
from scenariosim.spec.values import Choice, Expr


def _fail(field: str, message: str) -> NoReturn:
    raise ScenarioValidationError(message, field=field)


def _fixed(*values: Any) -> bool:
    """True when no value is unresolved."""
    for v in values:                       # (a plain loop: validate calls this ~100 times per sampled spec)
        if isinstance(v, Expr):
            return False
    return True


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


#: values that hold no number to check
_WORDS = (str, bool, int, type(None))


def _is_finite(value) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, tuple):
        items = value
    elif is_record(value) and not isinstance(value, Expr):
        items = [getattr(value, f.name) for f in fields(value) if f.compare]
    else:
        return True
    for item in items:                     # numbers here, records and tuples through the memo
        if type(item) in _WORDS:
            continue
        if isinstance(item, float):
            if not math.isfinite(item):
                return False
        elif (isinstance(item, tuple) or is_record(item)) and not _finite(item):
            return False
    return True


#: whether every number in a value is finite, remembered per subtree (sampled specs share most of theirs)
_finite = IdentityMemo(_is_finite)


def _all_finite(value, path: str) -> None:
    """Fail at the first infinite or NaN number anywhere in the spec (e.g. from '1e400 m')."""
    if _finite(value):
        return
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
    if not 1 <= spec.max_attempts <= MAX_ATTEMPTS:
        _fail("max_attempts", f"max_attempts must be 1..{MAX_ATTEMPTS:,}, got {spec.max_attempts}")
    if len(spec.actors) > MAX_ACTORS:
        _fail("actors", f"a scenario may have at most {MAX_ACTORS:,} actors, got {len(spec.actors):,}")
    _all_finite(spec, "")
    _unique_names(spec.roads, "road", "roads")
    _unique_names(spec.actors, "actor", "actors")
    _unique_names(spec.cameras, "camera", "cameras")
    roads = {road.name: road for road in spec.roads}
    for i, road in enumerate(spec.roads):
        _road(road, f"roads[{i}]")
    names = dict.fromkeys(actor.name for actor in spec.actors)   # ordered, for messages
    for i, actor in enumerate(spec.actors):
        if actor.name in roads:
            _fail(f"actors[{i}].name", f"'{actor.name}' names both a road and an actor")
        _actor(actor, roads, names, f"actors[{i}]")
    for i, cam in enumerate(spec.cameras):
        _camera(cam, names, spec.timestep, f"cameras[{i}]")
    _environment(spec.environment)
    _output(spec.output)
    return spec


#: caps that keep a mistyped value from exhausting memory or time
MAX_ACTORS = 10_000
MAX_RAIN = 300e-3 / 3600.0      # [m/s] 300 mm/h, beyond any recorded hourly rate
MAX_SNOW = 20e-3 / 3600.0       # [m/s] 20 mm/h water equivalent
MAX_ATTEMPTS = 100_000
MAX_MESH_BYTES = 64 << 20       # [bytes] an actor's mesh file
MAX_DISTORTION = 10.0           # largest |coefficient| of lens distortion
MAX_EXPOSURE = 10.0             # [EV] largest exposure compensation either way
MAX_SHUTTER = 1.0               # [s] longest shutter time

#: file types an actor's mesh may have (lower case; the check ignores case)
MESH_SUFFIXES = (".glb", ".gltf", ".obj")


def _road(road, where: str) -> None:
    for f in dataclasses.fields(road):
        value, minimum, maximum = getattr(road, f.name), f.metadata.get("minimum"), f.metadata.get("maximum")
        unit = {"count": "", "fraction": "", "angle": " rad"}.get(f.metadata.get("dimension"), " m")
        if minimum is not None and _fixed(value) and value < minimum:
            _fail(f"{where}.{f.name}", f"{f.name} must be at least {minimum:g}{unit}, got {value:g}{unit}")
        if maximum is not None and _fixed(value) and value > maximum:
            _fail(f"{where}.{f.name}", f"{f.name} must be at most {maximum:g}{unit}, got {value:g}{unit}")
    problem = getattr(road, "curve_problem", None)
    if problem is not None and _fixed(*(getattr(road, f.name) for f in dataclasses.fields(road))) and problem():
        _fail(f"{where}.curve_angle", f"highway '{road.name}': {problem()}")
    count = getattr(road, "arm_count", None)
    if _fixed(count) and count is not None and count > len(road.arms):
        _fail(f"{where}.arm_count", f"arm_count must be at most {len(road.arms)}, got {count}")


def _names(value, known, where: str, what: str) -> None:
    """A name, or every option of a choice, must be in ``known``."""
    if not isinstance(value, (str, Expr)):
        _fail(where, f"{what} must be a name, got {value!r}")
    options = value.options if isinstance(value, Choice) else (value,) if isinstance(value, str) else ()
    for option in options:
        if option not in known:
            _fail(where, unknown(what, option, known))


def _actor(actor, roads: dict, names: dict[str, None], where: str) -> None:
    _names(actor.kind, ACTOR_KINDS, f"{where}.kind", "actor kind")
    if actor.color is not None:
        _names(actor.color, COLORS, f"{where}.color", "colour")
    _names(actor.dynamics, DYNAMICS, f"{where}.dynamics", "vehicle model")
    road = roads.get(actor.road)
    if road is None:
        _fail(f"{where}.road", unknown("road", actor.road, roads))
    if actor.area not in AREAS:
        _fail(f"{where}.area", unknown("area", actor.area, AREAS))
    if _road_fixed(road):
        _placement(actor, road, where)
    if _fixed(actor.speed) and actor.speed < 0:
        _fail(f"{where}.speed", f"speed must not be negative, got {actor.speed} m/s")
    if actor.size is not None and _fixed(*actor.size) and min(actor.size) <= 0:
        _fail(f"{where}.size", "every side of size must be positive")
    if actor.mesh is not None:
        _mesh(actor.mesh, f"{where}.mesh")
    for k, step in enumerate(actor.behavior):
        for ref in _step_refs(step):
            if ref not in names:
                _fail(f"{where}.behavior[{k}]", unknown("actor", ref, names))
        for call, table in ((step.action, MANEUVERS), (step.controller, CONTROLLERS)):
            if call is None:
                continue
            signature = table.get(call.name, {})
            for key, value in call.args:
                if key in signature and isinstance(value, Number) and _fixed(value.value) and \
                        (problem := out_of_bounds(call.name, key, signature[key], value.value)):
                    _fail(f"{where}.behavior[{k}]", problem)


def _mesh(mesh, where: str) -> None:
    """An absolute path of an existing regular .glb/.gltf/.obj file of at most MAX_MESH_BYTES (not read here)."""
    if not isinstance(mesh, str) or not mesh:
        _fail(where, f"mesh must be a file path (a str) or None, got {mesh!r}")
    path = Path(mesh)
    if not path.is_absolute():
        _fail(where, f"mesh must be an absolute path, got '{mesh}' (the scenario language resolves a relative one "
                     f"against the scenario file's folder)")
    if path.suffix.lower() not in MESH_SUFFIXES:
        _fail(where, f"a mesh is a {', '.join(MESH_SUFFIXES[:-1])} or {MESH_SUFFIXES[-1]} file, got '{mesh}'")
    try:
        info = path.stat()
    except (OSError, ValueError) as err:
        reason = "no such file" if isinstance(err, FileNotFoundError) else getattr(err, "strerror", None) or err
        _fail(where, f"cannot read mesh '{mesh}': {reason}")
    if not stat.S_ISREG(info.st_mode):
        _fail(where, f"mesh '{mesh}' is not a regular file")
    if info.st_size > MAX_MESH_BYTES:
        _fail(where, f"mesh '{mesh}' is larger than {MAX_MESH_BYTES >> 20} MiB")


def _placement(actor, road, where: str) -> None:
    """The lane, sidewalk or crosswalk exists on the road and s lies on it (where the road has one length)."""
    if actor.area == "lane":
        arms = road.arm_names()
        if actor.arm is not None and actor.arm not in arms:
            _fail(f"{where}.arm", unknown("arm", actor.arm, arms).replace("(", f"of road '{road.name}' (", 1) if arms
                  else f"road '{road.name}' has no arms")
        if actor.arm is None and road.arm_required:
            _fail(f"{where}.arm", f"road '{road.name}' has arms: say which, e.g. lane({road.name}, 1, arm: "
                                  f"{road.arm_names()[0]})")
        lanes = road.lane_numbers(actor.arm)
        if _fixed(actor.lane) and actor.lane not in lanes:
            span = f"{min(lanes)}..-1 and 1..{max(lanes)}" if min(lanes) < 0 else f"1..{max(lanes)}"
            _fail(f"{where}.lane", f"lane {actor.lane} is outside road '{road.name}' (lanes {span})")
    elif actor.area == "sidewalk" and not road.has_sidewalks:
        _fail(f"{where}.area", f"road '{road.name}' has no sidewalk")
    elif actor.area == "crosswalk" and not 1 <= (actor.crosswalk or 0) <= road.crosswalk_count:
        count = road.crosswalk_count
        _fail(f"{where}.crosswalk", f"road '{road.name}' has no crosswalk {actor.crosswalk}"
                                    f" ({f'crosswalks 1..{count}' if count else 'it has none'})")
    if actor.area != "crosswalk" and _fixed(actor.s) and actor.s < 0:
        _fail(f"{where}.s", f"s must not be negative, got {actor.s:g} m")
    length = getattr(road, "length", None) if actor.arm in (None, "main") else None   # ramps: checked when built
    if actor.area != "crosswalk" and length is not None and _fixed(actor.s) and not 0 <= actor.s <= length:
        _fail(f"{where}.s", f"s = {actor.s:g} m is outside road '{road.name}' (0..{length:g} m)")


def _actor_refs(step: BehaviorStep) -> Iterable[str]:
    """Every actor name a behaviour step mentions."""
    stack: list[Any] = [step]
    while stack:
        item = stack.pop()
        if isinstance(item, Signal):
            yield from item.actors
        elif isinstance(item, LaneOf):
            yield item.actor
        elif isinstance(item, Call):
            kinds = {**MANEUVERS, **CONTROLLERS}.get(item.name, {})
            for key, value in item.args:
                if key in kinds and kinds[key].kind == "actor":
                    yield value
                stack.append(value)
        elif isinstance(item, tuple):
            stack.extend(item)
        elif dataclasses.is_dataclass(item) and not isinstance(item, type) and not isinstance(item, Expr):
            stack.extend(getattr(item, f.name) for f in dataclasses.fields(item))


#: whether a road has no unresolved field, remembered per road (every actor on it asks)
_road_fixed = IdentityMemo(lambda road: _fixed(*(getattr(road, f.name) for f in fields(road))))

#: _actor_refs as a tuple, remembered per step
_step_refs = IdentityMemo(lambda step: tuple(_actor_refs(step)))


def _camera(cam, names: dict[str, None], timestep, where: str) -> None:
    """A mounted camera names an actor; a fixed one (mount None) has a world position. Ranges of every field."""
    if cam.mount is not None and cam.mount not in names:
        _fail(f"{where}.mount", f"camera '{cam.name}' is mounted on an {unknown('actor', cam.mount, names)}")
    if not isinstance(cam.position, tuple) or len(cam.position) != 3:
        _fail(f"{where}.position", f"camera position is (x, y, z) in metres, got {cam.position!r}")
    if cam.view not in CAMERA_VIEWS:
        _fail(f"{where}.view", unknown("camera view", cam.view, CAMERA_VIEWS))
    if cam.view == "birdseye":
        height = cam.position[2]
        if _fixed(height) and height <= 0:
            frame = "above the ground" if cam.mount is None else f"above the ground under '{cam.mount}'"
            _fail(f"{where}.position[2]", f"a birdseye camera looks straight down, so its height z must be "
                                       f"{frame} (> 0 m), got {height:g} m")
        for angle in ("yaw", "pitch"):
            if _fixed(getattr(cam, angle)) and getattr(cam, angle) != 0:
                _fail(f"{where}.{angle}", f"a birdseye camera looks straight down, so its {angle} must be 0, "
                                          f"got {getattr(cam, angle):g} rad")
    if not isinstance(cam.distortion, tuple) or len(cam.distortion) != 5:
        _fail(f"{where}.distortion", f"distortion is (k1, k2, p1, p2, k3), got {cam.distortion!r}")
    for i, k in enumerate(cam.distortion):
        if _fixed(k) and not -MAX_DISTORTION <= k <= MAX_DISTORTION:
            _fail(f"{where}.distortion[{i}]", f"distortion coefficient {('k1', 'k2', 'p1', 'p2', 'k3')[i]} must be "
                                              f"within ±{MAX_DISTORTION:g}, got {k:g}")
    if _fixed(cam.exposure) and not -MAX_EXPOSURE <= cam.exposure <= MAX_EXPOSURE:
        _fail(f"{where}.exposure", f"exposure must be -{MAX_EXPOSURE:g}..{MAX_EXPOSURE:g} stops, got {cam.exposure:g}")
    for name in ("noise", "vignetting"):
        value = getattr(cam, name)
        if _fixed(value) and not 0 <= value <= 1:
            _fail(f"{where}.{name}", f"{name} must be between 0 and 1 (0 % and 100 %), got {value:g}")
    if _fixed(cam.shutter) and not 0 <= cam.shutter <= MAX_SHUTTER:
        _fail(f"{where}.shutter", f"shutter must be 0..{MAX_SHUTTER:g} s, got {cam.shutter:g} s")
    if _fixed(cam.fov) and not 0 < cam.fov < math.pi:
        _fail(f"{where}.fov", "field of view must be between 0 and 180 deg")
    if not (1 <= cam.width <= 8192 and 1 <= cam.height <= 8192):
        _fail(f"{where}.size", f"image size {cam.width}x{cam.height} must be 1..8192 px per side")
    if _fixed(cam.rate) and cam.rate <= 0:
        _fail(f"{where}.rate", "frame rate must be positive")
    if _fixed(cam.rate, timestep) and cam.rate * timestep > 1.0 + 1e-9:
        _fail(f"{where}.rate", f"frame rate {cam.rate:g} Hz is faster than the simulation "
                               f"({1.0 / timestep:g} steps/s); lower it or shorten the timestep")
    if _fixed(cam.rate, cam.shutter) and cam.rate > 0 and cam.shutter * cam.rate > 1.0 + 1e-9:
        _fail(f"{where}.shutter", f"shutter {cam.shutter:g} s is longer than the time between frames "
                                  f"({1.0 / cam.rate:g} s at {cam.rate:g} Hz)")


def _environment(env) -> None:
    if env.fog_visual_range is not None and _fixed(env.fog_visual_range) and env.fog_visual_range <= 0:
        _fail("environment.fog", "fog visual range must be positive")
    for name, most in (("rain", MAX_RAIN), ("snow", MAX_SNOW)):
        value = getattr(env, name)
        if _fixed(value) and not 0 <= value <= most:
            _fail(f"environment.{name}", f"{name} must be 0..{most * 3.6e6:g} mm/h, got {value * 3.6e6:g} mm/h")
    for name in ("clouds", "wetness"):
        value = getattr(env, name)
        if _fixed(value) and not 0 <= value <= 1:
            _fail(f"environment.{name}", f"{name} must be between 0 and 1 (0 % and 100 %), got {value:g}")
    if _fixed(env.time_of_day) and env.time_of_day is not None and not 0 <= env.time_of_day <= 86400:
        _fail("environment.time_of_day", "time_of_day must be between 0:00 and 24:00")
    if _fixed(env.latitude) and not -math.pi / 2 <= env.latitude <= math.pi / 2:
        _fail("environment.latitude", "latitude must be between -90 and 90 deg")
    if _fixed(env.day_of_year) and not 1 <= env.day_of_year <= 366:
        _fail("environment.day_of_year", f"day_of_year must be 1..366, got {env.day_of_year}")
    if _fixed(env.sun.elevation) and not -math.pi / 2 <= env.sun.elevation <= math.pi / 2:
        _fail("environment.sun", "sun elevation must be between -90 and 90 deg")


def _output(output) -> None:
    for field, known, what in (("labels", LABEL_KINDS, "label kind"), ("formats", DATASET_FORMATS, "format")):
        values = getattr(output, field)
        for value in values:
            if value not in known:
                _fail(f"output.{field}", unknown(what, value, known))
        if len(set(values)) != len(values):
            _fail(f"output.{field}", f"output {field} lists a name twice")
    if isinstance(output.min_pixels, bool) or not isinstance(output.min_pixels, int) or output.min_pixels < 1:
        _fail("output.min_pixels", f"min_pixels must be a whole number ≥ 1, got {output.min_pixels!r}")
    if _fixed(output.min_visibility) and not 0.0 <= output.min_visibility <= 1.0:
        _fail("output.min_visibility", f"min_visibility must be between 0 and 1, got {output.min_visibility}")
