"""Frozen scenario records in SI units, their validation, and sampling of their random values."""
from scenariosim.spec.roads import ROAD_GENERATORS, HighwaySpec, RoadSpec
from scenariosim.spec.sampling import is_concrete, sample
from scenariosim.spec.scenario import (ACTOR_KINDS, ActorSpec, CameraSpec, EnvironmentSpec,
                                       ScenarioSpec, SunSpec)
from scenariosim.spec.sweep import MAX_SWEEP_RUNS, SWEEP_MODES, SWEEP_SAMPLERS, SweepAxis, SweepSpec
from scenariosim.spec.validate import locate, validate
from scenariosim.spec.values import BinOp, Choice, Const, Expr, Neg, Normal, Param, ParamRef, Uniform

__all__ = ["ACTOR_KINDS", "ROAD_GENERATORS", "ActorSpec", "BinOp", "CameraSpec", "Choice", "Const",
           "EnvironmentSpec", "Expr", "HighwaySpec", "Neg", "Normal", "Param", "ParamRef", "RoadSpec",
           "ScenarioSpec", "SunSpec", "MAX_SWEEP_RUNS", "SWEEP_MODES", "SWEEP_SAMPLERS", "SweepAxis", "SweepSpec", "Uniform", "is_concrete", "locate", "sample", "validate"]
