"""Junctions: 4-way and T intersections, and roundabouts (right-hand traffic, centre at the origin).

Both generators share these conventions:

- An arm is a straight two-way street running outwards from the junction along its compass direction.
  Looking outwards, its approach lanes (driving in, ``1`` = rightmost of them) lie on its left and its
  leaving lanes (driving out, ``-1`` = rightmost) on its right; s runs from the arm's outer end on
  approach lanes and from the junction on leaving lanes. Approach lanes are the network's entries,
  leaving lanes its exits: every other lane lies on a path from one to the other (no dead ends).
- Connectors (kind "connector", number 0, ``arm`` = the arm they leave from) join lane ends with
  ``lanes.connector`` (ends exact, heading continuous).
- Sidewalks: one record per arm and side, ``side`` seen looking outwards along the arm, in arm order
  (right, left); each runs from the middle of its kerb corner out to the arm's end, so
  ``network.sidewalk(road, side)`` is that side of the first arm. The two halves of a corner meet.
"""
from __future__ import annotations

import math

import numpy as np
import shapely

from scenariosim.errors import ScenarioValidationError
from scenariosim.roads.generators.common import NetworkBuilder
from scenariosim.roads.geometry import arc_length, point_at
from scenariosim.roads.lanes import Sampled, band, lane_along, marking_along
from scenariosim.roads.network import (SOLID, STOP_LINE, URBAN_DASHED, Crosswalk, Lane, Marking, MarkingStyle, Prop,
                                       RoadNetwork, Sidewalk, TrafficLight)
from scenariosim.roads.reference import Reference, arc, line
from scenariosim.spec.roads import IntersectionSpec, RoundaboutSpec

#: outward direction [rad] of each intersection arm
COMPASS = {"east": 0.0, "south": -math.pi / 2, "west": math.pi, "north": math.pi / 2}
KERB_RADIUS = 6.0        # [m] of the kerb at an intersection's corners
ZEBRA_WIDTH = 4.0        # [m] of a crosswalk, along the arm
ZEBRA_GAP = 1.0          # [m] from the junction box edge to the crosswalk
STOP_GAP = 1.0           # [m] from the crosswalk (or the box edge) to the stop line
SOLID_CENTRE = 30.0      # [m] of solid centre line next to the junction; dashed beyond
SIGNAL_HEIGHT = 5.0      # [m] of a signal head on its pole
SIGNAL_SET_BACK = 0.5    # [m] from the kerb to the signal pole
EDGE_INSET = 0.2         # [m] from the kerb to the centre of an edge line
ENTRY_RADIUS = 10.0      # [m] smallest target radius of a roundabout's entry and exit curves
MIN_ISLAND = 2.0         # [m] smallest radius of a roundabout's central island
#: broken give-way line across a roundabout entry
GIVE_WAY = MarkingStyle(width=0.3, dash=0.5, gap=0.25)


# ---- shared pieces ---------------------------------------------------------------------------------

def _unit(angle: float) -> np.ndarray:
    return np.array([math.cos(angle), math.sin(angle)])


def _straight(start: np.ndarray, heading: float, length: float) -> Sampled:
    """A sampled straight reference line from ``start`` (2,) [m] along ``heading`` [rad]."""
    return Sampled.of(Reference((line(length),), x0=float(start[0]), y0=float(start[1]), heading0=heading))


def _arm(b: NetworkBuilder, ref: Sampled, arm: str, approach: int, leaving: int, width: float,
         gap: float = 0.0) -> tuple[list[int], list[int]]:
    """Approach lanes 1..approach left of ``ref`` (driving against it) and leaving lanes −1..−leaving right of
    it beyond a painted median ``gap`` [m] wide; returns their indices (lists ordered by |number|)."""
    out = [b.add(lane_along(ref, b.road, -k, -(gap + (leaving - k + 0.5) * width), width, arm=arm))
           for k in range(1, leaving + 1)]
    into = [b.add(lane_along(ref, b.road, j, (approach - j + 0.5) * width, width, reverse=True, arm=arm))
            for j in range(1, approach + 1)]
    b.neighbours(out)
    b.neighbours(into)
    return into, out


