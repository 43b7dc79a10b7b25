"""Junction rules for the vehicle kernel: fixed-time signal plans and a table of conflict points.

Junctions. A junction is a set of connector lanes (kind "connector") of one road joined transitively
where their centre lines touch or cross, or they leave (or enter) the same lane or two side-by-side
lanes: every connector of an intersection or a town junction (a T's straight-on from the outermost lane
of the top crosses nothing); at a roundabout the ring is no connector, so each arm's entries and its
exits form junctions of their own. Roads of one scenario all sit at the origin and are never joined, so
nothing here relates lanes of different roads.
A lane's *approach direction* is its heading where it ends (for a connector: where it starts); it is
east–west when |cos| ≥ |sin|, else north–south.

Signals (``signal_plan``). Every approach lane named by a TrafficLight gets the signal group of its
junction and approach axis: one group for the east–west approaches, one for the north–south ones.
Fixed time, two phases: east–west green GREEN_TIME, yellow YELLOW_TIME, all-red ALL_RED_TIME, then
north–south the same, so CYCLE_TIME = 2·(20 + 3 + 2) = 50 s. The east–west group of a junction whose
centre lies at x starts its green at offset x / PROGRESSION_SPEED (mod the cycle): a green wave for
eastbound traffic along east–west streets (a single intersection at the origin: offset 0, east–west
green first); its north–south group follows half a cycle later. The stop line is where a STOP_LINE
marking crosses the lane's centre line (``stop_s``), else the lane's end.

Conflicts (``conflict_table``). Candidates are pairs of lanes of one road, at least one a connector,
that either end on a common successor (a *merge*; the conflict point on each lane is the first point
where its centre line comes within half the common successor's width of the other's) or whose centre
lines cross away from a shared start (a *crossing*; the crossing point found by shapely, the first one
along the lower-indexed lane). Lanes that continue one another, or only share a start (a diverge), do
not conflict. Each unordered pair is listed once, lane_a < lane_b. Who yields, first rule that applies:

1. Roundabouts (a ring is a cycle of non-connector lanes): a connector yields to a non-connector lane
   (entering traffic to the circulating lanes; an exit from an inner ring lane, which crosses the outer
   ring lane, yields to it too); an entry connector yields to an exit connector.
2. Signals (both connectors' approach lanes in signal groups): groups that are never non-red at the same
   time are separated by the signals — the conflict is dropped. In one phase the movement rule decides.
3. No signals (at an intersection or town junction): the east–west road is the major road; a movement
   from a north–south approach yields to one from an east–west approach (also a major road's turning
   traffic into the minor road: the priority road's rule, e.g. German StVO §8). Between two approaches
   of the same rank the movement rule decides.
4. Movement rule: straight > right turn > left turn (|turn| < 45° is straight): left turns yield to
   oncoming straight and right-turning traffic, and at a merge the turning movement yields to the
   straight one. Between equal movements: right before left (yield to the approach on your right,
   heading +90° from yours); otherwise — opposing or same-side approaches — the lane starting further to
   the left of the other's direction of travel yields, and where that is symmetric (opposing left turns)
   the higher-indexed lane yields (arbitrary, deterministic).

With the generators' defaults this gives: a 4-way intersection 8 conflicts with signals (per phase, each
left turn against the oncoming straight and right turn), 28 without; a T junction 2 / 6; every town
junction 28; a one-lane roundabout one merge per entry (a two-lane one 4 per arm: two merges, the inner
entry and the inner exit each crossing the outer ring lane).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import shapely

from scenariosim.roads.network import STOP_LINE, RoadNetwork

#: Fixed-time plan [s]: 20 s green per phase is typical of two-phase urban fixed-time plans (cycles of
#: 40–90 s; HCM 2010 ch. 31); 3 s yellow is the common minimum (ITE: 3–6 s, about 3 s at 50 km/h); 2 s
#: all-red clears a ~20 m junction box at 10 m/s (ITE red clearance interval, typically 1–2 s).
GREEN_TIME = 20.0
YELLOW_TIME = 3.0
ALL_RED_TIME = 2.0
PHASES = 2                                                   # east–west, then north–south
PHASE_TIME = GREEN_TIME + YELLOW_TIME + ALL_RED_TIME         # 25 s
CYCLE_TIME = PHASES * PHASE_TIME                             # 50 s
#: [m/s] design speed of the green wave that sets the east–west offsets: 50 km/h, the urban limit
PROGRESSION_SPEED = 50.0 / 3.6
EAST_WEST, NORTH_SOUTH = 0, 1
STRAIGHT, RIGHT, LEFT = 0, 1, 2                              # movement classes, in order of priority
STRAIGHT_LIMIT = math.pi / 4                                 # [rad] |turn| below this is straight on
ENDPOINT_TOL = 1e-6                                          # [m] a crossing this close to a shared start is none


class SignalPlan(NamedTuple):
    """Fixed-time signals: which group controls each lane's stop line, and every group's timing.

    lane_group (L,) int64: for every lane of ``network.lanes`` the signal group of the stop line at its
    end (approach lanes that feed a signalised junction), −1 if none.
    offset, green, yellow, cycle (G,) float64 [s]: group g is green for t in [offset, offset + green)
    modulo cycle, then yellow for ``yellow``, else red.
    stop_s (L,) float64 [m]: s of the lane's stop line (where a STOP_LINE marking crosses a signalised
    lane; before the lane's end when a crosswalk lies between), the lane's length elsewhere.
    """

    lane_group: np.ndarray
    offset: np.ndarray
    green: np.ndarray
    yellow: np.ndarray
    cycle: np.ndarray
    stop_s: np.ndarray


class ConflictTable(NamedTuple):
    """K conflicts between pairs of lanes (each unordered pair once, lane_a < lane_b).

    lane_a, lane_b (K,) int64: lane indices; s_a, s_b (K,) float64 [m]: where the conflict point lies
    along each (the centre lines' crossing, or for a merge the first point within half a lane width);
    a_yields (K,) bool: lane_a's traffic yields to lane_b's (else lane_b's to lane_a's);
    merge (K,) bool: the pair ends on a common lane (else its centre lines cross).
    """

    lane_a: np.ndarray
    lane_b: np.ndarray
    s_a: np.ndarray
    s_b: np.ndarray
    a_yields: np.ndarray
    merge: np.ndarray


# ---- geometry helpers -----------------------------------------------------------------------------------

def _lines(network: RoadNetwork) -> np.ndarray:
    return np.array([shapely.LineString(lane.centre) for lane in network.lanes], dtype=object)


def _heading(lane, end: bool) -> float:
    d = lane.centre[-1] - lane.centre[-2] if end else lane.centre[1] - lane.centre[0]
    return math.atan2(d[1], d[0])


def _axis(heading: float) -> int:
    return EAST_WEST if abs(math.cos(heading)) >= abs(math.sin(heading)) else NORTH_SOUTH


def _touching_pairs(network: RoadNetwork, lines: np.ndarray, only: np.ndarray) -> np.ndarray:
    """(M, 2) int64 pairs (i < j) of lanes of one road whose centre lines touch or cross, i in ``only``."""
    if len(only) == 0 or len(lines) == 0:
        return np.empty((0, 2), dtype=np.int64)
    src, dst = shapely.STRtree(lines).query(lines[only], predicate="intersects")
    a, b = only[src], dst
    keep = (a != b) & np.array([network.lanes[i].road == network.lanes[j].road for i, j in zip(a, b)], dtype=bool)
    pairs = np.sort(np.stack([a[keep], b[keep]], axis=1), axis=1)
    return np.unique(pairs, axis=0).astype(np.int64)


def junction_ids(network: RoadNetwork) -> np.ndarray:
    """(L,) int64: the junction of every connector lane (0.. in order of their first connector), −1 for
    other lanes. Connectors of one road whose centre lines touch or cross share a junction."""
    n = len(network.lanes)
    conn = np.array([i for i, lane in enumerate(network.lanes) if lane.kind == "connector"], dtype=np.int64)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        parent[max(find(i), find(j))] = min(find(i), find(j))

    is_conn = np.zeros(n, dtype=bool)
    is_conn[conn] = True
    for i, j in _touching_pairs(network, _lines(network), conn):
        if is_conn[i] and is_conn[j]:
            union(int(i), int(j))
    lanes = network.lanes
    for ends in ("predecessors", "successors"):             # connectors at one lane or side-by-side lanes
        by_lane: dict[int, int] = {}
        for i in conn:
            for p in getattr(lanes[i], ends):
                for q in (p, lanes[p].left, lanes[p].right):
                    if q >= 0 and q in by_lane:
                        union(int(i), by_lane[q])
                by_lane.setdefault(p, int(i))
    out = np.full(n, -1, dtype=np.int64)
    ids: dict[int, int] = {}
    for i in conn:
        out[i] = ids.setdefault(find(int(i)), len(ids))
    return out


# ---- signals ----------------------------------------------------------------------------------------------

def _stop_s(network: RoadNetwork, lanes: list[int]) -> np.ndarray:
    """(L,) float64 [m]: the last stop-line crossing on each of ``lanes``, every other lane's length."""
    out = np.array([lane.length for lane in network.lanes], dtype=np.float64)
    stops = [shapely.LineString(m.line) for m in network.markings if m.style == STOP_LINE]
    if not stops or not lanes:
        return out
    stop_lines = shapely.MultiLineString(stops)
    for i in lanes:
        line = shapely.LineString(network.lanes[i].centre)
        pts = shapely.get_coordinates(shapely.intersection(line, stop_lines))
        if len(pts):
            out[i] = float(np.max(shapely.line_locate_point(line, shapely.points(pts))))
    return out


def signal_plan(network: RoadNetwork) -> SignalPlan:
    """The fixed-time SignalPlan of every TrafficLight in ``network`` (see the module docstring); no lights:
    every lane −1 and no groups."""
    lanes = network.lanes
    junction = junction_ids(network)
    lane_key: dict[int, tuple[int, int]] = {}          # approach lane → (junction key, axis)
    for k, light in enumerate(network.traffic_lights):
        for i in light.lanes:
            feeds = [int(junction[j]) for j in lanes[i].successors if junction[j] >= 0]
            key = min(feeds) if feeds else len(lanes) + k       # no connector after it: a junction of its own
            lane_key[i] = (key, _axis(_heading(lanes[i], end=True)))
    groups = sorted(set(lane_key.values()))
    index = {g: n for n, g in enumerate(groups)}
    lane_group = np.full(len(lanes), -1, dtype=np.int64)
    for i, g in lane_key.items():
        lane_group[i] = index[g]
    offset = np.empty(len(groups))
    for n, (key, axis) in enumerate(groups):
        members = [lanes[i].centre for i in np.flatnonzero(junction == key)] or \
                  [lanes[i].centre[-1:] for i, g in lane_key.items() if g[0] == key]
        xs = np.concatenate(members)[:, 0]
        x = (float(xs.min()) + float(xs.max())) / 2                     # the junction's middle [m]
        offset[n] = round(x / PROGRESSION_SPEED + axis * PHASE_TIME, 1) % CYCLE_TIME   # to 0.1 s, as plans are
    full = lambda v: np.full(len(groups), v, dtype=np.float64)        # noqa: E731
    return SignalPlan(lane_group=lane_group, offset=offset, green=full(GREEN_TIME), yellow=full(YELLOW_TIME),
                      cycle=full(CYCLE_TIME), stop_s=_stop_s(network, sorted(lane_key)))


def _ever_together(plan: SignalPlan, g: int, h: int) -> bool:
    """Whether groups g and h are ever non-red (green or yellow) at the same time."""
    if g == h:
        return True
    if plan.cycle[g] != plan.cycle[h]:
        return True                                        # different cycles drift through each other
    c = plan.cycle[g]
    lit_g, lit_h = plan.green[g] + plan.yellow[g], plan.green[h] + plan.yellow[h]
    x = (plan.offset[h] - plan.offset[g]) % c              # h's window [x, x + lit_h) against g's [0, lit_g)
    return bool(x < lit_g or x + lit_h > c)


# ---- conflicts ----------------------------------------------------------------------------------------------

def _ring_lanes(network: RoadNetwork) -> np.ndarray:
    """(L,) bool: non-connector lanes on a cycle of non-connector successors (a roundabout's ring)."""
    lanes = network.lanes
    out = np.zeros(len(lanes), dtype=bool)
    for i, lane in enumerate(lanes):
        if lane.kind == "connector":
            continue
        seen, frontier = set(), [j for j in lane.successors if lanes[j].kind != "connector"]
        while frontier:
            j = frontier.pop()
            if j == i:
                out[i] = True
                break
            if j not in seen:
                seen.add(j)
                frontier += [k for k in lanes[j].successors if lanes[k].kind != "connector"]
    return out


def _merge_s(line_self: np.ndarray, cum_s: np.ndarray, other: shapely.LineString, reach: float) -> float:
    """The first s [m] along a polyline (P, 2) at which it comes within ``reach`` [m] of ``other``."""
    d = shapely.distance(shapely.points(line_self), other)
    i = int(np.argmax(d < reach))
    if i == 0:
        return 0.0
    f = (d[i - 1] - reach) / (d[i - 1] - d[i])
    return float(cum_s[i - 1] + f * (cum_s[i] - cum_s[i - 1]))


def _movement(lane) -> int:
    turn = math.remainder(_heading(lane, end=True) - _heading(lane, end=False), 2 * math.pi)
    return STRAIGHT if abs(turn) < STRAIGHT_LIMIT else (LEFT if turn > 0 else RIGHT)


def _a_yields(network: RoadNetwork, plan: SignalPlan, ring: np.ndarray, a: int, b: int) -> bool | None:
    """Whether lane a yields to lane b (rules 1–4 of the module docstring); None: signals separate them."""
    la, lb = network.lanes[a], network.lanes[b]
    ca, cb = la.kind == "connector", lb.kind == "connector"
    if ca != cb:                                            # a connector against a through (ring) lane
        return ca
    entry = lambda ln: any(ring[j] for j in ln.successors)            # noqa: E731
    exit_ = lambda ln: any(ring[j] for j in ln.predecessors)          # noqa: E731
    if entry(la) and exit_(lb) and not exit_(la):
        return True
    if entry(lb) and exit_(la) and not exit_(lb):
        return False
    group = lambda ln: max((int(plan.lane_group[j]) for j in ln.predecessors), default=-1)   # noqa: E731
    ga, gb = group(la), group(lb)
    ha, hb = _heading(la, end=False), _heading(lb, end=False)
    if ga >= 0 and gb >= 0:
        if not _ever_together(plan, ga, gb):
            return None
    elif not any(f(ln) for f in (entry, exit_) for ln in (la, lb)):
        rank_a, rank_b = _axis(ha), _axis(hb)               # EAST_WEST (0) is the major road
        if rank_a != rank_b:
            return rank_a > rank_b
    ma, mb = _movement(la), _movement(lb)
    if ma != mb:
        return ma > mb
    rel = math.remainder(hb - ha, 2 * math.pi)
    if abs(rel - math.pi / 2) < math.pi / 4:               # b comes from a's right
        return True
    if abs(rel + math.pi / 2) < math.pi / 4:
        return False
    ta, tb = np.array([math.cos(ha), math.sin(ha)]), np.array([math.cos(hb), math.sin(hb)])
    pa, pb = la.centre[0], lb.centre[0]
    b_left_of_a = ta[0] * (pb - pa)[1] - ta[1] * (pb - pa)[0] > 1e-9
    a_left_of_b = tb[0] * (pa - pb)[1] - tb[1] * (pa - pb)[0] > 1e-9
    if a_left_of_b != b_left_of_a:
        return a_left_of_b
    return a > b


def conflict_table(network: RoadNetwork, plan: SignalPlan | None = None) -> ConflictTable:
    """Every conflict between lanes at the junctions of ``network`` under ``plan`` (default: its own
    ``signal_plan``), with who yields; see the module docstring for the rules."""
    plan = signal_plan(network) if plan is None else plan
    lanes = network.lanes
    lines = _lines(network)
    conn = np.array([i for i, lane in enumerate(lanes) if lane.kind == "connector"], dtype=np.int64)
    pairs = {(int(i), int(j)) for i, j in _touching_pairs(network, lines, conn)}
    for lane in lanes:                                      # merges: two lanes ending on a common successor
        preds = lane.predecessors
        pairs |= {(min(p, q), max(p, q)) for p in preds for q in preds
                  if p != q and "connector" in (lanes[p].kind, lanes[q].kind)}
    ring = _ring_lanes(network)
    rows = []
    for a, b in sorted(pairs):
        la, lb = lanes[a], lanes[b]
        if b in la.successors or a in lb.successors:
            continue                                        # one continues the other
        common = set(la.successors) & set(lb.successors)
        if common:
            reach = min(lanes[j].width for j in common) / 2
            s_a = _merge_s(la.centre, la.cum_s, lines[b], reach)
            s_b = _merge_s(lb.centre, lb.cum_s, lines[a], reach)
        else:
            pts = shapely.get_coordinates(shapely.intersection(lines[a], lines[b]))
            shared = [la.centre[0]] if set(la.predecessors) & set(lb.predecessors) else []
            shared += [p for p in (la.centre[0], la.centre[-1]) for q in (lb.centre[0], lb.centre[-1])
                       if np.linalg.norm(p - q) < ENDPOINT_TOL]
            for p in shared:
                pts = pts[np.linalg.norm(pts - p, axis=1) > ENDPOINT_TOL]
            if len(pts) == 0:
                continue
            along = shapely.line_locate_point(lines[a], shapely.points(pts))
            k = int(np.argmin(along))
            s_a, s_b = float(along[k]), float(shapely.line_locate_point(lines[b], shapely.Point(pts[k])))
        yields = _a_yields(network, plan, ring, a, b)
        if yields is not None:
            rows.append((a, b, s_a, s_b, yields, bool(common)))
    col = lambda k, dt: np.array([r[k] for r in rows], dtype=dt)      # noqa: E731
    return ConflictTable(lane_a=col(0, np.int64), lane_b=col(1, np.int64), s_a=col(2, np.float64),
                         s_b=col(3, np.float64), a_yields=col(4, bool), merge=col(5, bool))
