"""Ramp generators: merge (on-ramp + acceleration lane) and exit (deceleration lane + off-ramp).

Checked against closed forms and invariants: lane offsets from the carriageway edge, a linear taper,
adjacency of the auxiliary lane, a smooth ramp meeting the auxiliary lane, the lane graph, exact
Frenet round trips, lane addressing, and placement through the scenario language.
"""
from __future__ import annotations

import numpy as np
import pytest
import shapely

from scenariosim.dsl import loads
from scenariosim.errors import ScenarioValidationError
from scenariosim.roads.generators import build
from scenariosim.roads.generators.ramps import BLOCK, RAMP_TURN, TAPER, exit_ramp, merge
from scenariosim.roads.network import DASHED, SOLID, Lane, RoadNetwork
from scenariosim.spec import sample
from scenariosim.spec.roads import ExitSpec, MergeSpec
from scenariosim.world.build import build_world

MERGES = [
    MergeSpec(name="m", length=1000.0),
    MergeSpec(name="m", length=400.0, lanes=3, lane_width=3.75, merge_at=50.0, acceleration_lane=300.0,
              ramp_length=400.0),
    MergeSpec(name="m", length=50.0, lanes=1, lane_width=3.0, merge_at=0.0, acceleration_lane=50.0,
              ramp_length=10.0),
]
EXITS = [
    ExitSpec(name="x", length=1000.0),
    ExitSpec(name="x", length=600.0, lanes=4, lane_width=3.25, diverge_at=0.0, deceleration_lane=600.0,
             ramp_length=80.0),
    ExitSpec(name="x", length=50.0, lanes=1, lane_width=2.5, diverge_at=30.0, deceleration_lane=10.0,
             ramp_length=10.0),
]
CASES = [(s, merge) for s in MERGES] + [(s, exit_ramp) for s in EXITS]
IDS = [f"merge{i}" for i in range(len(MERGES))] + [f"exit{i}" for i in range(len(EXITS))]


def _aux_range(spec) -> tuple[float, float, float]:
    """(start x, length, taper) [m] of the auxiliary lane."""
    if isinstance(spec, MergeSpec):
        return spec.merge_at, spec.acceleration_lane, min(TAPER, spec.acceleration_lane / 2)
    return spec.diverge_at, spec.deceleration_lane, min(TAPER, spec.deceleration_lane / 2)


def _lanes(net: RoadNetwork, spec) -> tuple[list[Lane], Lane, Lane]:
    main = [net.lanes[net.lane_index(spec.name, k, "main")] for k in range(1, spec.lanes + 1)]
    return main, net.lanes[net.lane_index(spec.name, 1, "ramp")], net.lanes[net.lane_index(spec.name, 2, "ramp")]


def _segment_headings(lane: Lane) -> np.ndarray:
    d = np.diff(lane.centre, axis=0)
    return np.arctan2(d[:, 1], d[:, 0])


def _wrap(a: np.ndarray) -> np.ndarray:
    return np.angle(np.exp(1j * np.asarray(a)))


@pytest.mark.parametrize(("spec", "gen"), CASES, ids=IDS)
def test_main_lane_centres_are_offset_from_the_edge(spec, gen):
    main, _, _ = _lanes(gen(spec), spec)
    s = np.linspace(0.0, spec.length, 97)
    for k, lane in enumerate(main, start=1):
        assert lane.kind == "driving" and lane.arm == "main"
        assert lane.length == pytest.approx(spec.length, abs=1e-9)
        xy = lane.point(s)
        assert np.allclose(xy[:, 0], s, atol=0.01)
        assert np.allclose(xy[:, 1], (k - 0.5) * spec.lane_width, atol=0.01)


@pytest.mark.parametrize(("spec", "gen"), CASES, ids=IDS)
def test_taper_is_linear_and_the_left_edge_stays_on_the_main_edge(spec, gen):
    net = gen(spec)
    _, _, aux = _lanes(net, spec)
    x0, length, taper = _aux_range(spec)
    w = spec.lane_width
    assert aux.kind == ("acceleration" if isinstance(spec, MergeSpec) else "exit")
    x = aux.centre[:, 0] - x0                       # distance along the main road [m]
    expected = w * np.clip((length - x) / taper if gen is merge else x / taper, 0.0, 1.0)
    assert np.allclose(aux.widths, expected, atol=1e-9)
    assert aux.centre[0, 0] == pytest.approx(x0) and aux.centre[-1, 0] == pytest.approx(x0 + length)
    # centre at −width/2 from the edge, so its left edge is y = 0 and its right edge y = −width
    assert np.allclose(aux.centre[:, 1], -expected / 2, atol=1e-9)
    assert np.allclose(aux.point(aux.cum_s, aux.widths / 2)[:, 1], 0.0, atol=1e-9)
    # linear between stations too: midway through the taper the width is half
    mid = x0 + (length - taper / 2 if gen is merge else taper / 2)
    s_mid = aux.project(np.array([[mid, -w / 4]]))[0]
    assert aux.width_at(s_mid)[0] == pytest.approx(w / 2, abs=1e-6)


