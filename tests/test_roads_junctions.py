"""Junction generators: closed-form lane geometry, ring circles, smooth connectors, a lane graph without
dead ends, turn rules, exact Frenet round trips and every lookup the spec advertises."""
from __future__ import annotations

import dataclasses
import math
from collections import deque

import numpy as np
import pytest
import shapely

from scenariosim.dsl import loads
from scenariosim.errors import ScenarioValidationError
from scenariosim.roads.generators import build
from scenariosim.roads.generators.junctions import (COMPASS, ENTRY_RADIUS, GIVE_WAY, KERB_RADIUS, SIGNAL_HEIGHT,
                                                    intersection, roundabout)
from scenariosim.roads.network import STOP_LINE, RoadNetwork
from scenariosim.spec import sample
from scenariosim.spec.roads import IntersectionSpec, RoundaboutSpec
from scenariosim.world.build import build_world

CM, MM = 0.01, 0.001

INTERSECTIONS = [
    IntersectionSpec(name="j"),
    IntersectionSpec(name="j", lanes=2, turn_lanes=1, lane_width=3.5, arm_length=50.0),
    IntersectionSpec(name="j", lanes=3, turn_lanes=2, sidewalk_width=0.0, traffic_lights=0),
    IntersectionSpec(name="j", arm_count=3),
    IntersectionSpec(name="j", arm_count=3, lanes=2, turn_lanes=1),
    IntersectionSpec(name="j", arm_count=3, lanes=3, sidewalk_width=3.0),
]
ROUNDABOUTS = [
    RoundaboutSpec(name="r"),
    RoundaboutSpec(name="r", radius=18.0, lane_width=4.5, sidewalk_width=2.5),
    RoundaboutSpec(name="r", radius=25.0, arm_count=5),
    RoundaboutSpec(name="r", radius=8.0, arm_count=3, sidewalk_width=2.0),
    RoundaboutSpec(name="r", radius=30.0, lanes=2, arm_count=6, lane_width=3.5, sidewalk_width=3.0),
    RoundaboutSpec(name="r", radius=40.0, lanes=3, arm_count=4, lane_width=3.5),
]
SPECS = INTERSECTIONS + ROUNDABOUTS


def _id(spec) -> str:
    """A short test id: the generator and its non-default arguments."""
    changed = [f"{f.name}={getattr(spec, f.name):g}" for f in dataclasses.fields(spec)
               if f.name != "name" and getattr(spec, f.name) != f.default]
    return "-".join([type(spec).__name__.removesuffix("Spec").lower()] + changed)


def _build(spec) -> RoadNetwork:
    return intersection(spec) if isinstance(spec, IntersectionSpec) else roundabout(spec)


@pytest.fixture(scope="module", params=SPECS, ids=_id)
def case(request):
    return request.param, _build(request.param)


def _wrap(angle: float) -> float:
    return math.remainder(angle, 2 * math.pi)


def _segment_headings(lane) -> np.ndarray:
    d = np.diff(lane.centre, axis=0)
    return np.arctan2(d[:, 1], d[:, 0])


def _turn(lane) -> float:
    """Heading change [rad] from a lane's start to its end, + left, from its exact frame normals."""
    n = lane.frame_normals()
    h = np.unwrap(np.arctan2(-n[:, 0], n[:, 1]))
    return float(h[-1] - h[0])


# ---- intersection geometry ---------------------------------------------------------------------------

