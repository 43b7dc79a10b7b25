"""Frozen scenario records in SI units, and their validation."""
from scenariosim.spec.roads import ROAD_GENERATORS, HighwaySpec, RoadSpec
from scenariosim.spec.scenario import (ACTOR_KINDS, ActorSpec, CameraSpec, EnvironmentSpec,
                                       ScenarioSpec, SunSpec)
from scenariosim.spec.validate import validate

__all__ = ["ACTOR_KINDS", "ROAD_GENERATORS", "ActorSpec", "CameraSpec", "EnvironmentSpec",
           "HighwaySpec", "RoadSpec", "ScenarioSpec", "SunSpec", "validate"]