def _arm_markings(b: NetworkBuilder, start: np.ndarray, heading: float, length: float, approach: int,
                  leaving: int, width: float, gap: float, edges: bool) -> None:
    """Lane lines of an arm from ``start`` outwards: a centre line solid for SOLID_CENTRE then dashed (with a
    painted median: solid lines on both its sides), dashed lines between lanes, solid edges if ``edges``."""
    ref = _straight(start, heading, length)
    if gap > 0:
        b.markings += [marking_along(ref, 0.0, SOLID), marking_along(ref, -gap, SOLID)]
    else:
        solid = min(SOLID_CENTRE, length)
        b.markings.append(marking_along(_straight(start, heading, solid), 0.0, SOLID))
        if length > solid:
            b.markings.append(marking_along(_straight(start + solid * _unit(heading), heading, length - solid),
                                            0.0, URBAN_DASHED))
    b.markings += [marking_along(ref, k * width, URBAN_DASHED) for k in range(1, approach)]
    b.markings += [marking_along(ref, -gap - k * width, URBAN_DASHED) for k in range(1, leaving)]
    if edges:
        b.markings += [marking_along(ref, approach * width - EDGE_INSET, SOLID),
                       marking_along(ref, -gap - leaving * width + EDGE_INSET, SOLID)]


def _edge(lanes: list[Lane], d: float) -> np.ndarray:
    """The polyline (P, 2) [m] at offset d [m] along a chain of lanes (a gap between two is bridged straight)."""
    parts = [lane.point(lane.cum_s, d) for lane in lanes]
    return np.concatenate([parts[0]] + [p[1:] if np.allclose(p[0], q[-1], atol=1e-9) else p
                                        for q, p in zip(parts, parts[1:])])


def _corner_walks(kerb: np.ndarray, width: float) -> tuple[np.ndarray, np.ndarray]:
    """Centre lines (P, 2) [m] of the walkway right of a kerb polyline (P, 2) [m] that runs in along one arm
    (road on its left), round a corner and out along the next: (first arm's half, next arm's half), each
    starting at the corner's middle."""
    centre = shapely.line_merge(shapely.LineString(kerb).offset_curve(-width / 2, join_style="round"))
    if isinstance(centre, shapely.MultiLineString):              # pieces GEOS could not join: keep the longest
        centre = max(centre.geoms, key=lambda g: g.length)
    pts = np.asarray(centre.coords)[:, :2]
    if np.linalg.norm(pts[0] - kerb[0]) > np.linalg.norm(pts[-1] - kerb[0]):
        pts = pts[::-1]
    cum = arc_length(pts)
    mid = point_at(pts, cum, np.array([cum[-1] / 2]))[0]
    before, after = cum < cum[-1] / 2 - 1e-9, cum > cum[-1] / 2 + 1e-9       # a vertex at the middle is mid
    return np.concatenate([mid, pts[before][::-1]]), np.concatenate([mid, pts[after]])


def _sidewalks(b: NetworkBuilder, arms: list[str], kerbs: list[np.ndarray], nxt: list[int], width: float) -> None:
    """Kerb i runs in along arm i's left and out along arm nxt[i]'s right; records go out per arm: right, left."""
    side: dict[tuple[int, str], np.ndarray] = {}
    for i, kerb in enumerate(kerbs):
        side[(i, "left")], side[(nxt[i], "right")] = _corner_walks(kerb, width)
    for i in range(len(arms)):
        for s in ("right", "left"):
            c = side[(i, s)]
            b.sidewalks.append(Sidewalk(road=b.road, side=s, centre=c, cum_s=arc_length(c), width=width,
                                        area=shapely.LineString(c).buffer(width / 2, cap_style="flat")))


# ---- intersection ----------------------------------------------------------------------------------

