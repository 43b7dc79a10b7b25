"""Highway ramps: the merge (on-ramp with an acceleration lane) and exit (off-ramp with a deceleration lane).

The main carriageway is laid out as the highway generator lays it: straight along +x from the origin,
its right edge at y = 0, lanes 1..lanes on arm ``main``, lane k's centre (k − 0.5)·lane_width left of
the edge. The ramp side is arm ``ramp``, numbered the same way in both generators:

- ``lane(ROAD, 1, arm: ramp)``: the ramp roadway itself (kind "driving"), one lane of lane_width;
- ``lane(ROAD, 2, arm: ramp)``: the auxiliary lane right of main lane 1, full lane_width apart from its
  taper: the acceleration lane (kind "acceleration") of a merge, the deceleration lane (kind "exit") of an
  exit.

Lane graph. merge: ramp → acceleration lane; the acceleration lane has no successor, a deliberate dead
end: traffic leaves it by changing lanes to its left neighbour, main lane 1. exit: the deceleration lane
has no predecessor (traffic enters it by changing lanes from main lane 1, its left neighbour);
deceleration lane → ramp. Neighbour links are per lane, so main lane 1's right neighbour (the auxiliary
lane) exists only where the auxiliary lane runs: x in [merge_at, merge_at + acceleration_lane] (merge),
[diverge_at, diverge_at + deceleration_lane] (exit). Main lanes and the off-ramp end where the road ends.

Geometry (guide values, rounded):

- Taper: the last (merge) or first (exit) ``TAPER`` = 60 m of the auxiliary lane, its width linear between
  lane_width and 0 while its left edge stays on the main carriageway's edge (German RAA 2008, entries and
  exits: 'Verziehung' 60 m; the AASHTO Green Book's parallel-type entrance taper is about 90 m). At most
  half the auxiliary lane, so a short one keeps a full-width part.
- Ramp: a clothoid–arc–clothoid curve of min(ramp_length, ``RAMP_CURVE``) (a clothoid a quarter of it at
  each end) turning ``RAMP_TURN`` to the right, and a straight for the rest of ramp_length (before the curve
  on a merge, after it on an exit). Heading and curvature are continuous, and the ramp meets the
  auxiliary lane tangentially, where the auxiliary lane has full width. A full-length curve has a
  375 m radius, above the AASHTO minimum for 80 km/h (about 230 m at 8 % superelevation).
- Markings: solid edges, ``DASHED`` lane lines on the main road, and ``BLOCK`` between main lane 1 and the
  auxiliary lane along its whole length (taper included): a broken line 0.30 m wide, 6 m dash, 6 m gap
  (German 'Blockmarkierung' of the RMS on motorways: Breitstrich 0.30 m, 6 m : 6 m). The ramp has solid
  edges on both sides.
"""
from __future__ import annotations

import numpy as np

from scenariosim.errors import ScenarioValidationError
from scenariosim.roads.generators.common import NetworkBuilder
from scenariosim.roads.lanes import Sampled, band, lane_along, marking_along
from scenariosim.roads.network import DASHED, SOLID, MarkingStyle, RoadNetwork
from scenariosim.roads.reference import Reference, Segment, arc, clothoid, line
from scenariosim.spec.roads import ExitSpec, MergeSpec

#: taper of an acceleration or deceleration lane [m] (RAA 2008 'Verziehung')
TAPER = 60.0
#: length of the ramp's curve at most [m]; the rest of the ramp is straight
RAMP_CURVE = 150.0
#: total turn of the ramp's curve [rad] (about 17°)
RAMP_TURN = 0.3
#: broken line between a through lane and an acceleration/deceleration lane (RMS 'Blockmarkierung')
BLOCK = MarkingStyle(width=0.30, dash=6.0, gap=6.0)

#: the ramp's lane numbers on arm "ramp"
RAMP_LANE, AUXILIARY_LANE = 1, 2


def merge(spec: MergeSpec) -> RoadNetwork:
    """Main lanes 1..lanes (arm main); the on-ramp (ramp lane 1) from the right-rear, joining the
    acceleration lane (ramp lane 2) at x = merge_at; the acceleration lane ends in a taper."""
    start, length = spec.merge_at, spec.acceleration_lane
    _fits(spec.name, "acceleration lane", start + length, spec.length)
    w, taper = spec.lane_width, _taper(length)
    b = NetworkBuilder(spec.name)
    main = _carriageway(b, spec.name, spec.length, spec.lanes, w, start, start + length)
    curve = min(spec.ramp_length, RAMP_CURVE)
    pieces = ((line(spec.ramp_length - curve),) if spec.ramp_length > curve else ()) + _curve(curve)
    xe, ye, _ = Reference(pieces, heading0=RAMP_TURN).end_pose        # then shift it to end where the lane starts
    ramp = Sampled.of(Reference(pieces, x0=start - xe, y0=-w / 2 - ye, heading0=RAMP_TURN))
    aux = Sampled.of(Reference((line(length - taper), line(taper)), x0=start))
    width = w * np.clip((length - aux.s) / taper, 0.0, 1.0)
    r = _ramp(b, spec.name, ramp, w)
    a = _auxiliary(b, spec.name, aux, width, "acceleration")
    b.neighbours([a] + main)
    b.link(r, a)
    return b.network()


