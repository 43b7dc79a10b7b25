"""Junctions: 4-way and T intersections, and roundabouts."""
from __future__ import annotations

from scenariosim.errors import ScenarioValidationError
from scenariosim.roads.network import RoadNetwork
from scenariosim.spec.roads import IntersectionSpec, RoundaboutSpec


def intersection(spec: IntersectionSpec) -> RoadNetwork:
    raise ScenarioValidationError(f"road '{spec.name}': the intersection generator is not built yet")


def roundabout(spec: RoundaboutSpec) -> RoadNetwork:
    raise ScenarioValidationError(f"road '{spec.name}': the roundabout generator is not built yet")