def _movements(arms: list[str], lanes: int, turn: int) -> list[tuple[str, int, str, int]]:
    """(approach arm, approach lane j, exit arm, leaving lane k meaning −k) of every permitted movement.

    Straight on: lanes 1..lanes to leaving lane −j of the opposite arm; right turns from lane 1 to −1;
    left turns from the turn lanes, or without turn lanes from the leftmost lane, the leftmost to −lanes,
    the next to −(lanes−1) … (at least −1). No U-turns. Where an arm is missing (a T): on the stem,
    lanes 2..lanes turn left too; turn lanes with no arm to their left go straight on to −lanes; a leaving
    lane no rule feeds is fed by the approach lane already turning into that arm nearest it.
    """
    def towards(arm: str, turn_sign: int) -> str | None:
        heading = COMPASS[arm] + math.pi + turn_sign * math.pi / 2
        return next((a for a in arms if abs(math.remainder(COMPASS[a] - heading, 2 * math.pi)) < 1e-9), None)

    out: list[tuple[str, int, str, int]] = []
    for arm in arms:
        ahead, left, right = towards(arm, 0), towards(arm, 1), towards(arm, -1)
        moves = [(j, ahead, j) for j in range(1, lanes + 1)] if ahead else []
        if right:
            moves.append((1, right, 1))
        turners = set(range(lanes + 1, lanes + turn + 1)) or {lanes}
        if not ahead:                                  # the stem of a T: every lane but lane 1 may turn left
            turners |= set(range(2, lanes + 1))
        if left:                                       # leftmost turner to the innermost leaving lane, and so on
            moves += [(j, left, max(1, lanes - r)) for r, j in enumerate(sorted(turners, reverse=True))]
        elif turn:                                     # turn lanes with no arm to their left go straight on
            moves += [(j, ahead, lanes) for j in range(lanes + 1, lanes + turn + 1)]
        out += [(arm, j, to, k) for j, to, k in moves]
    for arm in arms:
        for k in range(1, lanes + 1):
            if not any(m[2] == arm and m[3] == k for m in out):
                a, j, _, _ = min((m for m in out if m[2] == arm), key=lambda m: (abs(m[3] - k), m[3]))
                out.append((a, j, arm, k))
    return out