def exit_ramp(spec: ExitSpec) -> RoadNetwork:
    """Main lanes 1..lanes (arm main); the deceleration lane (ramp lane 2) from x = diverge_at, starting
    with a taper, then the off-ramp (ramp lane 1) curving away to the right."""
    start, length = spec.diverge_at, spec.deceleration_lane
    _fits(spec.name, "deceleration lane", start + length, spec.length)
    w, taper = spec.lane_width, _taper(length)
    b = NetworkBuilder(spec.name)
    main = _carriageway(b, spec.name, spec.length, spec.lanes, w, start, start + length)
    aux = Sampled.of(Reference((line(taper), line(length - taper)), x0=start))
    width = w * np.clip(aux.s / taper, 0.0, 1.0)
    curve = min(spec.ramp_length, RAMP_CURVE)
    pieces = _curve(curve) + ((line(spec.ramp_length - curve),) if spec.ramp_length > curve else ())
    ramp = Sampled.of(Reference(pieces, x0=start + length, y0=-w / 2))
    a = _auxiliary(b, spec.name, aux, width, "exit")
    r = _ramp(b, spec.name, ramp, w)
    b.neighbours([a] + main)
    b.link(a, r)
    return b.network()


def _fits(road: str, what: str, end: float, length: float) -> None:
    if end > length:
        raise ScenarioValidationError(f"road '{road}': the {what} ends {end - length:g} m past the road's length "
                                      f"({length:g} m)")


def _taper(length: float) -> float:
    """Taper length [m] of an auxiliary lane ``length`` [m] long: TAPER, at most half the lane."""
    return min(TAPER, 0.5 * length)


def _curve(length: float) -> tuple[Segment, ...]:
    """Clothoid (a quarter), arc (half), clothoid (a quarter), ``length`` [m] in all, turning RAMP_TURN
    to the right: the clothoids turn k·length/8 each and the arc k·length/2, so k = RAMP_TURN / (0.75·length)."""
    k = -RAMP_TURN / (0.75 * length)
    q = 0.25 * length
    return clothoid(q, 0.0, k), arc(2 * q, k), clothoid(q, k, 0.0)


def _carriageway(b: NetworkBuilder, road: str, length: float, lanes: int, w: float, aux_start: float,
                 aux_end: float) -> list[int]:
    """Main lanes 1..lanes (arm main) along +x, their area and markings; the right edge line is BLOCK
    where the auxiliary lane runs (x in [aux_start, aux_end] [m]), solid elsewhere. Returns the lane
    indices right to left."""
    ref = _along_x(0.0, length)
    lanes_ = [b.add(lane_along(ref, road, k, (k - 0.5) * w, w, arm="main")) for k in range(1, lanes + 1)]
    b.neighbours(lanes_)
    for x0, x1, style in ((0.0, aux_start, SOLID), (aux_start, aux_end, BLOCK), (aux_end, length, SOLID)):
        if x1 > x0:
            b.markings.append(marking_along(_along_x(x0, x1), 0.0, style))
    b.markings += [marking_along(ref, k * w, DASHED) for k in range(1, lanes)]
    b.markings.append(marking_along(ref, lanes * w, SOLID))
    b.areas.append(band(ref, 0.0, lanes * w))
    return lanes_


def _along_x(x0: float, x1: float) -> Sampled:
    """The line y = 0 from x0 to x1 [m], heading +x, sampled."""
    return Sampled.of(Reference((line(x1 - x0),), x0=x0))


def _ramp(b: NetworkBuilder, road: str, ref: Sampled, w: float) -> int:
    """The ramp lane (ramp lane 1) centred on ``ref``, with solid edges."""
    b.markings += [marking_along(ref, -0.5 * w, SOLID), marking_along(ref, 0.5 * w, SOLID)]
    return b.add(lane_along(ref, road, RAMP_LANE, 0.0, w, arm="ramp"))


def _auxiliary(b: NetworkBuilder, road: str, ref: Sampled, width: np.ndarray, kind: str) -> int:
    """The auxiliary lane (ramp lane 2) right of the line ``ref`` (the main edge) with ``width`` (P,) [m]
    per station, and its solid outer edge."""
    b.markings.append(marking_along(ref, -width, SOLID))
    return b.add(lane_along(ref, road, AUXILIARY_LANE, -0.5 * width, width, arm="ramp", kind=kind))
