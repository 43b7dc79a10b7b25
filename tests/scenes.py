"""Small scenarios built through the Python API, shared by the tests (no scenario files needed)."""
from __future__ import annotations

import math

import numpy as np

from scenariosim.roads import build
from scenariosim.sensors import Camera, intrinsics
from scenariosim.spec import ActorSpec, HighwaySpec, ScenarioSpec, validate
from scenariosim.world import build_world


def make_spec(actors=(), length=1000.0, lanes=3, cameras=(), **kw) -> ScenarioSpec:
    """A validated spec on one straight highway named 'main'; actors as (name, kind, lane, s, speed)."""
    return validate(ScenarioSpec(
        name="t", roads=(HighwaySpec(name="main", length=length, lanes=lanes),),
        actors=tuple(ActorSpec(name=n, kind=k, road="main", lane=l, s=s, speed=v) for n, k, l, s, v in actors),
        cameras=tuple(cameras), **kw))


def make_world(spec: ScenarioSpec):
    """(World, WorldInfo) of a spec."""
    return build_world(spec, build(spec.roads))


def assert_same_state(a, b) -> None:
    """Worlds a and b hold the same state to the bit: every array of vehicles, drive, behaviour and events."""
    for record in ("vehicles", "drive", "behaviour", "events"):
        for name, x, y in zip(getattr(a, record)._fields, getattr(a, record), getattr(b, record)):
            assert x.tobytes() == y.tobytes(), f"{record}.{name}"


def look_at(eye, target, width=320, height=240, fov_deg=70.0) -> Camera:
    """Camera at eye [m] looking at target [m], no roll (image x stays horizontal)."""
    z = np.subtract(target, eye, dtype=np.float64)
    z /= np.linalg.norm(z)
    x = np.cross(z, [0.0, 0.0, 1.0])
    x /= np.linalg.norm(x)
    R = np.stack([x, np.cross(z, x), z])
    return Camera(K=intrinsics(math.radians(fov_deg), width, height), R=R, t=-R @ np.asarray(eye, float),
                  width=width, height=height)