def intersection(spec: IntersectionSpec) -> RoadNetwork:
    """A 4-way or T junction of straight two-way arms ``arm_length`` long, outside a junction box.

    Every arm has the same cross-section, ``W = (lanes + turn_lanes)·lane_width`` each side of its axis:
    approach lanes 1..lanes+turn_lanes on its left (the turn lanes next to the centre line, along the
    whole arm), and on its right a painted median ``turn_lanes·lane_width`` wide (opposite the other
    arm's turn lanes, so straight-on paths are straight) then leaving lanes −lanes..−1. Arms start
    e = W + KERB_RADIUS from the centre; the box between them is bounded by kerbs along the right
    edges of the right-turn connectors (about KERB_RADIUS round; a T's box is closed by a straight
    kerb at y = W), and sidewalks follow those kerbs. Crosswalk k (when ``sidewalk_width`` > 0) crosses arm k
    ZEBRA_GAP outside the box, kerb to kerb, its line from the right-hand to the left-hand kerb looking
    outwards; the stop line lies STOP_GAP behind it (or the box edge) across the approach lanes, with a
    signal (``traffic_lights`` = 1) SIGNAL_SET_BACK right of the approach at SIGNAL_HEIGHT, facing the
    approaching traffic. Markings (European, white): solid edge lines, dashed lane lines, a centre line
    solid for SOLID_CENTRE m from the stop line and dashed beyond (solid both sides of the painted median).
    """
    if spec.arm_count not in (3, 4):
        raise ScenarioValidationError(f"intersection '{spec.name}': arm_count is 3 (a T junction) or 4, "
                                      f"not {spec.arm_count}")
    n, turn, w = spec.lanes, spec.turn_lanes, spec.lane_width
    half = (n + turn) * w
    e = half + KERB_RADIUS
    arms = list(spec.arm_names())
    b = NetworkBuilder(spec.name)
    approach: dict[str, list[int]] = {}
    leaving: dict[str, list[int]] = {}
    zebra = e + ZEBRA_GAP + ZEBRA_WIDTH / 2                          # crosswalk centre's distance [m]
    stop = zebra + ZEBRA_WIDTH / 2 + STOP_GAP if spec.crosswalk_count else e + STOP_GAP
    for number, arm in enumerate(arms, start=1):
        u, v = _unit(COMPASS[arm]), _unit(COMPASS[arm] + math.pi / 2)  # outwards, to its left
        ref = _straight(e * u, COMPASS[arm], spec.arm_length)
        approach[arm], leaving[arm] = _arm(b, ref, arm, n + turn, n, w, gap=turn * w)
        b.areas.append(band(ref, -half, half))
        _arm_markings(b, stop * u, COMPASS[arm], e + spec.arm_length - stop, n + turn, n, w, turn * w, edges=True)
        b.markings.append(Marking(line=np.stack([stop * u, stop * u + half * v]), style=STOP_LINE))
        if spec.crosswalk_count:
            lo, hi = (zebra - ZEBRA_WIDTH / 2) * u, (zebra + ZEBRA_WIDTH / 2) * u
            b.crosswalks.append(Crosswalk(road=spec.name, number=number, arm=arm, width=ZEBRA_WIDTH,
                                          line=np.stack([zebra * u - half * v, zebra * u + half * v]),
                                          area=shapely.Polygon([lo - half * v, hi - half * v, hi + half * v,
                                                                lo + half * v])))
        if spec.traffic_lights:
            foot = stop * u + (half + SIGNAL_SET_BACK) * v
            b.traffic_lights.append(TrafficLight(position=np.array([foot[0], foot[1], SIGNAL_HEIGHT]),
                                                 heading=COMPASS[arm], lanes=tuple(approach[arm]), arm=arm))
            b.props.append(Prop("traffic_light_pole", (float(foot[0]), float(foot[1]), 0.0),
                                (0.2, 0.2, SIGNAL_HEIGHT), COMPASS[arm]))
    turns = {(arm, j, to, k): b.connect(approach[arm][j - 1], leaving[to][k - 1], arm=arm)
             for arm, j, to, k in _movements(arms, n, turn)}
    nxt = _ccw_next(arms)
    corners = []                          # kerb corners: lane 1 in, its right turn (a T's top: none), lane −1 out
    for arm, c in zip(arms, nxt):
        right = turns.get((arm, 1, arms[c], 1))
        corners.append([b.lanes[i] for i in [approach[arm][0]] + ([right] if right is not None else [])
                        + [leaving[arms[c]][0]]])
    box, i = [], 0
    for _ in arms:                        # the box inside its kerbs, corner after corner counter-clockwise
        first, *right_turn, last = corners[i]
        box.append(_edge(right_turn, -w / 2) if right_turn else
                   np.concatenate([first.point(first.length, -w / 2), last.point(0.0, -w / 2)]))
        i = nxt[i]
    b.areas.append(shapely.Polygon(np.concatenate(box)).buffer(0))
    if spec.has_sidewalks:
        _sidewalks(b, arms, [_edge(chain, -w / 2) for chain in corners], nxt, spec.sidewalk_width)
    return b.network()


def _ccw_next(arms: list[str]) -> list[int]:
    """For each arm, the index of the next arm counter-clockwise (the one a right turn leads to, or opposite)."""
    def gap(a: str, c: str) -> float:
        return (COMPASS[c] - COMPASS[a]) % (2 * math.pi) or 2 * math.pi
    return [min(range(len(arms)), key=lambda i: gap(a, arms[i])) for a in arms]


# ---- roundabout ------------------------------------------------------------------------------------