@pytest.mark.parametrize("spec", INTERSECTIONS, ids=_id)
def test_arm_lanes_lie_at_their_closed_form_offsets(spec):
    net = intersection(spec)
    n, t, w = spec.lanes, spec.turn_lanes, spec.lane_width
    e = (n + t) * w + KERB_RADIUS
    for arm in spec.arm_names():
        u, v = np.array([math.cos(COMPASS[arm]), math.sin(COMPASS[arm])]), np.array([-math.sin(COMPASS[arm]),
                                                                                   math.cos(COMPASS[arm])])
        for number in spec.lane_numbers():
            lane = net.lanes[net.lane_index("j", number, arm)]
            # approach lane j: (n+t−j+0.5)·w left of the axis looking outwards; leaving lane −k right of it,
            # beyond the painted median t·w opposite the other arm's turn lanes
            offset = (n + t - number + 0.5) * w if number > 0 else -(t + n + number + 0.5) * w
            assert np.abs(lane.centre @ v - offset).max() < CM
            along = lane.centre @ u
            ends = (e + spec.arm_length, e) if number > 0 else (e, e + spec.arm_length)
            assert (along[0], along[-1]) == pytest.approx(ends, abs=CM)
            assert lane.width == pytest.approx(w, abs=CM) and lane.widths is None
            assert lane.length == pytest.approx(spec.arm_length, abs=CM)
            assert lane.kind == "driving" and lane.arm == arm


def test_t_junction_has_three_arms_no_north_and_a_closed_top():
    spec = IntersectionSpec(name="j", arm_count=3, lanes=2, turn_lanes=1)
    net = intersection(spec)
    assert {lane.arm for lane in net.lanes} == {"east", "south", "west"}
    with pytest.raises(KeyError):
        net.lane_index("j", 1, "north")
    half = (spec.lanes + spec.turn_lanes) * spec.lane_width
    assert max(lane.centre[:, 1].max() for lane in net.lanes) < half
    assert len(net.crosswalks) == len(net.traffic_lights) == 3
    assert net.surface.contains(shapely.Point(0.0, half - 0.1))
    assert not net.surface.contains(shapely.Point(0.0, half + 0.1))


@pytest.mark.parametrize("spec", INTERSECTIONS, ids=_id)
def test_the_junction_box_is_drivable(spec):
    net = intersection(spec)
    half = (spec.lanes + spec.turn_lanes) * spec.lane_width
    e = half + KERB_RADIUS
    top = e if spec.arm_count == 4 else half                       # a T's box ends at the kerb y = half
    a, b, c = e - CM, half - CM, top - CM                          # a centimetre inside the box's edges
    inside = [(x, y) for x in np.linspace(-a, a, 21) for y in np.linspace(-b, b, 7)]
    inside += [(x, y) for x in np.linspace(-b, b, 7) for y in np.linspace(-a, c, 21)]
    assert all(net.surface.contains(shapely.Point(x, y)) for x, y in inside)
    corner = e - 0.3                                              # behind the kerb arcs
    assert not any(net.surface.contains(shapely.Point(sx * corner, -corner)) for sx in (-1, 1))


def test_crosswalks_stop_lines_and_signals_sit_where_documented():
    spec = IntersectionSpec(name="j", lanes=2, turn_lanes=1)
    net = intersection(spec)
    half = 3 * spec.lane_width
    e = half + KERB_RADIUS
    stops = [m for m in net.markings if m.style == STOP_LINE]
    assert len(stops) == len(net.crosswalks) == len(net.traffic_lights) == 4
    for k, arm in enumerate(spec.arm_names(), start=1):
        u = np.array([math.cos(COMPASS[arm]), math.sin(COMPASS[arm])])
        v = np.array([-u[1], u[0]])
        cw = net.crosswalk("j", k)
        assert cw.arm == arm and cw.width > 0
        right, left = cw.line
        assert right @ v == pytest.approx(-half) and left @ v == pytest.approx(half)   # right-hand end first
        assert right @ u == pytest.approx(left @ u) and right @ u - cw.width / 2 > e     # outside the box
        assert cw.area.area == pytest.approx(cw.width * 2 * half)
        stop = next(m.line for m in stops if m.line[0] @ u > e and abs(m.line[0] @ v) < 1e-9)   # on this axis
        assert stop[1] @ v == pytest.approx(half)                                        # across the approach lanes
        assert stop[0] @ u > right @ u + cw.width / 2                                    # behind the crosswalk
        light = next(t for t in net.traffic_lights if t.arm == arm)
        assert set(light.lanes) == {net.lane_index("j", j, arm) for j in (1, 2, 3)}
        assert light.position[2] == SIGNAL_HEIGHT and light.position[:2] @ v > half      # right of the approach
        assert light.heading == pytest.approx(COMPASS[arm])                              # facing incoming traffic
    assert not intersection(IntersectionSpec(name="j", traffic_lights=0)).traffic_lights
    bare = intersection(IntersectionSpec(name="j", sidewalk_width=0.0))
    assert not bare.crosswalks and not bare.sidewalks
    assert sum(m.style == STOP_LINE for m in bare.markings) == 4


