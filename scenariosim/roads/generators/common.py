"""NetworkBuilder: what every generator uses to collect lanes, links and furniture into a RoadNetwork."""
from __future__ import annotations

import dataclasses

import shapely

from scenariosim.roads.lanes import connector
from scenariosim.roads.network import Crosswalk, Lane, Marking, Prop, RoadNetwork, Sidewalk, TrafficLight


class NetworkBuilder:
    """Collects the parts of one road's network; lanes are referred to by their index in ``lanes``."""

    def __init__(self, road: str) -> None:
        self.road = road
        self.lanes: list[Lane] = []
        self.markings: list[Marking] = []
        self.areas: list[shapely.Geometry] = []       # drivable area pieces
        self.sidewalks: list[Sidewalk] = []
        self.crosswalks: list[Crosswalk] = []
        self.traffic_lights: list[TrafficLight] = []
        self.props: list[Prop] = []
        self._succ: dict[int, list[int]] = {}

    def add(self, lane: Lane) -> int:
        self.lanes.append(lane)
        return len(self.lanes) - 1

    def neighbours(self, right_to_left: list[int]) -> None:
        """Mark lanes (indices, right to left, one direction of travel) as each other's neighbours."""
        for a, b in zip(right_to_left, right_to_left[1:]):
            self.lanes[a] = dataclasses.replace(self.lanes[a], left=b)
            self.lanes[b] = dataclasses.replace(self.lanes[b], right=a)

    def link(self, a: int, b: int) -> None:
        """Lane b follows lane a (a's end meets b's start)."""
        self._succ.setdefault(a, [])
        if b not in self._succ[a]:
            self._succ[a].append(b)

    def connect(self, a: int, b: int, *, arm: str | None = None) -> int:
        """A connector lane from the end of lane a to the start of lane b, linked a → connector → b."""
        c = self.add(connector(self.road, self.lanes[a], self.lanes[b], arm=arm))
        self.link(a, c)
        self.link(c, b)
        return c

    def network(self) -> RoadNetwork:
        pred: dict[int, list[int]] = {}
        for a, bs in self._succ.items():
            for b in bs:
                pred.setdefault(b, []).append(a)
        lanes = tuple(dataclasses.replace(lane, successors=tuple(self._succ.get(i, ())),
                                          predecessors=tuple(pred.get(i, ()))) for i, lane in enumerate(self.lanes))
        surface = shapely.union_all(self.areas + [lane.polygon() for lane in lanes]).buffer(0)
        return RoadNetwork(lanes=lanes, markings=tuple(self.markings), surface=surface,
                           sidewalks=tuple(self.sidewalks), crosswalks=tuple(self.crosswalks),
                           traffic_lights=tuple(self.traffic_lights), props=tuple(self.props))
