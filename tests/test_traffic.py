"""The running world: scripted behaviours against analytic timing, MOBIL safety, junction rules, events,
determinism and batched rollouts. Scenarios are written in the language, so the whole chain is tested."""
from __future__ import annotations

import math

import numpy as np
import pytest

import naive
from scenes import assert_same_state
from scenariosim.dsl import loads
from scenariosim.roads import build
from scenariosim.sim import CRITERIA, EVENT_KINDS, rollout, simulate, stack, step, variant
from scenariosim.sim.kernels import MOBIL_SAFE_DECEL, lane_change_offset
from scenariosim.spec import sample
from scenariosim.world import build_world

DT = 0.1


def world_of(text: str, seed: int = 0, **overrides):
    """(World, WorldInfo, spec) of a one-scenario text; seed, duration and timestep default to 1, 10 s, 0.1 s."""
    head, rest = text.split(":\n", 1)
    for field, value in (("seed", "1"), ("duration", "10 s"), ("timestep", "0.1 s")):
        if f"    {field}:" not in rest:
            rest = f"    {field}: {value}\n" + rest
    spec = sample(loads(head + ":\n" + rest), seed, overrides=overrides or None)
    world, info = build_world(spec, build(spec.roads))
    return world, info, spec


def index(info, name: str) -> int:
    return info.names.index(name)


def events(world, kind: str) -> np.ndarray:
    rows = world.events.rows[0, :world.events.count[0]]
    return rows[rows[:, 0] == EVENT_KINDS.index(kind)]


CUT_IN = """
scenario cut_in:
    duration: 20 s
    timestep: 0.1 s
    road main = highway(length: 2 km, lanes: 3, lane_width: 3.5 m)
    param gap0 = -20 m
    actor ego: car
        at: lane(main, 2), s 300 m
        speed: 25 m/s
        behavior: follow_lane
    actor cutter: car
        at: left_of(ego), ahead_of(ego, by: gap0)
        speed: 30 m/s
        behavior:
            follow_lane until gap(cutter, ego) >= 5 m
            change_lane(to: lane_of(ego), duration: 3 s)
            change_speed(to: 25 m/s, rate: 2 m/s2)
"""


@pytest.mark.parametrize("gap0", [-20.0, -7.3, 2.0])
def test_scripted_cut_in_starts_and_ends_on_time(gap0):
    """Both cars hold their speed (free road): gap(t) = gap0 + 5 m/s·t, so the change starts at the
    first step with gap ≥ 5 m and the cutter crosses into the ego's lane half way through its 3 s profile."""
    world, info, _ = world_of(CUT_IN, gap0=gap0)
    ego, cut = index(info, "ego"), index(info, "cutter")
    v = world.vehicles
    lanes0 = v.lane.copy()
    t_start = (5.0 - gap0) / 5.0                       # ahead_of(by:) and gap() are bumper gaps: gap0 + 5 m/s·t
    start = cross = done = None
    ds = []
    for k in range(1, 120):
        step(world, DT)
        t = k * DT
        if start is None and v.lane[cut] == lanes0[ego]:
            start = t
        if start is not None:
            ds.append(world.drive.d[cut])
            if cross is None and abs(world.drive.d[cut]) <= 1.75:
                cross = t
            if done is None and world.drive.lc_duration[cut] == 0.0:
                done = t
    # the step that holds the condition is seen at the next step: at most one step late
    assert t_start - 1e-9 <= start - DT <= t_start + DT + 1e-9
    t0 = start - DT                                    # the change began with the step that ended at `start`
    assert cross == pytest.approx(t0 + 1.5, abs=DT + 1e-9)
    assert done == pytest.approx(t0 + 3.0, abs=DT + 1e-9)
    u = np.minimum(1.0, np.arange(1, len(ds) + 1) * DT / 3.0)
    want = [lane_change_offset(3.5, ui, 0)[0] for ui in u]
    np.testing.assert_allclose(ds, want, atol=1e-9)    # the sinusoidal profile, exactly
    assert not len(events(world, "collision"))


LEAD_BRAKING = """
scenario lvb:
    duration: 12 s
    timestep: 0.1 s
    road main = highway(length: 1 km, lanes: 2)
    param decel = 6 m/s2
    actor lead: car
        at: lane(main, 1), s 200 m
        speed: 20 m/s
        behavior:
            follow_lane until time >= 2 s
            change_speed(to: 0 m/s, rate: decel)
"""