@pytest.mark.parametrize(("spec", "gen"), CASES, ids=IDS)
def test_auxiliary_lane_is_adjacent_to_lane_1(spec, gen):
    net = gen(spec)
    main, _, aux = _lanes(net, spec)
    i1, ia = net.lane_index(spec.name, 1, "main"), net.lanes.index(aux)
    assert aux.left == i1 and main[0].right == ia and aux.right == -1
    assert net.neighbour(ia, 1) == i1 and net.neighbour(i1, -1) == ia
    full = np.isclose(aux.widths, spec.lane_width)
    assert full.sum() >= 2
    s, d = main[0].project(aux.centre[full])
    assert np.allclose(d, -(main[0].width + spec.lane_width) / 2, atol=0.01)
    assert np.all(np.abs(aux.heading_at(aux.cum_s[full][:-1])) < 1e-12)


@pytest.mark.parametrize(("spec", "gen"), CASES, ids=IDS)
def test_ramp_is_smooth_and_meets_the_auxiliary_lane(spec, gen):
    _, ramp, aux = _lanes(gen(spec), spec)
    assert ramp.kind == "driving" and ramp.arm == "ramp"
    assert ramp.length == pytest.approx(spec.ramp_length, rel=1e-4)
    assert np.max(np.abs(_wrap(np.diff(_segment_headings(ramp))))) < 0.03
    # it comes from (merge) or goes to (exit) the right of the carriageway, never across it
    assert np.all(ramp.point(ramp.cum_s, 0.5 * ramp.width)[:, 1] <= 1e-9)
    # its far end lies right of the auxiliary lane, heading RAMP_TURN into (merge) or out of (exit) the road
    if gen is merge:
        first, second, end, far = ramp, aux, ramp.centre[0], _segment_headings(ramp)[0]
        assert end[0] < spec.merge_at and far == pytest.approx(RAMP_TURN, abs=0.02)
    else:
        first, second, end, far = aux, ramp, ramp.centre[-1], _segment_headings(ramp)[-1]
        assert end[0] > spec.diverge_at + spec.deceleration_lane and far == pytest.approx(-RAMP_TURN, abs=0.02)
    assert end[1] < -0.5 * spec.lane_width - 0.1 * spec.ramp_length * np.sin(RAMP_TURN)
    assert np.linalg.norm(first.centre[-1] - second.centre[0]) < 0.01
    assert abs(_wrap(_segment_headings(first)[-1] - _segment_headings(second)[0])) < 0.01
    assert first.width_at(np.array([first.length]))[0] == pytest.approx(second.width_at(np.array([0.0]))[0])


@pytest.mark.parametrize(("spec", "gen"), CASES, ids=IDS)
def test_every_lane_is_reachable_and_the_dead_ends_are_the_documented_ones(spec, gen):
    net = gen(spec)
    main, ramp, aux = _lanes(net, spec)
    ir, ia = net.lanes.index(ramp), net.lanes.index(aux)
    for i, lane in enumerate(net.lanes):
        assert all(i in net.lanes[j].predecessors for j in lane.successors)
    entries = [i for i, lane in enumerate(net.lanes) if not lane.predecessors]
    seen, todo = set(entries), list(entries)
    while todo:
        for j in net.lanes[todo.pop()].successors:
            if j not in seen:
                seen.add(j)
                todo.append(j)
    assert seen == set(range(len(net.lanes)))
    assert all(lane.kind != "connector" for lane in net.lanes)
    dead = {i for i, lane in enumerate(net.lanes) if not lane.successors}
    main_idx = {net.lanes.index(m) for m in main}
    if gen is merge:
        assert ramp.successors == (ia,) and ir in entries
        assert dead == main_idx | {ia}              # the acceleration lane: leave it by a lane change left
    else:
        assert aux.successors == (ir,) and ia in entries      # entered by a lane change from main lane 1
        assert dead == main_idx | {ir}              # the off-ramp ends where the road does


@pytest.mark.parametrize(("spec", "gen"), CASES, ids=IDS)
def test_frenet_round_trip_near_every_lane(spec, gen):
    rng = np.random.default_rng(7)
    for lane in gen(spec).lanes:
        s = rng.uniform(0.0, lane.length, 60)
        d = rng.uniform(-lane.width, lane.width, 60)
        xy = lane.point(s, d)
        s2, d2 = lane.project(xy)
        assert np.allclose(lane.point(s2, d2), xy, atol=1e-3)
        assert np.allclose(s2, s, atol=1e-3) and np.allclose(d2, d, atol=1e-3)


@pytest.mark.parametrize(("spec", "gen"), CASES, ids=IDS)
def test_lane_index_on_every_arm(spec, gen):
    net = gen(spec)
    for n in spec.lane_numbers():
        lane = net.lanes[net.lane_index(spec.name, n, "main")]
        assert (lane.number, lane.arm, lane.kind) == (n, "main", "driving")
        assert net.lane_index(spec.name, n) == net.lane_index(spec.name, n, "main")   # no arm: the main road
    assert set(spec.arm_names()) == {"main", "ramp"}
    ramp = net.lanes[net.lane_index(spec.name, 1, "ramp")]
    aux = net.lanes[net.lane_index(spec.name, 2, "ramp")]
    assert (ramp.number, ramp.kind) == (1, "driving")
    assert (aux.number, aux.kind) == (2, "acceleration" if gen is merge else "exit")
    with pytest.raises(KeyError):
        net.lane_index(spec.name, 3, "ramp")