def _entry_angle(spec: RoundaboutSpec) -> tuple[float, float]:
    """(β [rad], R_a [m]): connectors meet the ring β either side of an arm's axis; arms start R_a from the centre.

    An entry of lane j (at l_j = (lanes−j+0.5)·w beside the axis) onto ring lane j (radius r_j) is the
    circle of radius ρ_j tangent to both: sin β = (l_j + ρ_j)/(r_j + ρ_j), and since r_j − l_j is the
    island radius R_in for every j, all lanes share β and R_a = R_in·cos β/(1 − sin β). β is set by
    ρ_1 = max(ENTRY_RADIUS, radius/2), at most 0.8·π/arm_count so arms' mouths never touch. Exits mirror.
    """
    w, lanes = spec.lane_width, spec.lanes
    r_in = spec.radius - lanes * w / 2
    if r_in < MIN_ISLAND:
        raise ScenarioValidationError(f"roundabout '{spec.name}': {lanes} lanes of {w:g} m leave a central island "
                                      f"of {r_in:g} m at radius {spec.radius:g} m (at least {MIN_ISLAND:g} m)")
    if spec.arm_count > len(spec.arms):
        raise ScenarioValidationError(f"roundabout '{spec.name}': at most {len(spec.arms)} arms, not {spec.arm_count}")
    rho = max(ENTRY_RADIUS, spec.radius / 2)
    l1, r1 = (lanes - 0.5) * w, spec.radius + (lanes - 1) * w / 2
    beta = min(math.asin((l1 + rho) / (r1 + rho)), 0.8 * math.pi / spec.arm_count)
    s = math.sin(beta)
    tightest = min((spec.radius + ((lanes + 1) / 2 - j) * w) * s - (lanes - j + 0.5) * w
                   for j in range(1, lanes + 1)) / (1 - s)
    reach = r_in * math.cos(beta) / (1 - s)
    side = lanes * w + spec.sidewalk_width
    fits = tightest >= w / 2 + 1.0 and reach > spec.radius + lanes * w / 2
    if not fits or math.atan2(side, reach) >= math.pi / spec.arm_count:
        raise ScenarioValidationError(f"roundabout '{spec.name}': radius {spec.radius:g} m is too small for "
                                      f"{spec.arm_count} arms of {lanes} lane(s) of {w:g} m")
    return beta, reach


def _crossing(lane: Lane, radius: float) -> float:
    """The first s [m] at which the lane's centre comes within ``radius`` [m] of the origin."""
    r = np.linalg.norm(lane.centre, axis=1)
    i = int(np.argmax(r <= radius))
    return float(np.interp(radius, [r[i], r[i - 1]], [lane.cum_s[i], lane.cum_s[i - 1]]))