@pytest.mark.parametrize("decel", [2.0, 6.0, 8.0])
def test_lead_vehicle_braking_stops_where_and_when_the_closed_form_says(decel):
    world, info, _ = world_of(LEAD_BRAKING, decel=decel)
    v = world.vehicles
    x0 = v.x[0]
    stopped = None
    for k in range(1, 130):
        step(world, DT)
        if stopped is None and v.speed[0] == 0.0:
            stopped = k * DT
    t_brake = 2.0                                       # the condition holds at t = 2 s (20 steps of 0.1 s)
    assert stopped == pytest.approx(t_brake + 20.0 / decel, abs=DT + 1e-9)
    # distance: 20 m/s until braking began (at most one step late), then v²/(2a)
    assert v.x[0] - x0 == pytest.approx(20.0 * t_brake + 400.0 / (2 * decel), abs=20.0 * DT + 1e-6)


def test_braking_is_limited_by_the_wet_road():
    text = LEAD_BRAKING.replace("    road main", "    environment:\n        wetness: 1\n    road main")
    world, _, _ = world_of(text, decel=9.0)
    v = world.vehicles
    x0 = v.x[0]
    simulate(world, DT, 120)
    mu = world.clock.friction[0]
    assert mu == pytest.approx(0.5)
    assert v.x[0] - x0 == pytest.approx(40.0 + 400.0 / (2 * mu * 9.81), abs=20.0 * DT + 1e-6)


CROSSING = """
scenario crossing:
    duration: 10 s
    timestep: 0.1 s
    road city = street(length: 200 m, lanes: 1, lane_width: 3.5 m, sidewalk_width: 3 m)
    actor child: pedestrian
        at: sidewalk(city, side: right), s 100 m
        behavior:
            stay_still until time >= 1 s
            walk_across(speed: 1.5 m/s, side: left)
"""


def test_pedestrian_crossing_reaches_each_lane_on_time():
    world, info, spec = world_of(CROSSING)
    network = build(spec.roads)
    v = world.vehicles
    y0 = v.y[0]
    lane1 = network.lanes[network.lane_index("city", 1)]
    lane_y = float(lane1.point(100.0)[0, 1])           # the street runs along +x; lane 1 centre
    reached = None
    for k in range(1, 100):
        step(world, DT)
        if reached is None and v.y[0] >= lane_y:
            reached = k * DT
    start = 1.0                                         # the step that begins at t = 1 s starts the walk
    assert reached == pytest.approx(start + (lane_y - y0) / 1.5, abs=DT + 1e-9)
    assert world.drive.phase[0] != 0.0                  # the walk cycle advances


def test_drivers_yield_to_a_walker_crossing_their_path():
    """The car would reach the crossing point 1.5 s before the child clears the lane: it brakes, lets the
    child cross and drives on."""
    text = CROSSING + """    actor car: car
        at: lane(city, 1), s 60 m
        speed: 12 m/s
        behavior: follow_lane
"""
    world, info, _ = world_of(text)
    car = index(info, "car")
    crit, traj = rollout(world, DT, 100, ego=car, record=True)
    assert not len(events(world, "collision"))
    assert crit[0, CRITERIA.index("min_distance")] > 0.5
    assert traj[0, :, car, 3].min() < 6.0                   # it slowed down …
    assert world.vehicles.x[car] > 100.0                     # … and went on once the child had crossed


def test_collision_is_recorded_once_at_the_closed_form_time_with_the_relative_speed():
    text = """
scenario crash:
    duration: 10 s
    timestep: 0.1 s
    road main = highway(length: 1 km, lanes: 2)
    actor ego: car
        at: lane(main, 1), s 100 m
        speed: 20 m/s
        behavior: follow_lane with constant_speed
    actor wall: barrier
        at: lane(main, 1), s 160 m
"""
    world, info, _ = world_of(text)
    simulate(world, DT, 60)
    hits = events(world, "collision")
    assert len(hits) == 1
    gap = 60.0 - 0.5 * (world.vehicles.length[0] + world.vehicles.length[1])
    assert hits[0, 1] == pytest.approx(gap / 20.0, abs=DT + 1e-9)
    assert hits[0, 4] == pytest.approx(20.0)
    crit, _ = rollout(world_of(text)[0], DT, 60)
    assert crit[0, CRITERIA.index("collision")] == 1.0
    assert crit[0, CRITERIA.index("collision_time")] == pytest.approx(hits[0, 1])