# ---- turn rules --------------------------------------------------------------------------------------

def _movements(net: RoadNetwork) -> list[tuple[str, int, str, int, float]]:
    """(from arm, from lane, to arm, to lane, turn [rad]) of every connector."""
    out = []
    for c in net.lanes:
        if c.kind != "connector":
            continue
        (a,), (b,) = c.predecessors, c.successors
        out.append((net.lanes[a].arm, net.lanes[a].number, net.lanes[b].arm, net.lanes[b].number, _turn(c)))
    return out


@pytest.mark.parametrize("spec", [s for s in INTERSECTIONS if s.arm_count == 4], ids=_id)
def test_four_way_turn_rules(spec):
    net = intersection(spec)
    n, t = spec.lanes, spec.turn_lanes
    moves = _movements(net)
    leftmost = set(range(n + 1, n + t + 1)) if t else {n}
    for arm, j, to, k, turn in moves:
        straight = _wrap(COMPASS[to] - COMPASS[arm] - math.pi)
        assert turn == pytest.approx(straight, abs=0.02)                   # the heading change matches the arms
        assert abs(abs(turn) - math.pi) > 0.1 and to != arm                # no U-turns
        assert j > 0 and k < 0
        if turn < -1:
            assert j == 1 and k == -1                                      # right turns only from lane 1
        elif turn > 1:
            assert j in leftmost                                           # left turns only from the leftmost lane(s)
        else:
            assert j <= n and k == -j                                      # straight on, lane to lane
    assert {(m[0], m[1]) for m in moves} == {(a, j) for a in spec.arm_names() for j in range(1, n + t + 1)}
    if (n, t) == (1, 0):
        assert len(moves) == 12                                             # 3 movements from each of 4 arms
    for c in net.lanes:
        if c.kind == "connector":
            assert c.number == 0 and c.arm == net.lanes[c.predecessors[0]].arm


@pytest.mark.parametrize("spec", [s for s in INTERSECTIONS if s.arm_count == 3], ids=_id)
def test_t_junction_turn_rules(spec):
    moves = _movements(intersection(spec))
    for arm, j, to, k, turn in moves:
        assert "north" not in (arm, to) and to != arm
        if turn < -1:
            assert j == 1                                                  # right turns still only from lane 1
    assert {(m[0], m[1]) for m in moves} == {(a, j) for a in ("east", "south", "west")
                                             for j in range(1, spec.lanes + spec.turn_lanes + 1)}
    # the stem (south) has no straight on: its lanes turn
    assert all(abs(turn) > 1 for arm, *_, turn in moves if arm == "south")


# ---- roundabout geometry -----------------------------------------------------------------------------

def _ring(net: RoadNetwork) -> dict[int, list[int]]:
    """Ring lane number → its arcs, in driving order from the one lane_index finds."""
    out = {}
    for number in sorted({lane.number for lane in net.lanes if lane.arm is None and lane.kind == "driving"}):
        first = net.lane_index(net.lanes[0].road, number)
        chain = [first]
        while True:
            nxt = [i for i in net.lanes[chain[-1]].successors if net.lanes[i].kind != "connector"]
            assert len(nxt) == 1
            if nxt[0] == first:
                break
            chain.append(nxt[0])
        out[number] = chain
    return out


