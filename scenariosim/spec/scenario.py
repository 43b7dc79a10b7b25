"""The ScenarioSpec: a frozen, validated description of one scenario, in SI units.

Both the scenario language (dsl/) and the Python API produce it; everything downstream reads it.
Angles are radians, lengths metres, speeds m/s, times seconds, rates hertz, fractions 0..1.

A spec may hold unresolved values (spec.values: distributions, param references, attributes) in any
numeric field, in ``ActorSpec.kind`` and ``ActorSpec.color``; ``sample(spec, seed)`` turns it into a
concrete spec.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from scenariosim.errors import SourceLocation
from scenariosim.spec.behavior import BehaviorStep
from scenariosim.spec.catalogue import ACTOR_KINDS, DATASET_FORMATS, LABEL_KINDS  # noqa: F401 (re-exported)
from scenariosim.spec.roads import RoadSpec
from scenariosim.spec.values import Param

#: where an actor may stand
AREAS = ("lane", "sidewalk", "crosswalk")
#: vehicle models: kinematic bicycle, or the dynamic single-track model with linear tyres (docs/simulation.md)
DYNAMICS = ("kinematic", "dynamic")


@dataclass(frozen=True, slots=True, kw_only=True)
class SunSpec:
    elevation: float = math.radians(45.0)  # [rad] above the horizon
    azimuth: float = math.radians(180.0)   # [rad] compass bearing: 0 north, π/2 east


@dataclass(frozen=True, slots=True, kw_only=True)
class EnvironmentSpec:
    """Light and weather. With ``time_of_day`` set, ``sample`` computes ``sun`` from it, the latitude and
    the day of the year (spec.sun.sun_position); otherwise ``sun`` is as given."""

    sun: SunSpec = SunSpec()
    time_of_day: float | None = None        # [s] after local solar midnight; None = use ``sun``
    latitude: float = math.radians(48.0)    # [rad], for time_of_day
    day_of_year: int = field(default=172, metadata={"dimension": "count"})  # 1..366 (172 ≈ 21 June)
    fog_visual_range: float | None = None   # [m] meteorological optical range; None = clear air
    rain: float = 0.0                       # [m/s] rain rate (2.5 mm/h light, 10 moderate, 50 heavy)
    snow: float = 0.0                       # [m/s] snowfall rate, water equivalent (0.5–2.5 mm/h typical)
    clouds: float = 0.0                     # sky cover 0..1
    wetness: float = 0.0                    # road surface 0 (dry) .. 1 (standing water)


@dataclass(frozen=True, slots=True, kw_only=True)
class ActorSpec:
    """One actor. Position: on ``area`` of ``road``; ``s`` along the lane or sidewalk (along a crosswalk:
    from its right-hand end), ``d`` sideways from the lane centre (+ left). Box centre, in metres."""

    name: str
    kind: Any                      # str, a key of ACTOR_KINDS (Choice/ParamRef until sampled)
    size: tuple[Any, Any, Any] | None = None  # [m] (length, width, height); None = the kind's default
    road: str                      # name of a RoadSpec
    area: str = "lane"             # one of AREAS
    lane: Any = field(default=None, metadata={"dimension": "count"})  # lane number (spec.roads), area "lane"
    arm: str | None = None         # junction arm the lane belongs to, where the road has arms
    side: str | None = None        # "left"/"right" sidewalk, for area "sidewalk"
    crosswalk: int | None = None   # 1-based crosswalk number, for area "crosswalk"
    s: Any = 0.0                   # [m]
    d: Any = 0.0                   # [m]
    speed: Any = 0.0               # [m/s] initial speed; also the desired speed
    color: Any = None              # a key of catalogue.COLORS; None = palette by actor index
    dynamics: Any = "kinematic"    # one of DYNAMICS: the vehicle model the simulation moves it with
    mesh: str | None = None        # absolute path of a glTF/OBJ mesh drawn for it (scaled to its box); None = built-in
    behavior: tuple[BehaviorStep, ...] = ()


#: camera views: a pinhole camera looking along its yaw and pitch, or straight down (image top = the mount's
#: forward direction, or north for a fixed camera)
CAMERA_VIEWS = ("perspective", "birdseye")


@dataclass(frozen=True, slots=True, kw_only=True)
class CameraSpec:
    """A pinhole camera, rigidly mounted on an actor or fixed in the world.

    Mounted (``mount`` an actor name): position is in the actor's body frame (x forward, y left, z up,
    origin at the centre of the box's footprint on the ground), yaw and pitch relative to the actor.
    Fixed (``mount`` None): position is in the world frame (x east, y north, z up), yaw a
    counter-clockwise angle from +x. yaw turns left, pitch tilts up. fov is horizontal.
    A ``birdseye`` view ignores yaw and pitch and looks straight down from ``position``.

    Sensor effects: Brown–Conrady lens distortion (OpenCV order k1, k2, p1, p2, k3, applied to the image
    and every label channel alike), exposure compensation in stops, sensor noise, motion blur over the
    shutter time, and vignetting.
    """

    name: str
    mount: str | None = None                     # actor name; None = fixed in the world
    position: tuple[float, float, float] = (1.6, 0.0, 1.4)  # [m]
    yaw: float = 0.0                             # [rad]
    pitch: float = 0.0                           # [rad]
    fov: float = math.radians(90.0)              # [rad] horizontal field of view
    width: int = 1280                            # [px]
    height: int = 720                            # [px]
    rate: float = 10.0                           # [Hz]
    view: str = "perspective"                    # one of CAMERA_VIEWS
    distortion: tuple[float, float, float, float, float] = (0.0, 0.0, 0.0, 0.0, 0.0)  # k1, k2, p1, p2, k3
    exposure: float = 0.0                        # [EV] exposure compensation: +1 doubles the light
    noise: float = 0.0                           # sensor noise σ, fraction of full scale (0.02 = 2 %)
    shutter: float = 0.0                         # [s] exposure time for motion blur; 0 = none
    vignetting: float = 0.0                      # fraction of light lost at the image corners, 0..1


@dataclass(frozen=True, slots=True, kw_only=True)
class OutputSpec:
    """What a dataset holds: label kinds (catalogue.LABEL_KINDS) and formats (catalogue.DATASET_FORMATS);
    and the label filter: objects with fewer visible pixels, or a smaller visible share of the whole
    object, are written as ignore regions (labels.objects)."""

    labels: tuple[str, ...] = LABEL_KINDS
    formats: tuple[str, ...] = ("coco",)
    min_pixels: int = field(default=16, metadata={"dimension": "count"})   # visible pixels, fixed
    min_visibility: Any = 0.1              # fraction 0..1 of the object that shows


@dataclass(frozen=True, slots=True)
class Requirement:
    """``require CONDITION``: a condition (spec.behavior Compare/AllOf/AnyOf/Negation over values) every
    sample must meet; ``text`` is how the file wrote it, for rejection statistics."""

    condition: Any
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ScenarioSpec:
    name: str
    seed: int = 0
    duration: float = 10.0       # [s]
    timestep: float = 0.05       # [s] simulation step
    roads: tuple[RoadSpec, ...] = ()
    environment: EnvironmentSpec = EnvironmentSpec()
    actors: tuple[ActorSpec, ...] = ()
    cameras: tuple[CameraSpec, ...] = ()
    output: OutputSpec = OutputSpec()
    requires: tuple[Requirement, ...] = ()
    max_attempts: int = 100      # draws ``sample`` tries before giving up on the requirements
    source: str = "<api>"        # file the spec came from, for messages
    params: tuple[Param, ...] = ()  # every param, in declaration order; () once sampled
    #: field path → where a file set it, so errors found after sampling still name file:line:col
    locations: tuple[tuple[str, SourceLocation], ...] = field(default=(), compare=False, repr=False)

    def road(self, name: str) -> RoadSpec:
        return next(r for r in self.roads if r.name == name)

    def actor_index(self, name: str) -> int:
        return next(i for i, a in enumerate(self.actors) if a.name == name)