def test_end_of_road_and_off_road_are_recorded():
    text = """
scenario edge:
    duration: 10 s
    timestep: 0.1 s
    road main = highway(length: 300 m, lanes: 2, lane_width: 3.5 m)
    actor runner: car
        at: lane(main, 1), s 250 m
        speed: 20 m/s
    actor swerve: car
        at: lane(main, 1), s 20 m
        speed: 10 m/s
        behavior: follow_path(points: [(20 m, 0 m), (40 m, -4 m), (80 m, -12 m)], speed: 10 m/s)
"""
    world, info, _ = world_of(text)
    simulate(world, DT, 80)
    end = events(world, "end_of_road")
    assert len(end) == 1 and int(end[0, 2]) == index(info, "runner")
    assert end[0, 1] == pytest.approx(2.5, abs=DT + 1e-9)            # 50 m at 20 m/s
    off = events(world, "off_road")
    assert len(off) == 1 and int(off[0, 2]) == index(info, "swerve")
    assert off[0, 4] < -1.75 - 1e-9                                  # beyond the right edge of lane 1


def test_mobil_never_forces_the_new_follower_beyond_safe_braking():
    """Dense free traffic on three lanes: for every lane change, the new follower's IDM acceleration behind
    the changer, computed independently from the state before the step, is above −b_safe."""
    rng = np.random.default_rng(7)
    n = 60
    actors = "\n".join(
        f"    actor a{k}: car\n        at: lane(main, {1 + k % 3}), s {40.0 + k * 9.0 + rng.uniform(0, 3):.2f} m\n"
        f"        speed: {rng.uniform(18, 30):.2f} m/s\n        behavior: drive(speed: {rng.uniform(22, 36):.2f} m/s)"
        for k in range(n))
    world, _, _ = world_of("scenario dense:\n    duration: 60 s\n    timestep: 0.1 s\n"
                           "    road main = highway(length: 5 km, lanes: 3)\n" + actors + "\n")
    v = world.vehicles
    changes = 0
    step(world, DT)                                    # the programs start: drive sets each desired speed
    for _ in range(400):
        before = {f: getattr(v, f).copy() for f in ("lane", "s", "speed", "v0", "length", "time_gap", "min_gap",
                                                      "max_accel", "comfort_decel")}
        step(world, DT)
        for i in np.flatnonzero(v.lane != before["lane"]):
            changes += 1
            T = v.lane[i]
            behind = [j for j in range(n) if before["lane"][j] == T and before["s"][j] < before["s"][i]]
            if not behind:
                continue
            f = max(behind, key=lambda j: before["s"][j])
            gap = before["s"][i] - before["s"][f] - 0.5 * (before["length"][i] + before["length"][f])
            acc = naive.idm_acceleration(before["speed"][f], before["v0"][f], gap,
                                         before["speed"][f] - before["speed"][i], before["time_gap"][f],
                                         before["min_gap"][f], before["max_accel"][f], before["comfort_decel"][f])
            assert acc >= -MOBIL_SAFE_DECEL - 1e-9
    assert changes >= 10                               # the test saw MOBIL at work
    assert not len(events(world, "collision"))


def test_a_driver_brakes_for_a_car_leaving_its_lane_but_does_not_change_lanes_to_escape_it():
    """The leaver, 15 m ahead in the same lane, starts a change to the left. The driver brakes while the leaver is
    still partly in its lane. But MOBIL weighs the driver's own lane without the leaver, which is going. The lane
    to the right holds a slower car, so it offers nothing. The driver keeps its lane. (When MOBIL weighed the
    braking for the leaver, the driver fled to the right at the first chance, 0.2 s in.)"""
    world, info, _ = world_of("""
scenario leaver:
    road main = highway(length: 2 km, lanes: 3, lane_width: 3.5 m)
    actor leaver: car
        at: lane(main, 2), s 120 m
        speed: 25 m/s
        behavior: change_lane(to: left, duration: 4 s)
    actor driver: car
        at: lane(main, 2), s 100 m
        speed: 25 m/s
        behavior: drive(speed: 30 m/s)
    actor slow: car
        at: lane(main, 1), s 170 m
        speed: 22 m/s
        behavior: follow_lane
""")
    driver = index(info, "driver")
    lane, speeds = world.vehicles.lane[driver], []
    for _ in range(40):                                # the leaver's 4 s change
        step(world, DT)
        assert world.vehicles.lane[driver] == lane
        speeds.append(world.vehicles.speed[driver])
    assert speeds[9] < 24.5                            # it braked for the leaver (free, it would speed up to 30)


