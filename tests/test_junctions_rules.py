"""Junction rules: fixed-time signal kernels against slow twins, signal plans of generated junctions, and the
conflict table (who yields to whom, where the conflict points lie)."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import shapely

from scenariosim.roads import build
from scenariosim.roads.network import TrafficLight
from scenariosim.sim.signals import GREEN, RED, YELLOW, signal_states, stop_for_signal
from scenariosim.spec.roads import IntersectionSpec, RoundaboutSpec, TownSpec
from scenariosim.world.junctions import (ALL_RED_TIME, CYCLE_TIME, GREEN_TIME, YELLOW_TIME, ConflictTable,
                                         SignalPlan, conflict_table, junction_ids, signal_plan)

# ---- slow twins -------------------------------------------------------------------------------------------


def naive_signal_states(t, offset, green, yellow, cycle):
    """Walk whole cycles back or forward until t − offset lies in the first one, then read the phase."""
    out = []
    for o, g, y, c in zip(offset, green, yellow, cycle):
        phase = t - o
        while phase < 0:
            phase += c
        while phase >= c:
            phase -= c
        out.append(GREEN if phase < g else YELLOW if phase < g + y else RED)
    return np.array(out, dtype=np.int8)


def naive_stop_for_signal(state, distance, speed, comfort_decel):
    if distance < 0:
        return False                      # the line is behind
    if state == RED:
        return True
    if state == YELLOW:
        return distance > 0 and speed ** 2 / (2 * distance) <= comfort_decel
    return False


# ---- signal kernels ---------------------------------------------------------------------------------------

def _groups():
    """Timings on a 0.25 s grid (exact in binary), offsets negative, inside and beyond one cycle."""
    offset = np.array([0.0, 25.0, -7.5, 63.25, -130.0, 12.5])
    green = np.array([20.0, 20.0, 30.0, 15.0, 5.0, 0.0])
    yellow = np.array([3.0, 3.0, 4.0, 3.0, 3.0, 3.0])
    cycle = np.array([50.0, 50.0, 90.0, 40.0, 11.0, 20.0])
    return offset, green, yellow, cycle


def test_signal_states_match_the_slow_twin_at_boundaries_and_far_out():
    offset, green, yellow, cycle = _groups()
    times = [0.0, -0.25, 1e-9, -1e-9]
    for o, g, y, c in zip(offset, green, yellow, cycle):
        for k in (-3, -1, 0, 1, 2, 57, 400):
            times += [o + k * c, o + g + k * c, o + g + y + k * c, o + g + y + k * c - 0.25]
    times += list(np.random.default_rng(0).uniform(-2000.0, 5000.0, 500))
    for t in times:
        np.testing.assert_array_equal(signal_states(t, offset, green, yellow, cycle),
                                      naive_signal_states(t, offset, green, yellow, cycle), err_msg=f"t={t}")
    assert signal_states(0.0, offset, green, yellow, cycle).dtype == np.int8


def test_signal_states_exact_boundaries():
    one = lambda v: np.array([v])                 # noqa: E731
    state = lambda t: int(signal_states(t, one(-7.5), one(20.0), one(3.0), one(50.0))[0])   # noqa: E731
    assert state(-7.5) == GREEN and state(12.5 - 1e-9) == GREEN
    assert state(12.5) == YELLOW                  # t = offset + green exactly
    assert state(15.5) == RED                     # t = offset + green + yellow exactly
    assert state(42.5) == GREEN                   # one cycle on
    assert state(-7.5 + 50 * 1000 + 20.0) == YELLOW and state(-7.5 - 50 * 7 + 23.0) == RED
    assert signal_states(3.0, np.empty(0), np.empty(0), np.empty(0), np.empty(0)).shape == (0,)


def test_stop_for_signal_matches_the_slow_twin():
    rng = np.random.default_rng(1)
    cases = [(s, d, v, b) for s in (RED, YELLOW, GREEN) for d in (-1.0, 0.0, 1e-6, 5.0, 40.0)
             for v in (0.0, 5.0, 14.0, 30.0) for b in (2.0, 3.5)]
    cases += [(int(rng.integers(3)), float(rng.uniform(-5, 80)), float(rng.uniform(0, 35)), float(rng.uniform(1, 6)))
              for _ in range(300)]
    for case in cases:
        assert stop_for_signal(*case) == naive_stop_for_signal(*case), case
    assert stop_for_signal(RED, 0.0, 10.0, 3.0)                 # at the line on red: stop
    assert not stop_for_signal(YELLOW, 20.0, 14.0, 3.0)         # 14²/40 = 4.9 m/s² > 3: go on
    assert stop_for_signal(YELLOW, 40.0, 14.0, 3.0)             # 2.45 m/s²: stop
    assert not stop_for_signal(YELLOW, 0.0, 0.0, 3.0)
    assert not stop_for_signal(GREEN, 5.0, 0.0, 3.0)


# ---- networks ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def nets():
    specs = {"x": IntersectionSpec(name="x"), "x0": IntersectionSpec(name="x", traffic_lights=0),
             "t": IntersectionSpec(name="t", arm_count=3), "t0": IntersectionSpec(name="t", arm_count=3,
                                                                                  traffic_lights=0),
             "x2": IntersectionSpec(name="x", lanes=2, turn_lanes=1, sidewalk_width=0.0),
             "t3": IntersectionSpec(name="t", arm_count=3, lanes=3),     # top's lane 1 straight crosses nothing
             "r": RoundaboutSpec(name="r"), "r2": RoundaboutSpec(name="r", lanes=2, radius=30.0, arm_count=3),
             "town": TownSpec(name="town", blocks=2)}
    out = {}
    for key, spec in specs.items():
        net = build((spec,))
        plan = signal_plan(net)
        out[key] = (net, plan, conflict_table(net, plan))
    return out


def _turn(lane) -> float:
    h = np.unwrap(lane.heading_at(lane.cum_s))
    return float(h[-1] - h[0])


def _connector(net, arm: str, move: str) -> int:
    """The single-lane intersection's connector from ``arm`` going 'straight', 'left' or 'right'."""
    found = [i for i, ln in enumerate(net.lanes) if ln.kind == "connector" and ln.arm == arm
             and {"straight": abs(_turn(ln)) < 0.3, "left": _turn(ln) > 1.0, "right": _turn(ln) < -1.0}[move]]
    assert len(found) == 1
    return found[0]


