"""Small scenarios built through the Python API, shared by the tests (no scenario files needed)."""
from __future__ import annotations

from scenariosim.roads import build
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