def test_red_light_holds_traffic_at_the_stop_line_until_green():
    text = """
scenario light:
    duration: 60 s
    timestep: 0.1 s
    road x = intersection(arm_length: 80 m, lanes: 1, lane_width: 3.5 m)
    actor car: car
        at: lane(x, 1, arm: south), s 20 m
        speed: 10 m/s
        behavior: follow_lane
"""
    world, _, _ = world_of(text)
    v, lanes, jn = world.vehicles, world.lanes, world.junctions
    lane0 = v.lane[0]
    group = lanes.signal[lane0]
    assert group >= 0
    line = lanes.stop_line[lane0]
    crossed = None
    for k in range(1, 600):
        step(world, DT)
        t = k * DT
        phase = (t - jn.offset[group]) % jn.cycle[group]
        red = phase >= jn.green[group] + jn.yellow[group]
        if v.lane[0] == lane0:
            front = v.s[0] + 0.5 * v.length[0]
            if red and phase > jn.green[group] + jn.yellow[group] + 1.0:
                assert front <= line + 1e-6
        elif crossed is None:
            crossed = t
    assert crossed is not None                         # it went on when its light turned green
    phase = (crossed - jn.offset[group]) % jn.cycle[group]
    assert phase < jn.green[group] + jn.yellow[group] + DT


@pytest.mark.parametrize("turner_s, turner_speed", [(55.0, 8.0), (70.0, 0.0)])
def test_left_turn_waits_for_oncoming_traffic(turner_s, turner_speed):
    """Moving, or standing at its line (its earliest arrival then comes from accelerating, not from its
    present speed), the turner lets the oncoming car pass first and never touches it."""
    text = f"""
scenario turn:
    duration: 20 s
    timestep: 0.1 s
    road x = intersection(arm_length: 80 m, lanes: 1, lane_width: 3.5 m, traffic_lights: 0)
    actor turner: car
        at: lane(x, 1, arm: south), s {turner_s} m
        speed: {turner_speed} m/s
        behavior: turn(direction: left, speed: 8 m/s)
    actor oncoming: car
        at: lane(x, 1, arm: north), s 30 m
        speed: 12 m/s
        behavior: turn(direction: straight)
"""
    world, info, _ = world_of(text)
    _, traj = rollout(world, DT, 200, record=True)
    assert not len(events(world, "collision"))
    xy = traj[0, :, :, :2]
    # the oncoming car passes the junction centre before the turner reaches it
    t_on = np.argmax(xy[:, 1, 1] < 0.0)
    t_turn = np.argmax(np.hypot(*xy[:, 0].T) < 3.0)
    assert 0 < t_on < t_turn


