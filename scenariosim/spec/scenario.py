"""The ScenarioSpec: a frozen, validated description of one scenario, in SI units.

Both the scenario language (dsl/) and the Python API produce it; everything downstream reads it.
Angles are radians, lengths metres, speeds m/s, times seconds, rates hertz.

A spec may hold unresolved values (spec.values: distributions, param references) in any float
field and in ``ActorSpec.kind``; ``sample(spec, seed)`` turns it into a concrete spec.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from scenariosim.errors import SourceLocation
from scenariosim.spec.roads import RoadSpec
from scenariosim.spec.values import Param

#: actor kinds the skeleton knows → default box size (length, width, height) [m]
ACTOR_KINDS: dict[str, tuple[float, float, float]] = {
    "car": (4.6, 1.85, 1.5),
    "truck": (9.0, 2.5, 3.4),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class SunSpec:
    elevation: float = math.radians(45.0)  # [rad] above the horizon
    azimuth: float = math.radians(180.0)   # [rad] compass bearing: 0 north, π/2 east


@dataclass(frozen=True, slots=True, kw_only=True)
class EnvironmentSpec:
    sun: SunSpec = SunSpec()
    fog_visual_range: float | None = None  # [m] meteorological optical range; None = clear air


@dataclass(frozen=True, slots=True, kw_only=True)
class ActorSpec:
    name: str
    kind: str             # a key of ACTOR_KINDS
    road: str             # name of a RoadSpec
    lane: int             # 1-based lane number, 1 = rightmost
    s: float              # [m] longitudinal position of the box centre along the lane
    speed: float          # [m/s] initial speed; also the IDM desired speed


@dataclass(frozen=True, slots=True, kw_only=True)
class CameraSpec:
    """A pinhole camera rigidly mounted on an actor.

    position is in the actor's body frame (x forward, y left, z up, origin at the centre of
    the box's footprint on the ground). yaw turns left, pitch tilts up. fov is horizontal.
    """

    name: str
    mount: str                                   # actor name
    position: tuple[float, float, float] = (1.6, 0.0, 1.4)  # [m]
    yaw: float = 0.0                             # [rad]
    pitch: float = 0.0                           # [rad]
    fov: float = math.radians(90.0)              # [rad] horizontal field of view
    width: int = 1280                            # [px]
    height: int = 720                            # [px]
    rate: float = 10.0                           # [Hz]


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
    source: str = "<api>"        # file the spec came from, for messages
    params: tuple[Param, ...] = ()  # random params, drawn by sample() in this order; () when concrete
    #: field path → where a file set it, so errors found after sampling still name file:line:col
    locations: tuple[tuple[str, SourceLocation], ...] = field(default=(), compare=False, repr=False)

    def road(self, name: str) -> RoadSpec:
        return next(r for r in self.roads if r.name == name)

    def actor_index(self, name: str) -> int:
        return next(i for i, a in enumerate(self.actors) if a.name == name)