@pytest.mark.parametrize("spec", ROUNDABOUTS, ids=_id)
def test_ring_lanes_are_counter_clockwise_circles(spec):
    net = roundabout(spec)
    ring = _ring(net)
    assert sorted(ring) == list(spec.lane_numbers())
    for j, chain in ring.items():
        r = spec.radius + ((spec.lanes + 1) / 2 - j) * spec.lane_width    # lane 1 outermost
        assert len(chain) == 2 * spec.arm_count                            # split at every entry and exit
        for i in chain:
            lane = net.lanes[i]
            assert lane.arm is None and lane.number == j
            assert np.abs(np.linalg.norm(lane.centre, axis=1) - r).max() < CM
            # curvature 1/r: heading turns left by length / r
            assert _turn(lane) == pytest.approx(lane.length / r, abs=0.02)
            p, d = lane.centre[:-1], np.diff(lane.centre, axis=0)
            assert np.all(p[:, 0] * d[:, 1] - p[:, 1] * d[:, 0] > 0)       # counter-clockwise
        assert sum(net.lanes[i].length for i in chain) == pytest.approx(2 * math.pi * r, abs=CM)


def test_ring_arcs_span_the_documented_fractions():
    spec = RoundaboutSpec(name="r")                                        # radius 20 m, 1 lane of 4 m, 4 arms
    net = roundabout(spec)
    rho = max(ENTRY_RADIUS, spec.radius / 2)
    beta = math.asin((2.0 + rho) / (spec.radius + rho))                    # entry circle tangent to lane and ring
    chain = _ring(net)[1]
    lengths = [net.lanes[i].length for i in chain]
    between, mouth = spec.radius * (math.pi / 2 - 2 * beta), spec.radius * 2 * beta
    assert lengths == pytest.approx([between, mouth] * 4, abs=CM)
    # lane(r, 1) starts at arm1's entry, beta counter-clockwise of the +x axis
    start = net.lanes[chain[0]].centre[0]
    assert math.atan2(start[1], start[0]) == pytest.approx(beta)
    reach = (spec.radius - spec.lane_width / 2) * math.cos(beta) / (1 - math.sin(beta))
    arm1 = net.lanes[net.lane_index("r", 1, "arm1")]
    assert arm1.centre[-1] == pytest.approx([reach, spec.lane_width / 2], abs=CM)
    assert arm1.length == pytest.approx(spec.arm_length, abs=CM)


@pytest.mark.parametrize("spec", ROUNDABOUTS, ids=_id)
def test_roundabout_arms_entries_and_exits(spec):
    net = roundabout(spec)
    w = spec.lane_width
    for a, arm in enumerate(spec.arm_names()):
        theta = 2 * math.pi * a / spec.arm_count                           # arm1 east, counter-clockwise
        v = np.array([-math.sin(theta), math.cos(theta)])
        for j in spec.lane_numbers():
            into = net.lanes[net.lane_index("r", j, arm)]
            assert into.arm == arm and into.kind == "driving"
            assert np.abs(into.centre @ v - (spec.lanes - j + 0.5) * w).max() < CM
            (c,) = into.successors                                         # entry: a right turn onto ring lane j
            (ring,) = net.lanes[c].successors
            assert net.lanes[ring].arm is None and net.lanes[ring].number == j
            turn = np.diff(np.unwrap(_segment_headings(net.lanes[c])))
            assert np.all(turn < 1e-9) and _turn(net.lanes[c]) < -0.5       # turns right throughout
        out = [lane for lane in net.lanes if lane.arm == arm and lane.number < 0 and lane.kind == "driving"]
        assert sorted(lane.number for lane in out) == [-j for j in spec.lane_numbers()][::-1]
        for lane in out:
            assert np.abs(lane.centre @ v + (spec.lanes + lane.number + 0.5) * w).max() < CM
            (c,) = lane.predecessors
            (ring,) = net.lanes[c].predecessors
            assert net.lanes[ring].number == -lane.number                  # ring lane j leaves into −j
    assert sum(m.style == GIVE_WAY for m in net.markings) == spec.arm_count
    assert net.surface.contains(shapely.Point(spec.radius, 0.0)) and not net.surface.contains(shapely.Point(0, 0))
    ring = shapely.Point(0, 0).buffer(spec.radius + spec.lanes * w / 2 - 0.05, quad_segs=64).difference(
        shapely.Point(0, 0).buffer(spec.radius - spec.lanes * w / 2 + 0.05, quad_segs=64))
    assert net.surface.contains(ring)


