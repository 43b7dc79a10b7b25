"""Procedural road generators: spec record → RoadNetwork, one module per family of roads."""
from __future__ import annotations

import dataclasses

import shapely

from scenariosim.roads.generators.highway import highway
from scenariosim.roads.generators.junctions import intersection, roundabout
from scenariosim.roads.generators.ramps import exit_ramp, merge
from scenariosim.roads.generators.urban import street, town
from scenariosim.roads.network import RoadNetwork
from scenariosim.spec.roads import (ExitSpec, HighwaySpec, IntersectionSpec, MergeSpec, RoundaboutSpec, StreetSpec,
                                    TownSpec)

#: spec record type → generator
GENERATORS = {HighwaySpec: highway, MergeSpec: merge, ExitSpec: exit_ramp, StreetSpec: street,
              IntersectionSpec: intersection, RoundaboutSpec: roundabout, TownSpec: town}


def build(roads) -> RoadNetwork:
    """Build every road of a scenario into one network (lane indices of later roads follow earlier ones).
    Every generator places its road at the origin; roads of one scenario are not joined."""
    parts = [GENERATORS[type(road)](road) for road in roads]
    lanes, markings, sidewalks, crosswalks, lights, props = [], [], [], [], [], []
    for net in parts:
        base = len(lanes)
        shift = lambda i: i + base if i >= 0 else -1          # noqa: E731
        lanes += [dataclasses.replace(lane, left=shift(lane.left), right=shift(lane.right),
                                      successors=tuple(i + base for i in lane.successors),
                                      predecessors=tuple(i + base for i in lane.predecessors)) for lane in net.lanes]
        lights += [dataclasses.replace(t, lanes=tuple(i + base for i in t.lanes)) for t in net.traffic_lights]
        markings += net.markings
        sidewalks += net.sidewalks
        crosswalks += net.crosswalks
        props += net.props
    surface = shapely.union_all([net.surface for net in parts]) if parts else shapely.Polygon()
    return RoadNetwork(lanes=tuple(lanes), markings=tuple(markings), surface=surface, sidewalks=tuple(sidewalks),
                       crosswalks=tuple(crosswalks), traffic_lights=tuple(lights), props=tuple(props))
