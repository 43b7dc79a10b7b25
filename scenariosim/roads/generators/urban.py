"""Urban roads: a straight two-way street and a town grid, with sidewalks and street furniture."""
from __future__ import annotations

from scenariosim.errors import ScenarioValidationError
from scenariosim.roads.network import RoadNetwork
from scenariosim.spec.roads import StreetSpec, TownSpec


def street(spec: StreetSpec) -> RoadNetwork:
    raise ScenarioValidationError(f"road '{spec.name}': the street generator is not built yet")


def town(spec: TownSpec) -> RoadNetwork:
    raise ScenarioValidationError(f"road '{spec.name}': the town generator is not built yet")