def _find(table: ConflictTable, a: int, b: int) -> tuple[bool, bool] | None:
    """(listed, a yields to b) of the conflict between lanes a and b, None if not listed."""
    for k in range(len(table.lane_a)):
        if {int(table.lane_a[k]), int(table.lane_b[k])} == {a, b}:
            return bool(table.a_yields[k]) if table.lane_a[k] == a else not table.a_yields[k]
    return None


# ---- signal plans -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["x", "t", "x2", "t3"])
def test_plan_maps_every_signalled_approach_and_nothing_else(nets, key):
    net, plan, _ = nets[key]
    assert isinstance(plan, SignalPlan)
    assert plan.lane_group.shape == (len(net.lanes),) and plan.lane_group.dtype == np.int64
    signalled = {i for light in net.traffic_lights for i in light.lanes}
    assert signalled and {int(i) for i in np.flatnonzero(plan.lane_group >= 0)} == signalled
    assert len(plan.offset) == 2
    for light in net.traffic_lights:
        want = 0 if light.arm in ("east", "west") else 1
        assert all(plan.lane_group[i] == want for i in light.lanes)
    for arr in (plan.offset, plan.green, plan.yellow, plan.cycle):
        assert arr.dtype == np.float64 and arr.shape == (2,)
    np.testing.assert_array_equal(plan.green, GREEN_TIME)
    np.testing.assert_array_equal(plan.yellow, YELLOW_TIME)
    np.testing.assert_array_equal(plan.cycle, 2 * (GREEN_TIME + YELLOW_TIME + ALL_RED_TIME))
    assert CYCLE_TIME == 50.0
    for i in signalled:                           # the stop line lies just before the lane's end
        assert 0.0 < plan.stop_s[i] < net.lanes[i].length
        assert net.lanes[i].length - plan.stop_s[i] < 10.0