def _junction_traffic_text(lights: int) -> str:
    """Platoons on all four arms of a junction, some turning: queues form and discharge (at every light change,
    or as gaps open), so followers come close to stop lines behind leaders that go on or stop."""
    lines = ["scenario queues:", "    duration: 60 s", "    road x = intersection(arm_length: 150 m, lanes: 1, "
             f"lane_width: 3.5 m, traffic_lights: {lights})"]
    turns = ("straight", "left", "straight", "right", "straight")
    for arm in ("south", "west", "north", "east"):
        for k in range(5):
            lines += [f"    actor {arm}{k}: car", f"        at: lane(x, 1, arm: {arm}), s {20 + 14 * k} m",
                      "        speed: 11 m/s", f"        behavior: turn(direction: {turns[k]})"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("lights", [1, 0])
def test_junction_traffic_is_the_same_with_and_without_the_fast_paths(lights):
    """The fast paths (the plain acceleration path on calm lanes, the SIMD lane keepers) change nothing: queues
    at a junction, with and without lights, run bit for bit as with every agent through the general code
    (highway traffic: tests/test_sim.py). Calm lanes are those without a signal whose successors have no
    conflicts, and agents did drive on them."""
    from importlib import import_module
    from scenariosim.sim.engine import scratch
    run = import_module("scenariosim.sim.step")._simulate
    fast, _, _ = world_of(_junction_traffic_text(lights))
    slow, _, _ = world_of(_junction_traffic_text(lights))
    sc_fast, sc_slow = scratch(fast), scratch(slow, fast_paths=False)
    on_calm = 0                                          # agents that may take the plain path, on calm lanes
    for _ in range(120):                                 # 120 × 5 steps of 0.1 s: a cycle of the lights and more
        run(fast, DT, 5, True, sc_fast, 0, 1)
        run(slow, DT, 5, True, sc_slow, 0, 1)
        on_calm += int((sc_fast.plain * sc_fast.calm[fast.vehicles.lane]).sum())
    assert_same_state(fast, slow)
    lanes, first = fast.lanes, fast.junctions.first
    nxt = lanes.next
    yields = (nxt >= 0) & (first[np.maximum(nxt, 0) + 1] > first[np.maximum(nxt, 0)])
    calm = (lanes.signal < 0) & ~yields.any(axis=1)
    np.testing.assert_array_equal(sc_fast.calm, calm.astype(np.int64))
    assert (lanes.signal >= 0).any() == bool(lights) and yields.any() and calm.any() and not sc_slow.calm.any()
    assert on_calm > 100
    assert calm[fast.vehicles.lane].sum() >= 10         # most went through the junction, onto calm lanes


def test_runs_are_bit_identical_and_a_batch_equals_its_variants_run_alone():
    text = CUT_IN.replace("param gap0 = -20 m", "param gap0 = uniform(-25 m, 0 m)") + """    actor truck: truck
        at: lane(main, 1), s uniform(200 m, 400 m)
        speed: uniform(20 m/s, 24 m/s)
        behavior: drive
    actor tail: car
        at: lane(main, 2), s 150 m
        speed: 30 m/s
        behavior: keep_time_gap(to: ego, gap: uniform(1 s, 2 s))
"""
    worlds = [world_of(text, seed)[0] for seed in range(4)]
    batch = stack(worlds)
    crit, traj = rollout(batch, DT, 150, ego=0, record=True)
    for k in range(4):
        alone = world_of(text, k)[0]
        c1, t1 = rollout(alone, DT, 150, ego=0, record=True)
        assert t1[0].tobytes() == traj[k].tobytes()
        assert c1[0].tobytes() == crit[k].tobytes()
        again = world_of(text, k)[0]
        _, t2 = rollout(again, DT, 150, ego=0, record=True)
        assert t2.tobytes() == t1.tobytes()
    assert len({traj[k].tobytes() for k in range(4)}) == 4      # the variants really differ
    # a variant taken out of a stepped batch goes on exactly as it would have inside it
    out = variant(batch, 2)
    simulate(out, DT, 50)
    simulate(batch, DT, 50)
    n = len(out.vehicles.x)
    assert out.vehicles.x.tobytes() == batch.vehicles.x[2 * n:3 * n].tobytes()
    assert out.events.count[0] == batch.events.count[2]


def test_threads_share_out_the_variants_and_change_no_bit():
    text = CUT_IN.replace("param gap0 = -20 m", "param gap0 = uniform(-25 m, 0 m)") + """    actor truck: truck
        at: lane(main, 1), s uniform(200 m, 400 m)
        speed: uniform(20 m/s, 24 m/s)
        behavior: drive
"""
    batch = lambda: stack([world_of(text, seed)[0] for seed in range(6)])     # noqa: E731
    steps = 400                                           # long enough for threads to overlap (a race shows)
    one = batch()
    crit, traj = rollout(one, DT, steps, ego=0, record=True)
    assert np.isfinite(crit[:, 4]).all()                                    # every variant was run
    for workers in (2, 3, 5, 8, None):                                      # uneven shares, more threads than variants
        many = batch()
        c, t = rollout(many, DT, steps, ego=0, record=True, workers=workers)
        assert c.tobytes() == crit.tobytes() and t.tobytes() == traj.tobytes(), workers
        assert_same_state(many, one)
        assert many.clock.t.tobytes() == one.clock.t.tobytes()
    simulate(one, DT, 30)
    many = batch()
    rollout(many, DT, steps, ego=0, workers=2)
    simulate(many, DT, 30, workers=3)
    assert_same_state(many, one)


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "2"])
def test_a_bad_number_of_workers_is_refused_before_anything_runs(workers):
    world = world_of(CUT_IN)[0]
    x = world.vehicles.x.copy()
    for run in (lambda: rollout(world, DT, 5, workers=workers), lambda: simulate(world, DT, 5, workers=workers)):
        with pytest.raises(ValueError, match="workers must be a whole number"):
            run()
    assert world.vehicles.x.tobytes() == x.tobytes()