@pytest.mark.parametrize(("spec", "gen"), CASES, ids=IDS)
def test_markings_and_drivable_area(spec, gen):
    net = gen(spec)
    main, ramp, aux = _lanes(net, spec)
    x0, length, taper = _aux_range(spec)
    w, n = spec.lane_width, spec.lanes

    def at(y: float) -> list:
        return [m for m in net.markings if np.allclose(m.line[:, 1], y, atol=1e-9)]

    # the main road's right edge: solid, BLOCK along the auxiliary lane, solid; pieces end to end
    edge = sorted(((m.line[0, 0], m.line[-1, 0], m.style) for m in at(0.0)), key=lambda e: e[0])
    assert all(a[1] == pytest.approx(b[0]) for a, b in zip(edge, edge[1:]))
    assert edge[0][0] == pytest.approx(0.0) and edge[-1][1] == pytest.approx(spec.length)
    assert [e[2] for e in edge if e[2] is BLOCK] == [BLOCK]
    block = next(e for e in edge if e[2] is BLOCK)
    assert block[:2] == pytest.approx((x0, x0 + length))
    assert all(e[2] is SOLID for e in edge if e[2] is not BLOCK)
    assert BLOCK.width == 0.30 and BLOCK.dash == BLOCK.gap == 6.0
    for k in range(1, n):
        assert [m.style for m in at(k * w)] == [DASHED]
    assert [m.style for m in at(n * w)] == [SOLID]
    # the ramp's two edges and the auxiliary lane's outer edge are solid lines
    for side in (-0.5, 0.5):
        assert any(m.style is SOLID and len(m.line) == len(ramp.centre)
                   and np.allclose(m.line, ramp.point(ramp.cum_s, side * w), atol=1e-9) for m in net.markings)
    assert any(m.style is SOLID and len(m.line) == len(aux.centre)
               and np.allclose(m.line, aux.point(aux.cum_s, -aux.widths / 2), atol=1e-9) for m in net.markings)
    # drivable area: carriageway + ramp (a band of constant width has area width × length) + the auxiliary
    # lane (full part plus the taper's triangle)
    area = n * w * spec.length + w * spec.ramp_length + w * (length - taper / 2)
    assert net.surface.area == pytest.approx(area, rel=1e-3)
    for lane in net.lanes:
        assert net.surface.buffer(1e-6).contains(shapely.MultiPoint(lane.centre))


def test_an_acceleration_lane_past_the_road_end_is_an_error():
    with pytest.raises(ScenarioValidationError, match="acceleration lane ends 50 m past"):
        merge(MergeSpec(name="m", length=500.0, merge_at=300.0, acceleration_lane=250.0))
    with pytest.raises(ScenarioValidationError, match="deceleration lane ends 1 m past"):
        exit_ramp(ExitSpec(name="x", length=451.0, diverge_at=302.0, deceleration_lane=150.0))


SCENARIO = """\
scenario ramps:
    seed: 3
    duration: 1 s
    timestep: 0.1 s
    road junction = merge(length: 1 km, lanes: 2, merge_at: 300 m, acceleration_lane: 250 m, ramp_length: 200 m)
    road off = exit(length: 800 m, lanes: 3, diverge_at: 400 m, deceleration_lane: 150 m, ramp_length: 120 m)
    actor joining: car
        at: lane(junction, 1, arm: ramp), s 120 m
    actor through: car
        at: lane(junction, 2), s 200 m, d 0.5 m
    actor leaving: car
        at: lane(off, 1, arm: ramp), s 30 m
    actor slowing: car
        at: lane(off, 2, arm: ramp), s uniform(80 m, 140 m)
"""


def test_actors_are_placed_on_the_ramp_lanes():
    spec = sample(loads(SCENARIO))
    net = build(spec.roads)
    world, _ = build_world(spec, net)
    v = world.vehicles
    expected = [("junction", 1, "ramp", "driving"), ("junction", 2, "main", "driving"),
                ("off", 1, "ramp", "driving"), ("off", 2, "ramp", "exit")]
    for i, (actor, (road, number, arm, kind)) in enumerate(zip(spec.actors, expected)):
        lane = net.lanes[v.lane[i]]
        assert (lane.road, lane.number, lane.arm, lane.kind) == (road, number, arm, kind)
        assert (v.x[i], v.y[i]) == pytest.approx(tuple(lane.point(np.array([actor.s]), actor.d)[0]), abs=1e-9)
    # the merging car is on the ramp, right of and behind the start of the acceleration lane
    assert v.x[0] < 300.0 and v.y[0] < -3.5
    # lane graph indices survive build(): the second road's lanes follow the first's
    ramp = net.lanes[net.lane_index("off", 2, "ramp")]
    assert net.lanes[ramp.successors[0]].number == 1 and net.lanes[ramp.successors[0]].road == "off"