def roundabout(spec: RoundaboutSpec) -> RoadNetwork:
    """A one-way ring driven counter-clockwise with ``arm_count`` two-way arms, arm1 east, then evenly
    counter-clockwise.

    Ring lanes 1..lanes (1 outermost, the right in the direction of travel) have centre radii
    radius + ((lanes+1)/2 − j)·lane_width, no arm; each is a closed chain of 2·arm_count arcs split where
    connectors meet it (β either side of every arm, see ``_entry_angle``), linked into a cycle; the first
    arc of ring lane j, what ``lane(ring, j)`` finds, runs from arm1's entry to arm2's exit. Each arm has
    ``lanes`` approach and ``lanes`` leaving lanes; approach lane j enters ring lane j and ring lane j
    leaves into leaving lane −j. Markings: solid kerb edge lines, solid island edges and splitter outlines,
    dashed lines between ring lanes, arm centre lines, a broken give-way line across each entry at the
    ring's outer edge. Sidewalks (``sidewalk_width`` > 0) follow the outer kerb.
    """
    beta, reach = _entry_angle(spec)
    n_arms, lanes, w, radius = spec.arm_count, spec.lanes, spec.lane_width, spec.radius
    arms = list(spec.arm_names())
    b = NetworkBuilder(spec.name)
    theta = [2 * math.pi * a / n_arms for a in range(n_arms)]
    cuts = [theta[0] + beta] + [t + sgn * beta for t in theta[1:] for sgn in (-1, 1)] + [2 * math.pi - beta]
    cuts.append(cuts[0] + 2 * math.pi)
    ring: list[list[int]] = [[] for _ in range(lanes)]
    for a0, a1 in zip(cuts, cuts[1:]):
        ref = Sampled.of(Reference((arc(radius * (a1 - a0), 1 / radius),), x0=radius * math.cos(a0),
                                   y0=radius * math.sin(a0), heading0=a0 + math.pi / 2))
        for j in range(lanes):
            ring[j].append(b.add(lane_along(ref, spec.name, j + 1, -((lanes - 1) / 2 - j) * w, w)))
        b.neighbours([ring[j][-1] for j in range(lanes)])
    pieces = len(cuts) - 1
    for chain in ring:
        for i in range(pieces):
            b.link(chain[i], chain[(i + 1) % pieces])
    entries, exits, approach, leaving = [], [], [], []
    for a, arm in enumerate(arms):
        u = _unit(theta[a])
        into, out = _arm(b, _straight(reach * u, theta[a], spec.arm_length), arm, lanes, lanes, w)
        approach.append(into)
        leaving.append(out)
        entries.append([b.connect(into[j], ring[j][2 * a], arm=arm) for j in range(lanes)])
        exits.append([b.connect(ring[j][(2 * a - 2) % pieces], out[j], arm=arm) for j in range(lanes)])
        b.areas.append(band(_straight(reach * u, theta[a], spec.arm_length), -lanes * w, lanes * w))
        _arm_markings(b, reach * u, theta[a], spec.arm_length, lanes, lanes, w, 0.0, edges=False)
    ln = b.lanes
    outer, inner = radius + lanes * w / 2, radius - lanes * w / 2
    b.areas.append(shapely.Point(0, 0).buffer(outer, quad_segs=128).difference(
        shapely.Point(0, 0).buffer(inner, quad_segs=128)))
    t = np.linspace(0, 2 * math.pi, 721)
    b.markings.append(Marking(line=(inner + EDGE_INSET) * np.stack([np.cos(t), np.sin(t)], 1), style=SOLID))
    b.markings += [Marking(line=(radius + (lanes / 2 - k) * w) * np.stack([np.cos(t), np.sin(t)], 1),
                           style=URBAN_DASHED) for k in range(1, lanes)]
    kerbs = []
    for a in range(n_arms):
        c = (a + 1) % n_arms
        for conn in (entries[a], exits[a]):
            first, last = ln[conn[0]], ln[conn[-1]]
            b.areas.append(shapely.Polygon(np.concatenate([first.point(first.cum_s, -w / 2),
                                                           last.point(last.cum_s, w / 2)[::-1]])).buffer(0))
            splitter = last.point(last.cum_s, w / 2 - EDGE_INSET)        # the island's outline, outside the ring
            b.markings.append(Marking(line=splitter[np.linalg.norm(splitter, axis=1) >= outer], style=SOLID))
        right, left = ln[entries[a][0]], ln[entries[a][-1]]
        b.markings.append(Marking(line=np.concatenate([right.point(_crossing(right, outer), -w / 2),
                                                       left.point(_crossing(left, outer), w / 2)]),
                                  style=GIVE_WAY))
        chain = [ln[approach[a][0]], ln[entries[a][0]], ln[ring[0][2 * a]], ln[exits[c][0]], ln[leaving[c][0]]]
        b.markings.append(Marking(line=_edge(chain, -w / 2 + EDGE_INSET), style=SOLID))
        kerbs.append(_edge(chain, -w / 2))
    if spec.sidewalk_width > 0:
        _sidewalks(b, arms, kerbs, [(a + 1) % n_arms for a in range(n_arms)], spec.sidewalk_width)
    return b.network()
