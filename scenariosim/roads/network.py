"""RoadNetwork: lanes with centre lines, lane markings and drivable-area polygons."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely


@dataclass(frozen=True, slots=True)
class MarkingStyle:
    """Lane-marking dimensions [m]; gap = 0 means a solid line."""

    width: float
    dash: float
    gap: float


#: Lane-line conventions (motorway practice, e.g. German RMS: 6 m dashes, 12 m gaps,
#: 0.15 m broken and 0.30 m edge lines would be typical; we use 0.15 m for both).
DASHED = MarkingStyle(width=0.15, dash=6.0, gap=12.0)
SOLID = MarkingStyle(width=0.15, dash=0.0, gap=0.0)


@dataclass(frozen=True, slots=True)
class Lane:
    """One lane: centre line (P, 2) [m] in driving direction, its arc length (P,) [m], width [m]."""

    road: str
    number: int                  # 1-based, 1 = rightmost
    centre: np.ndarray           # (P, 2) float64 [m]
    cum_s: np.ndarray            # (P,) float64 [m]
    width: float                 # [m]
    left: int                    # index of the lane to the left in RoadNetwork.lanes, -1 if none
    right: int                   # index of the lane to the right, -1 if none

    @property
    def length(self) -> float:
        return float(self.cum_s[-1])


@dataclass(frozen=True, slots=True)
class Marking:
    """A painted line along a polyline (P, 2) [m] with a style."""

    line: np.ndarray
    style: MarkingStyle


@dataclass(frozen=True, slots=True)
class RoadNetwork:
    lanes: tuple[Lane, ...]
    markings: tuple[Marking, ...]
    surface: shapely.Polygon     # drivable area (all lanes) [m]

    def lane_index(self, road: str, number: int) -> int:
        """Index in ``lanes`` of lane ``number`` (1-based) of ``road``."""
        return next(i for i, lane in enumerate(self.lanes) if lane.road == road and lane.number == number)

    def bounds(self) -> tuple[float, float, float, float]:
        """(min_x, min_y, max_x, max_y) [m] of the drivable area."""
        return self.surface.bounds