def test_no_lights_no_groups(nets):
    for key in ("x0", "t0", "r", "town"):
        net, plan, _ = nets[key]
        assert len(plan.offset) == 0 and np.all(plan.lane_group == -1)


def _never_both_lit(plan: SignalPlan, g: int, h: int) -> None:
    c = float(plan.cycle[g])
    edges = [o + d for o in (plan.offset[g], plan.offset[h]) for d in
             (0.0, plan.green[g], plan.green[g] + plan.yellow[g])]
    times = np.concatenate([np.linspace(-c, 3 * c, 1601), np.add.outer(edges, [-1e-9, 0.0, 1e-9]).ravel()])
    for t in times:
        s = signal_states(float(t), plan.offset, plan.green, plan.yellow, plan.cycle)
        assert s[g] == RED or s[h] == RED, t


@pytest.mark.parametrize("key", ["x", "t", "x2", "t3"])
def test_the_two_groups_of_an_intersection_are_never_both_lit(nets, key):
    _never_both_lit(nets[key][1], 0, 1)


def test_town_with_lights_gets_two_groups_per_junction_with_staggered_offsets(nets):
    net = nets["town"][0]
    approach = [i for i, ln in enumerate(net.lanes)
                if ln.kind != "connector" and any(net.lanes[j].kind == "connector" for j in ln.successors)]
    lit = dataclasses.replace(net, traffic_lights=tuple(
        TrafficLight(position=np.r_[net.lanes[i].centre[-1], 5.0], heading=0.0, lanes=(i,)) for i in approach))
    plan = signal_plan(lit)
    assert len(plan.offset) == 8                  # 2 × 2 junctions, 2 axes each
    assert np.all(plan.lane_group[approach] >= 0)
    junction = junction_ids(lit)
    assert len(set(junction[junction >= 0])) == 4
    by_junction: dict[int, set[int]] = {}
    for i in approach:
        by_junction.setdefault(int(junction[net.lanes[i].successors[0]]), set()).add(int(plan.lane_group[i]))
    assert all(len(groups) == 2 for groups in by_junction.values())
    for g, h in by_junction.values():
        _never_both_lit(plan, g, h)
        assert abs(plan.offset[h] - plan.offset[g]) == pytest.approx(CYCLE_TIME / 2)
    assert len(set(np.round(plan.offset, 6))) > 2                 # junctions further east start later
    assert plan == plan._replace() and np.array_equal(signal_plan(lit).offset, plan.offset)   # deterministic


# ---- conflicts ----------------------------------------------------------------------------------------------

def test_signalised_left_turn_yields_to_oncoming_and_phases_separate_crossing_streets(nets):
    net, _, table = nets["x"]
    left_s = _connector(net, "south", "left")
    assert _find(table, left_s, _connector(net, "north", "straight")) is True
    assert _find(table, left_s, _connector(net, "north", "right")) is True          # they merge
    assert _find(table, _connector(net, "east", "straight"), _connector(net, "north", "straight")) is None
    assert _find(table, _connector(net, "east", "straight"), _connector(net, "south", "straight")) is None
    assert _find(table, left_s, _connector(net, "east", "straight")) is None
    assert len(table.lane_a) == 8


def test_without_signals_north_and_south_yield_to_the_east_west_road(nets):
    net, _, table = nets["x0"]
    for ew in ("east", "west"):
        for ns in ("north", "south"):
            assert _find(table, _connector(net, ns, "straight"), _connector(net, ew, "straight")) is True
    left_s = _connector(net, "south", "left")
    assert _find(table, left_s, _connector(net, "north", "straight")) is True
    assert _find(table, left_s, _connector(net, "west", "left")) is True
    assert _find(table, _connector(net, "east", "left"), _connector(net, "west", "straight")) is True
    # major road turning into the minor one keeps priority over the minor road's straight traffic
    assert _find(table, _connector(net, "north", "straight"), _connector(net, "east", "left")) is True
    assert len(table.lane_a) == 28