@pytest.mark.parametrize("spec", [RoundaboutSpec(name="r", radius=8.0, lanes=3),
                                  RoundaboutSpec(name="r", radius=8.0, arm_count=6, lane_width=4.5),
                                  RoundaboutSpec(name="r", arm_count=7),
                                  IntersectionSpec(name="j", arm_count=5)], ids=_id)
def test_junctions_that_do_not_fit_are_rejected(spec):
    with pytest.raises(ScenarioValidationError, match=f"'{spec.name}'"):
        _build(spec)


# ---- invariants of every junction --------------------------------------------------------------------

def test_links_join_within_a_centimetre_with_continuous_heading(case):
    _, net = case
    joins = 0
    for lane in net.lanes:
        for i in lane.successors:
            nxt = net.lanes[i]
            assert np.linalg.norm(lane.centre[-1] - nxt.centre[0]) < CM
            assert np.allclose(lane.frame_normals()[-1], nxt.frame_normals()[0], atol=1e-6)
            assert abs(_wrap(_segment_headings(nxt)[0] - _segment_headings(lane)[-1])) < 0.05
            joins += 1
    assert joins > 0


def test_every_lane_lies_on_a_path_from_an_entry_to_an_exit(case):
    _, net = case
    entries = {i for i, lane in enumerate(net.lanes) if lane.arm and lane.number > 0 and lane.kind == "driving"}
    exits = {i for i, lane in enumerate(net.lanes) if lane.arm and lane.number < 0}

    def reach(start: set[int], step) -> set[int]:
        seen, todo = set(start), deque(start)
        while todo:
            for j in step(todo.popleft()):
                if j not in seen:
                    seen.add(j)
                    todo.append(j)
        return seen

    everything = set(range(len(net.lanes)))
    assert reach(entries, lambda i: net.lanes[i].successors) == everything
    assert reach(exits, lambda i: net.lanes[i].predecessors) == everything
    assert all(not net.lanes[i].predecessors for i in entries) and all(not net.lanes[i].successors for i in exits)


def test_frenet_round_trip_on_every_lane(case):
    _, net = case
    rng = np.random.default_rng(7)
    for lane in net.lanes:
        s = rng.uniform(0.0, lane.length, 40)
        d = rng.uniform(-lane.width / 2, lane.width / 2, 40)
        xy = lane.point(s, d)
        s2, d2 = lane.project(xy)
        assert np.abs(lane.point(s2, d2) - xy).max() < MM
        assert np.abs(s2 - s).max() < MM and np.abs(d2 - d).max() < MM


def test_every_advertised_lane_crosswalk_and_sidewalk_is_found(case):
    spec, net = case
    name = spec.name
    for arm in spec.arm_names():
        for number in spec.lane_numbers():
            lane = net.lanes[net.lane_index(name, number, arm)]
            assert (lane.number, lane.arm, lane.kind) == (number, arm, "driving")
    if isinstance(spec, RoundaboutSpec):
        for number in spec.lane_numbers():
            lane = net.lanes[net.lane_index(name, number)]
            assert (lane.number, lane.arm) == (number, None)                # ring lanes need no arm
    for k in range(1, spec.crosswalk_count + 1):
        assert net.crosswalk(name, k).arm == spec.arm_names()[k - 1]
    assert len(net.crosswalks) == spec.crosswalk_count
    assert bool(net.sidewalks) == spec.has_sidewalks
    if spec.has_sidewalks:
        assert [(w.side) for w in net.sidewalks] == ["right", "left"] * spec.arm_count
        for side in ("left", "right"):
            assert net.sidewalk(name, side).side == side


