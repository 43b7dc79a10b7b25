"""Procedural road generators: spec record → RoadNetwork."""
from __future__ import annotations

import numpy as np
import shapely

from scenariosim.roads.geometry import arc_length, offset_polyline
from scenariosim.roads.network import DASHED, SOLID, Lane, Marking, RoadNetwork
from scenariosim.errors import ScenarioValidationError
from scenariosim.spec.roads import ROAD_GENERATORS, HighwaySpec

_SAMPLE_SPACING = 10.0  # [m] between centre-line vertices


def highway(spec: HighwaySpec) -> RoadNetwork:
    """A straight one-way road along +x from x = 0; the right edge is y = 0."""
    n = max(2, int(np.ceil(spec.length / _SAMPLE_SPACING)) + 1)
    x = np.linspace(0.0, spec.length, n)
    reference = np.stack([x, np.zeros_like(x)], axis=1)   # right edge
    w = spec.lane_width
    lanes = []
    for k in range(1, spec.lanes + 1):
        centre = offset_polyline(reference, (k - 0.5) * w)
        lanes.append(Lane(road=spec.name, number=k, centre=centre, cum_s=arc_length(centre), width=w,
                          left=k if k < spec.lanes else -1, right=k - 2 if k > 1 else -1))
    markings = [Marking(reference, SOLID), Marking(offset_polyline(reference, spec.lanes * w), SOLID)]
    markings += [Marking(offset_polyline(reference, k * w), DASHED) for k in range(1, spec.lanes)]
    surface = shapely.Polygon([(0, 0), (spec.length, 0), (spec.length, spec.lanes * w), (0, spec.lanes * w)])
    return RoadNetwork(lanes=tuple(lanes), markings=tuple(markings), surface=surface)


#: spec record type → generator
GENERATORS = {HighwaySpec: highway}


def build(roads) -> RoadNetwork:
    """Build every road of a scenario into one network (lanes of later roads follow earlier ones)."""
    lanes, markings, surfaces = [], [], []
    for road in roads:
        if type(road) not in GENERATORS:
            raise ScenarioValidationError(f"road '{road.name}': the {_generator_name(road)} generator can be "
                                          f"written and checked but not built yet (built: "
                                          f"{', '.join(_generator_name(g) for g in GENERATORS)})")
        net = GENERATORS[type(road)](road)
        base = len(lanes)
        lanes += [Lane(road=l.road, number=l.number, centre=l.centre, cum_s=l.cum_s, width=l.width,
                       left=l.left + base if l.left >= 0 else -1, right=l.right + base if l.right >= 0 else -1)
                  for l in net.lanes]
        markings += net.markings
        surfaces.append(net.surface)
    surface = shapely.union_all(surfaces) if surfaces else shapely.Polygon()
    return RoadNetwork(lanes=tuple(lanes), markings=tuple(markings), surface=surface)


def _generator_name(road) -> str:
    kind = road if isinstance(road, type) else type(road)
    return next(name for name, record in ROAD_GENERATORS.items() if record is kind)