def test_t_junction(nets):
    net, _, table = nets["t"]
    assert _find(table, _connector(net, "east", "left"), _connector(net, "west", "straight")) is True
    assert len(table.lane_a) == 2
    net, _, table = nets["t0"]
    assert _find(table, _connector(net, "south", "left"), _connector(net, "west", "straight")) is True
    assert _find(table, _connector(net, "south", "left"), _connector(net, "east", "left")) is True
    assert len(table.lane_a) == 6


@pytest.mark.parametrize("key", ["r", "r2"])
def test_every_roundabout_entry_yields_to_the_ring(nets, key):
    net, _, table = nets[key]
    ring = {i for i, ln in enumerate(net.lanes) if ln.kind != "connector" and ln.arm is None}
    entries = [i for i, ln in enumerate(net.lanes) if ln.kind == "connector" and set(ln.successors) & ring]
    assert entries
    for e in entries:
        rows = [_find(table, e, r) for r in ring]
        assert any(r is True for r in rows) and not any(r is False for r in rows), e
    spec_arms = 4 if key == "r" else 3
    assert len(table.lane_a) == (spec_arms if key == "r" else 4 * spec_arms)


def test_table_shape_order_and_conflict_points(nets):
    for key, (net, _, table) in nets.items():
        k = len(table.lane_a)
        assert k > 0, key
        for arr, dt in zip(table, (np.int64, np.int64, np.float64, np.float64, bool, bool)):
            assert arr.shape == (k,) and arr.dtype == dt, key
        assert np.all(table.lane_a < table.lane_b)
        assert len({(a, b) for a, b in zip(table.lane_a, table.lane_b)}) == k          # each pair once
        for a, b, sa, sb, merge in zip(table.lane_a, table.lane_b, table.s_a, table.s_b, table.merge):
            la, lb = net.lanes[a], net.lanes[b]
            assert la.road == lb.road and "connector" in (la.kind, lb.kind)
            assert 0.0 <= sa <= la.length + 1e-9 and 0.0 <= sb <= lb.length + 1e-9
            pa, pb = la.point(sa)[0], lb.point(sb)[0]
            if merge:
                assert set(la.successors) & set(lb.successors)
                assert np.linalg.norm(pa - pb) < 1.5 * max(la.width, lb.width)
            else:
                assert np.linalg.norm(pa - pb) < 0.05, (key, a, b)
                assert shapely.LineString(lb.centre).distance(shapely.Point(pa)) < 0.05
                assert shapely.LineString(la.centre).distance(shapely.Point(pb)) < 0.05


def test_town_junctions_all_follow_the_single_intersection_rules(nets):
    net, _, table = nets["town"]
    junction = junction_ids(net)
    per = np.bincount(junction[table.lane_a])
    assert len(per) == 4 and np.all(per == 28)
    assert np.all(junction[table.lane_a] == junction[table.lane_b])
    for a, b, ay in zip(table.lane_a, table.lane_b, table.a_yields):      # a north–south approach never wins
        ha, hb = net.lanes[a].heading_at(0.0)[0], net.lanes[b].heading_at(0.0)[0]
        ew_a, ew_b = abs(math.cos(ha)) > 0.7, abs(math.cos(hb)) > 0.7
        if ew_a != ew_b:
            assert ay == ew_b


def test_roads_of_one_scenario_never_conflict_with_each_other(nets):
    both = build((IntersectionSpec(name="x"), RoundaboutSpec(name="r")))      # both at the origin
    table = conflict_table(both, signal_plan(both))
    assert len(table.lane_a) == len(nets["x"][2].lane_a) + len(nets["r"][2].lane_a)
    assert all(both.lanes[a].road == both.lanes[b].road for a, b in zip(table.lane_a, table.lane_b))
