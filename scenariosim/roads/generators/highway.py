"""The highway generator: straight or one curve (clothoid – arc – clothoid), shoulders, a median, a grade."""
from __future__ import annotations

import math

from scenariosim.errors import ScenarioValidationError
from scenariosim.roads.generators.common import NetworkBuilder
from scenariosim.roads.lanes import Sampled, band, lane_along, marking_along
from scenariosim.roads.network import DASHED, SOLID, RoadNetwork
from scenariosim.roads.reference import Reference, arc, clothoid, line
from scenariosim.spec.roads import HighwaySpec


def highway_reference(spec: HighwaySpec) -> Reference:
    """The right edge of the forward carriageway: line, then (if curved) clothoid, arc, clothoid, then line.

    The curve turns ``curve_angle`` in all; each clothoid turns L_t / (2R), the arc the rest. A curve that
    does not fit (its transitions turn more than the whole angle, or it runs past ``length``) is an error.
    """
    lengths = spec.curve_lengths()
    if lengths is None:
        return Reference((line(spec.length),), grade=spec.grade)
    if (problem := spec.curve_problem()) is not None:
        raise ScenarioValidationError(f"highway '{spec.name}': {problem}")
    arc_length, rest = lengths                                           # two clothoids turn L_t/(2R) each
    k = math.copysign(1.0 / spec.curve_radius, spec.curve_angle)
    lt = spec.transition_length
    pieces = [line(spec.curve_at)] if spec.curve_at > 0 else []
    if lt > 0:
        pieces.append(clothoid(lt, 0.0, k))
    if arc_length > 0:
        pieces.append(arc(arc_length, k))
    if lt > 0:
        pieces.append(clothoid(lt, k, 0.0))
    if rest > 0:
        pieces.append(line(rest))
    return Reference(tuple(pieces), grade=spec.grade)


def highway(spec: HighwaySpec) -> RoadNetwork:
    """Lanes 1..lanes left of the reference (the right edge); with a median, lanes −1..−lanes beyond it,
    driving back. Markings: solid edges, dashed lane lines. The shoulder is paved (drivable area) but no lane."""
    ref = Sampled.of(highway_reference(spec))
    b = NetworkBuilder(spec.name)
    w, n = spec.lane_width, spec.lanes
    forward = [b.add(lane_along(ref, spec.name, k, (k - 0.5) * w, w)) for k in range(1, n + 1)]
    b.neighbours(forward)
    b.markings.append(marking_along(ref, 0.0, SOLID))
    b.markings += [marking_along(ref, k * w, DASHED) for k in range(1, n)]
    b.markings.append(marking_along(ref, n * w, SOLID))
    b.areas.append(band(ref, -spec.shoulder_width, n * w))
    if spec.median_width > 0:
        far = n * w + spec.median_width               # left edge of the oncoming carriageway's inner side
        oncoming = [b.add(lane_along(ref, spec.name, -k, far + (n - k + 0.5) * w, w, reverse=True))
                    for k in range(1, n + 1)]
        b.neighbours(oncoming)
        b.markings.append(marking_along(ref, far, SOLID))
        b.markings += [marking_along(ref, far + k * w, DASHED) for k in range(1, n)]
        b.markings.append(marking_along(ref, far + n * w, SOLID))
        b.areas.append(band(ref, far, far + n * w + spec.shoulder_width))
    return b.network()