@pytest.mark.parametrize("spec", [s for s in SPECS if s.has_sidewalks], ids=_id)
def test_sidewalks_run_from_the_corners_out_along_each_arm_beside_the_road(spec):
    net = _build(spec)
    w = spec.sidewalk_width
    for a, arm in enumerate(spec.arm_names()):
        heading = COMPASS[arm] if isinstance(spec, IntersectionSpec) else 2 * math.pi * a / spec.arm_count
        u, v = np.array([math.cos(heading), math.sin(heading)]), np.array([-math.sin(heading), math.cos(heading)])
        lanes = [lane for lane in net.lanes if lane.arm == arm and lane.kind == "driving"]
        half = max(abs(lane.centre[0] @ v) + lane.width / 2 for lane in lanes)   # kerb to axis
        outer = max(float(lane.centre[0] @ u) for lane in lanes)                  # the arm's outer end
        for k, side in enumerate(("right", "left")):
            walk = net.sidewalks[2 * a + k]
            assert walk.side == side and walk.road == spec.name and walk.width == w
            sign = 1.0 if side == "left" else -1.0                                # seen looking outwards
            assert walk.centre[-1] == pytest.approx(outer * u + sign * (half + w / 2) * v, abs=CM)
            assert walk.cum_s[-1] > spec.arm_length
            assert walk.area.area == pytest.approx(w * walk.cum_s[-1], rel=0.05)
            # beside the road, not on it (connector edges may shave a few decimetres off a kerb corner)
            assert walk.area.intersection(net.surface).area < 0.02 * walk.area.area
    corners = shapely.union_all([walk.area for walk in net.sidewalks])
    assert corners.area == pytest.approx(sum(walk.area.area for walk in net.sidewalks), rel=0.01)
    parts = getattr(corners, "geoms", [corners])
    assert len(parts) == spec.arm_count and not any(p.interiors for p in parts)   # halves meet without a gap


# ---- end to end --------------------------------------------------------------------------------------

SCENARIO = """\
scenario junction_demo:
    seed: 1
    duration: 1 s
    timestep: 0.1 s
    road junction = intersection(lanes: 2, turn_lanes: 1)
    road ring = roundabout(radius: 25 m, arm_count: 5)
    actor ego: car
        at: lane(junction, 1, arm: south), s 20 m
    actor turner: car
        at: lane(junction, 3, arm: west), s 10 m
    actor circling: car
        at: lane(ring, 1), s 5 m
    actor entering: car
        at: lane(ring, 1, arm: arm3), s 30 m
"""


def test_a_scenario_places_actors_on_junction_lanes():
    spec = sample(loads(SCENARIO))
    network = build(spec.roads)
    world, _ = build_world(spec, network)
    v = world.vehicles
    expect = [("junction", 1, "south", 20.0), ("junction", 3, "west", 10.0), ("ring", 1, None, 5.0),
              ("ring", 1, "arm3", 30.0)]
    for i, (road, number, arm, s) in enumerate(expect):
        lane = network.lanes[network.lane_index(road, number, arm)]
        assert (v.x[i], v.y[i]) == pytest.approx(tuple(lane.point(s)[0]), abs=MM)
        assert v.lane[i] == network.lane_index(road, number, arm)
    # the south approach drives north, 20 m in from the arm's outer end, right of the axis
    south = network.lanes[v.lane[0]]
    assert v.heading[0] == pytest.approx(math.pi / 2)
    assert v.x[0] == pytest.approx((2 + 1 - 1 + 0.5) * 3.25) and v.y[0] == pytest.approx(south.centre[0, 1] + 20)