def test_a_batch_of_walkers_keeps_each_variant_its_own_paths():
    text = CROSSING.replace("s 100 m", "s uniform(60 m, 140 m)")
    worlds = [world_of(text, seed)[0] for seed in range(3)]
    batch = stack(worlds)
    _, traj = rollout(batch, DT, 60, record=True)
    for k in range(3):
        _, alone = rollout(world_of(text, k)[0], DT, 60, record=True)
        assert alone[0].tobytes() == traj[k].tobytes()


def test_stack_refuses_worlds_of_different_scenarios():
    a = world_of(CUT_IN)[0]
    b = world_of(LEAD_BRAKING)[0]
    with pytest.raises(ValueError, match="one scenario"):
        stack([a, b])


def test_stay_still_and_static_objects_never_move():
    world, info, _ = world_of("""
scenario still:
    duration: 5 s
    road main = highway(length: 500 m, lanes: 2)
    actor parked: car
        at: lane(main, 1), s 100 m
        speed: 10 m/s
        behavior: stay_still
    actor cone: cone
        at: lane(main, 2), s 120 m
""")
    x0 = world.vehicles.x.copy()
    simulate(world, DT, 50)
    assert world.vehicles.x.tobytes() == x0.tobytes()


def test_stop_at_stops_at_the_point():
    world, _, _ = world_of("""
scenario stop:
    duration: 30 s
    road main = highway(length: 1 km, lanes: 2)
    actor car: car
        at: lane(main, 1), s 50 m
        speed: 15 m/s
        behavior: stop_at(s: 200 m, decel: 3 m/s2)
""")
    simulate(world, DT, 300)
    assert world.vehicles.speed[0] == 0.0
    assert world.vehicles.s[0] == pytest.approx(200.0, abs=0.05)


def test_keep_time_gap_settles_at_the_gap():
    world, info, _ = world_of("""
scenario follow:
    duration: 120 s
    road main = highway(length: 8 km, lanes: 2)
    actor lead: car
        at: lane(main, 1), s 300 m
        speed: 20 m/s
        behavior: follow_lane with constant_speed
    actor ego: car
        at: lane(main, 1), s 200 m
        speed: 20 m/s
        behavior: keep_time_gap(to: lead, gap: 1.2 s) with idm(desired_speed: 30 m/s)
""")
    simulate(world, DT, 1200)
    v = world.vehicles
    gap = v.s[0] - v.s[1] - 0.5 * (v.length[0] + v.length[1])
    # the IDM equilibrium behind a leader at 20 m/s: (s0 + v·T) / sqrt(1 − (v/v0)^4) with T the kept gap
    assert gap == pytest.approx((v.min_gap[1] + 20.0 * 1.2) / math.sqrt(1.0 - (20.0 / 30.0) ** 4), rel=1e-3)
    assert v.speed[1] == pytest.approx(20.0, abs=1e-3)


def test_an_actor_can_drive_the_dynamic_model_and_keep_its_lane_on_a_curve():
    """0.37 g in a 250 m curve at 30 m/s: the tyres slip (lateral speed), the driver holds the lane."""
    text = """
scenario curve:
    duration: 20 s
    road main = highway(length: 1 km, lanes: 2, curve_radius: 250 m, curve_angle: 60 deg)
    actor fast: car
        at: lane(main, 1), s 50 m
        speed: 30 m/s
        dynamics: dynamic
        behavior: follow_lane
"""
    world, _, spec = world_of(text)
    assert spec.actors[0].dynamics == "dynamic" and world.drive.dynamic[0] == 1
    vy, d = [], []
    for _ in range(200):
        step(world, DT)
        vy.append(world.drive.vy[0])
        d.append(world.drive.d[0])
    assert np.abs(vy).max() > 0.01                        # it really slid sideways: the dynamic model ran
    assert np.abs(d).max() < 1.75                         # and pure pursuit kept its centre in its lane
    assert abs(d[-1]) < 0.05                              # back on the centre line after the curve
    assert not len(events(world, "off_road"))
