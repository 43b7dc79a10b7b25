"""Highway ramps: the merge (on-ramp with an acceleration lane) and exit (off-ramp with a deceleration lane)."""
from __future__ import annotations

from scenariosim.errors import ScenarioValidationError
from scenariosim.roads.network import RoadNetwork
from scenariosim.spec.roads import ExitSpec, MergeSpec


def merge(spec: MergeSpec) -> RoadNetwork:
    raise ScenarioValidationError(f"road '{spec.name}': the merge generator is not built yet")


def exit_ramp(spec: ExitSpec) -> RoadNetwork:
    raise ScenarioValidationError(f"road '{spec.name}': the exit generator is not built yet")
