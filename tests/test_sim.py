"""The Numba world: kernels against their slow twins, and physical invariants."""
from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import naive
from scenes import assert_same_state, make_spec, make_world
from scenariosim.sim import kernels, simulate, step

RNG = np.random.default_rng(12345)


def test_idm_matches_twin_and_closed_forms():
    for _ in range(200):
        v, v0 = RNG.uniform(0, 40), RNG.uniform(1, 40)
        gap = math.inf if RNG.random() < 0.2 else RNG.uniform(0.01, 200)
        args = (v, v0, gap, RNG.uniform(-10, 10), RNG.uniform(0.5, 2), RNG.uniform(1, 4), RNG.uniform(0.5, 3), RNG.uniform(1, 4))
        assert kernels.idm_acceleration(*args) == pytest.approx(naive.idm_acceleration(*args), rel=1e-12, abs=1e-12)
    # free road at the desired speed: no acceleration; standing start: full acceleration
    assert kernels.idm_acceleration(20.0, 20.0, math.inf, 0.0, 1.5, 2.0, 1.0, 1.5) == 0.0
    assert kernels.idm_acceleration(0.0, 20.0, math.inf, 0.0, 1.5, 2.0, 1.3, 1.5) == 1.3


def test_lane_point_matches_frenet_to_xy():
    """The tangent-table point on a lane equals the one computed from the segment itself."""
    world, _ = make_world(make_spec([("a", "car", 1, 10.0, 10.0)]))
    lanes = world.lanes
    for k in RNG.integers(0, len(lanes.points) - 1, 50):
        if k + 1 in lanes.start:
            continue                                       # the last point of a lane starts no segment
        s, d = lanes.cum_s[k] + RNG.uniform(-2, 30), RNG.uniform(-3, 3)
        want = kernels.frenet_to_xy(lanes.points, lanes.cum_s, k, s, d)[:2]
        assert kernels.lane_point(lanes.points, lanes.cum_s, lanes.tangent, k, s, d) == pytest.approx(want, abs=1e-9)


def test_fast_idm_matches_twin():
    """The engine's IDM (the root constant given, one division) agrees with the twin to rounding."""
    for _ in range(500):
        v, v0 = RNG.uniform(0, 40), RNG.uniform(0.5, 40)
        gap = math.inf if RNG.random() < 0.1 else RNG.uniform(0.0, 500)
        args = (v, v0, gap, RNG.uniform(-10, 10), RNG.uniform(0.5, 2), RNG.uniform(1, 4), RNG.uniform(0.5, 3),
                RNG.uniform(1, 4))
        k = kernels.idm_root(args[6], args[7])
        assert kernels.idm_acceleration_k(*args, k) == pytest.approx(naive.idm_acceleration(*args), rel=1e-12, abs=1e-9)
    assert kernels.idm_acceleration_k(5.0, 0.0, 10.0, 0.0, 1.5, 2.0, 1.0, 1.5, 0.3) == -1.5      # v0 = 0: stop


@pytest.mark.parametrize("steer,accel", [(0.0, 0.0), (0.2, 0.0), (-0.35, 1.5), (0.1, -3.0), (0.3, -40.0), (0.2, -200.0)])
def test_bicycle_advance_matches_fine_integration(steer, accel):
    got = kernels.bicycle_advance(1.0, -2.0, 0.4, 12.0, accel, steer, 2.7, 0.1)
    want = naive.bicycle_advance(1.0, -2.0, 0.4, 12.0, accel, steer, 2.7, 0.1)
    np.testing.assert_allclose(got, want, atol=1e-6)


@pytest.mark.parametrize("delta", [0.05, 0.2, -0.4])
def test_constant_steer_turns_on_radius_L_over_tan_delta(delta):
    L, x, y, h, v = 2.8, 0.0, 0.0, 0.0, 10.0
    pts = []
    for _ in range(300):
        x, y, h, v = kernels.bicycle_advance(x, y, h, v, 0.0, delta, L, 0.05)
        pts.append((x, y))
    pts = np.array(pts)
    centre = np.array([0.0, L / math.tan(delta)])       # left turn: centre on +y
    radius = np.linalg.norm(pts - centre, axis=1)
    np.testing.assert_allclose(radius, abs(L / math.tan(delta)), rtol=1e-9)


def test_constant_speed_gives_x_equals_v_t():
    spec = make_spec([("ego", "car", 2, 50.0, 25.0)], length=2000.0)
    world, _ = make_world(spec)
    x0 = world.vehicles.x[0]
    simulate(world, 0.05, 400)                           # 20 s, free road at desired speed
    assert world.vehicles.x[0] == pytest.approx(x0 + 25.0 * 20.0, abs=1e-6)
    assert world.vehicles.y[0] == pytest.approx(5.25, abs=1e-9)


def test_lane_keeping_recovers_from_lateral_offset():
    spec = make_spec([("ego", "car", 2, 50.0, 25.0)], length=2000.0)
    world, _ = make_world(spec)
    world.vehicles.y[0] += 1.2
    ys = []
    for _ in range(200):
        step(world, 0.05)
        ys.append(world.vehicles.y[0])
    ys = np.array(ys) - 5.25
    assert abs(ys[-1]) < 0.02                            # back on the centre line after 10 s
    assert ys.max() <= 1.2 and ys.min() > -0.3           # no swerve out of the lane (width 3.5 m)


def test_idm_platoon_reaches_equilibrium_gap_and_never_collides():
    n, v_lead = 8, 20.0
    actors = [("lead", "car", 1, 1400.0, v_lead)] + [(f"f{k}", "car", 1, 1400.0 - 40.0 * k, 30.0) for k in range(1, n)]
    world, _ = make_world(make_spec(actors, length=10000.0))
    veh = world.vehicles
    veh.v0[1:] = 33.0                                    # followers want to go faster than the leader
    min_gap = np.inf
    for _ in range(6000):                                # 300 s
        step(world, 0.05)
        gaps = -np.diff(veh.s) - veh.length[0]
        min_gap = min(min_gap, gaps.min())
    T, s0 = veh.time_gap[1], veh.min_gap[1]
    s_eq = (s0 + v_lead * T) / math.sqrt(1.0 - (v_lead / 33.0) ** kernels.IDM_DELTA)
    assert min_gap > s0 * 0.5
    np.testing.assert_allclose(gaps, s_eq, rtol=0.01)
    np.testing.assert_allclose(veh.speed, v_lead, rtol=1e-3)


def test_step_matches_naive_twin():
    actors = [(f"a{k}", "car" if k % 3 else "truck", 1 + k % 3, 30.0 + 17.0 * k, 10.0 + 2.0 * k) for k in range(12)]
    world, _ = make_world(make_spec(actors))
    v = world.vehicles
    v.y[:] += RNG.uniform(-0.8, 0.8, len(v.y))
    v.heading[:] += RNG.uniform(-0.05, 0.05, len(v.y))
    want = naive.step_vehicles(v, world.lanes, 0.1)
    step(world, 0.1)
    for name, arr in want.items():
        np.testing.assert_allclose(getattr(v, name), arr, atol=1e-6, err_msg=name)


def test_runs_are_bit_identical():
    actors = [(f"a{k}", "car", 1 + k % 3, 20.0 + 23.0 * k, 15.0 + k) for k in range(20)]
    results = []
    for _ in range(2):
        world, _ = make_world(make_spec(actors))
        world.vehicles.y[:] += np.linspace(-0.5, 0.5, 20)
        simulate(world, 0.05, 200)
        results.append(np.concatenate([world.vehicles.x, world.vehicles.y, world.vehicles.speed]))
    assert results[0].tobytes() == results[1].tobytes()


def test_driving_off_the_lane_end_is_harmless():
    """The leader leaves a 300 m road: it keeps going straight, and its follower does not brake for it."""
    world, _ = make_world(make_spec([("lead", "car", 2, 285.0, 25.0), ("ego", "car", 2, 230.0, 25.0)], length=300.0))
    v = world.vehicles
    v.y[0] += 0.01
    for _ in range(100):                                 # 5 s: both pass the end
        step(world, 0.05)
        assert v.accel.min() > -1.0
    assert abs(v.y[0] - 5.25) < 0.02 and abs(v.heading[0]) < 1e-3
    assert v.x[0] > 380.0 and v.x[1] > 350.0


def test_long_timesteps_keep_the_lane():
    world, _ = make_world(make_spec([("ego", "car", 2, 50.0, 40.0)], length=3000.0))
    world.vehicles.y[0] += 0.3
    simulate(world, 1.0, 30)                             # 40 m per step, four centre-line segments
    assert abs(world.vehicles.y[0] - 5.25) < 0.3 and abs(world.vehicles.heading[0]) < 0.05
    assert world.vehicles.s[0] == pytest.approx(world.vehicles.x[0], abs=1e-6)


def test_zero_desired_speed_stays_still():
    world, _ = make_world(make_spec([("parked", "car", 1, 50.0, 0.0)]))
    simulate(world, 0.05, 200)
    assert world.vehicles.x[0] == 50.0 and world.vehicles.speed[0] == 0.0


def test_simulate_equals_repeated_steps():
    actors = [(f"a{k}", "car", 1 + k % 3, 20.0 + 23.0 * k, 15.0 + k) for k in range(9)]
    one, _ = make_world(make_spec(actors))
    many, _ = make_world(make_spec(actors))
    for _ in range(50):
        step(one, 0.05)
    simulate(many, 0.05, 50)
    for a, b in zip(one.vehicles, many.vehicles):
        assert a.tobytes() == b.tobytes()


def test_carried_heading_trig_stays_exact_and_follows_outside_turns():
    """Lane keepers carry cos and sin of their heading from step to step: after 400 steps of steering they
    still equal cos and sin of the heading to rounding. When something else turns an agent (here the caller),
    its next step is bit for bit that of a world that never had carried values."""
    actors = [(f"a{k}", "car", 1 + k % 3, 20.0 + 23.0 * k, 15.0 + k) for k in range(9)]
    world, _ = make_world(make_spec(actors, length=3000.0))
    world.vehicles.y[:] += np.linspace(-0.6, 0.6, 9)       # they steer back: the headings change every step
    simulate(world, 0.05, 400)
    dr, v = world.drive, world.vehicles
    assert (dr.trig_heading == v.heading).all() and np.ptp(v.heading) > 0.0
    np.testing.assert_allclose(dr.cos_h, np.cos(v.heading), rtol=0.0, atol=1e-14)
    np.testing.assert_allclose(dr.sin_h, np.sin(v.heading), rtol=0.0, atol=1e-14)
    fresh = copy.deepcopy(world)
    fresh.drive.trig_heading[:] = np.nan
    for w in (world, fresh):
        w.vehicles.heading[::2] += 0.03
    simulate(world, 0.05, 1)
    simulate(fresh, 0.05, 1)
    for a, b in zip(world.vehicles, fresh.vehicles):
        assert a[::2].tobytes() == b[::2].tobytes()       # the turned agents: their own carried values unused


def _dense_traffic(road, cars=60):
    """A World of ``cars`` cars on three lanes of ``road`` at mixed desired speeds, with MOBIL: lane changes keep
    happening, so agents go back and forth between the SIMD pass and the general code."""
    from scenariosim.spec import ActorSpec, ScenarioSpec
    from scenariosim.world import build_world
    from scenariosim.roads import build
    actors = tuple(ActorSpec(name=f"c{k}", kind="car", road=road.name, lane=1 + k % 3, s=30.0 + 14.0 * k,
                             speed=22.0) for k in range(cars))
    spec = ScenarioSpec(name="t", roads=(road,), actors=actors)
    world, _ = build_world(spec, build(spec.roads))
    world.vehicles.v0[:] = np.random.default_rng(4).uniform(18.0, 34.0, cars)
    world.drive.mobil[:] = 1
    return world


@pytest.mark.parametrize("curve_radius", [None, 250.0])
def test_simd_lane_keepers_step_bit_for_bit_as_the_general_code(curve_radius):
    """The SIMD pass (sim/lanekeep.py) repeats lane keeping's arithmetic for plain steps: trajectories with it
    and without it (every agent through the general code) are the same to the last bit, on a straight road
    and through a curve, with lane changes throughout; and the pass did take most steps."""
    from importlib import import_module
    from scenariosim.sim.engine import scratch
    from scenariosim.sim.lanekeep import OK
    from scenariosim.spec import HighwaySpec
    run = import_module("scenariosim.sim.step")._simulate
    curve = {} if curve_radius is None else dict(curve_radius=curve_radius, curve_angle=1.2, curve_at=600.0)
    road = HighwaySpec(name="main", length=3000.0, lanes=3, **curve)
    fast, slow = _dense_traffic(road), _dense_traffic(road)
    changes, plain = 0, 0
    sc_fast, sc_slow = scratch(fast), scratch(slow, fast_paths=False)
    for _ in range(60):                                  # 60 × 5 steps of 0.1 s: past the curve's start
        run(fast, 0.1, 5, True, sc_fast, 0, 1)
        run(slow, 0.1, 5, True, sc_slow, 0, 1)
        changes += int((fast.drive.lc_duration > 0).sum())
        plain += int((sc_fast.res[OK] > 0).sum())
    assert_same_state(fast, slow)
    assert changes > 0 and plain > 0.5 * 60 * 60
    if curve_radius is not None:
        assert (fast.vehicles.heading.max() - fast.vehicles.heading.min()) > 0.5     # they went round the curve


def test_a_variant_below_the_simd_threshold_skips_the_pass_and_steps_the_same():
    """Fewer than lanekeep.SIMD_MIN_AGENTS agents: the engine leaves the SIMD pass out (LLVM would run its scalar
    copy, slower than the general code), and the plain acceleration path alone gives the very same trajectories
    as every agent through the general code."""
    from importlib import import_module
    from scenariosim.sim.engine import scratch
    from scenariosim.sim.lanekeep import OK, SIMD_MIN_AGENTS
    from scenariosim.spec import HighwaySpec
    run = import_module("scenariosim.sim.step")._simulate
    road = HighwaySpec(name="main", length=1500.0, lanes=3)
    cars = SIMD_MIN_AGENTS - 1
    fast, slow = _dense_traffic(road, cars), _dense_traffic(road, cars)
    sc_fast, sc_slow = scratch(fast), scratch(slow, fast_paths=False)
    for _ in range(20):
        run(fast, 0.1, 5, True, sc_fast, 0, 1)
        run(slow, 0.1, 5, True, sc_slow, 0, 1)
        assert not (sc_fast.res[OK] > 0).any()
    assert_same_state(fast, slow)
    assert sc_fast.plain.sum() > 0                       # the plain acceleration path did run


def test_wrapper_rejects_wrong_dtype():
    world, _ = make_world(make_spec([("ego", "car", 1, 10.0, 5.0)]))
    bad = world._replace(vehicles=world.vehicles._replace(x=world.vehicles.x.astype(np.float32)))
    with pytest.raises(TypeError, match="Vehicles.x"):
        step(bad, 0.1)


@pytest.mark.parametrize("curve_radius", [None, 120.0])
def test_abreast_matches_the_twin_projection_onto_the_neighbour_lane(curve_radius):
    """kernels.abreast (MOBIL's and the lane changers' map from one lane's arc length to its neighbour's)
    interpolates the world's left_s / right_s tables; the twin projects the lane's centre point onto the
    neighbour's polyline. They agree to rounding on a straight road, and through a 120 m curve to within 5 cm, in
    both directions: there, interpolating between facing vertices and projecting onto the neighbour's ~2 m chords
    differ by up to ~3 cm (the curve eases in, so facing chords are not quite parallel)."""
    from scenariosim.spec import HighwaySpec
    curve = {} if curve_radius is None else dict(curve_radius=curve_radius, curve_angle=1.5, curve_at=200.0)
    lanes = _dense_traffic(HighwaySpec(name="main", length=1200.0, lanes=3, **curve)).lanes
    rng = np.random.default_rng(7)
    checked = 0
    for lane in range(len(lanes.start) - 1):
        a, b = lanes.start[lane], lanes.start[lane + 1]
        for side, side_s in ((lanes.left[lane], lanes.left_s), (lanes.right[lane], lanes.right_s)):
            if side < 0:
                continue
            c, e = lanes.start[side], lanes.start[side + 1]
            for s in rng.uniform(1.0, lanes.cum_s[b - 1] - 1.0, 50):
                k = kernels.locate(lanes.cum_s, lanes.start, lane, a, s)
                x, y = naive.lane_point(lanes.points[a:b], lanes.cum_s[a:b], s)
                want = naive.project_on_lane(lanes.points[c:e], lanes.cum_s[c:e], x, y)
                tol = 1e-9 if curve_radius is None else 0.05
                assert kernels.abreast(side_s, lanes.cum_s, k, s) == pytest.approx(want, abs=tol), (lane, side, s)
                checked += 1
    assert checked == 4 * 50                               # 3 lanes: two with a left neighbour, two with a right


@pytest.mark.parametrize("n", [0, 1, 5, 40, 300])
def test_sort_by_lane_matches_twin_from_any_order(n):
    for _ in range(10):
        lane = RNG.integers(-1, 4, n).astype(np.int64)
        s = np.round(RNG.uniform(0, 100, n), 0)
        order = RNG.permutation(n).astype(np.int64)
        kernels.sort_by_lane(order, lane, s, 0, n, np.empty(n, dtype=np.int64), np.empty(n))
        np.testing.assert_array_equal(order, naive.sort_by_lane(lane, s))
        begin = np.empty(6, dtype=np.int64)
        kernels.lane_blocks(order, lane, 0, n, 5, begin)
        for L in range(5):
            assert set(order[begin[L]:begin[L + 1]]) == set(np.flatnonzero(lane == L))


def test_dynamic_bicycle_matches_fine_integration():
    args = (2.0, -1.0, 0.3, 20.0, 0.1, 0.05, -1.0, 0.04, 2.7, 1500.0, 2500.0, 8.0e4, 9.2e4, 0.9)
    got = kernels.dynamic_bicycle_advance(*args[:4], args[4], args[5], args[6], args[7], args[8], args[9],
                                          args[10], args[11], args[13], 0.1)
    want = naive.dynamic_bicycle(*args, 0.1)
    np.testing.assert_allclose(got, want, rtol=0, atol=1.5e-3)    # first-order steps of 2 ms vs 25 µs


@pytest.mark.parametrize("v", [10.0, 20.0, 30.0])
def test_dynamic_bicycle_steady_state_yaw_rate_has_the_understeer_closed_form(v):
    """r = v·δ / (L + K·v²), K = m·(l_r/C_f − l_f/C_r)/L (linear range, small steer)."""
    L, m, Iz, cf, delta = 2.7, 1500.0, 2500.0, 8.0e4, 0.01
    cr = kernels.REAR_STIFFNESS * cf
    x = y = h = vy = r = 0.0
    for _ in range(3000):                                 # 30 s: settled
        x, y, h, vx, vy, r = kernels.dynamic_bicycle_advance(x, y, h, v, vy, r, 0.0, delta, L, m, Iz, cf, 1.0, 0.01)
    K = m * (L / 2 / cf - L / 2 / cr) / L
    assert K > 0                                          # a mildly understeering car
    assert r == pytest.approx(v * delta / (L + K * v * v), rel=2e-3)


def test_lane_change_profiles_start_and_end_where_they_should():
    for profile in (0, 1, 2):
        assert kernels.lane_change_offset(3.5, 0.0, profile)[0] == pytest.approx(3.5)
        assert kernels.lane_change_offset(3.5, 1.0, profile)[0] == pytest.approx(0.0, abs=1e-12)
        us = np.linspace(0, 1, 101)
        d = [kernels.lane_change_offset(3.5, u, profile)[0] for u in us]
        assert np.all(np.diff(d) <= 1e-12)                # monotone towards the target
        assert kernels.lane_change_offset(3.5, 0.5, profile)[0] == pytest.approx(1.75)
    for profile in (0, 1):                                # smooth ends: no lateral speed at start and finish
        assert kernels.lane_change_offset(3.5, 0.0, profile)[1] == pytest.approx(0.0, abs=1e-12)
        assert kernels.lane_change_offset(3.5, 1.0, profile)[1] == pytest.approx(0.0, abs=1e-12)


def test_sinusoidal_lane_change_is_the_closed_form_to_rounding():
    """The sinusoidal profile is computed by a polynomial, not math.cos and math.sin: offset d0·(1 + cos πu)/2
    and rate −d0·(π/2)·sin πu agree with the closed form to a few units in the last place, over the whole change,
    and the offset is exact at its start, middle and end."""
    us = np.concatenate([np.linspace(0.0, 1.0, 4001), np.random.default_rng(0).uniform(0.0, 1.0, 4000)])
    got = np.array([kernels.lane_change_offset(3.5, u, 0) for u in us])
    np.testing.assert_allclose(got[:, 0], 3.5 * 0.5 * (1.0 + np.cos(np.pi * us)), rtol=0, atol=4e-15)
    np.testing.assert_allclose(got[:, 1], -3.5 * 0.5 * np.pi * np.sin(np.pi * us), rtol=0, atol=4e-15)
    assert kernels.lane_change_offset(3.5, 0.0, 0) == (3.5, 0.0)
    assert kernels.lane_change_offset(3.5, 1.0, 0) == (0.0, 0.0)
    assert kernels.lane_change_offset(3.5, 0.5, 0)[0] == 1.75


def test_atan_eighth_is_atan_to_rounding():
    """A lane changer's heading offset comes from a series for |z| ≤ 1/8 (math.atan beyond): within 2 units in the
    last place of math.atan over ±0.2, odd, and exact at 0."""
    import math
    zs = np.concatenate([np.linspace(-0.2, 0.2, 4001), np.random.default_rng(1).uniform(-0.125, 0.125, 4000)])
    for z in zs:
        want = math.atan(z)
        assert abs(kernels.atan_eighth(z) - want) <= 2 * np.spacing(abs(want)), z
        assert kernels.atan_eighth(-z) == -kernels.atan_eighth(z)
    assert kernels.atan_eighth(0.0) == 0.0


def test_the_kernel_cache_follows_every_kernel_source(tmp_path, monkeypatch):
    """Numba checks a cached kernel against its own file only, but a kernel holds the code of the kernels it
    calls: the cache folder is named after a hash of all of them, so an edit to any starts a fresh cache."""
    import pathlib

    from scenariosim.sim import config
    root = pathlib.Path(config.__file__).resolve().parents[1]
    with_kernels = {p for p in root.rglob("*.py") if "@njit" in p.read_text()}
    assert with_kernels and with_kernels <= set(config.KERNEL_SOURCES)
    copies = []
    for k, src in enumerate(config.KERNEL_SOURCES[:3]):
        copies.append(tmp_path / f"{k}_{src.name}")
        copies[-1].write_bytes(src.read_bytes())
    monkeypatch.setattr(config, "KERNEL_SOURCES", tuple(copies))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    before = config.kernel_cache_dir()
    assert before.parent == tmp_path / "cache" / "scenariosim" / "numba" and config.kernel_cache_dir() == before
    copies[1].write_text(copies[1].read_text() + "\n# an edit\n")
    assert config.kernel_cache_dir() != before


def test_stale_kernel_caches_are_removed_and_recent_ones_kept(tmp_path):
    """Every edit of a kernel source leaves a cache folder behind: prune_kernel_caches marks the current one as
    used and removes the others once unused for STALE_CACHE_DAYS, or beyond the KEEP_CACHES most recently
    used when unused for a day; it leaves alone what is not a cache folder."""
    import os

    from scenariosim.sim import config
    now, day = 2_000_000_000.0, 86400.0

    def prune(root, ages):
        for name, idle in ages.items():
            (root / name).mkdir(parents=True)
            (root / name / "kernel.nbi").write_bytes(b"x")
            os.utime(root / name, (now - idle, now - idle))
        current = root / "0123456789abcdef"
        removed = config.prune_kernel_caches(current, now)
        assert current.is_dir() and current.stat().st_mtime == now
        assert config.prune_kernel_caches(current, now) == []          # nothing more to do
        return {p.name for p in root.iterdir()} - {current.name}, {p.name for p in removed}

    few = {"aaaaaaaaaaaaaaaa": (config.STALE_CACHE_DAYS + 1) * day,     # by age alone
           "bbbbbbbbbbbbbbbb": (config.STALE_CACHE_DAYS - 1) * day, "notes": 400 * day}
    assert prune(tmp_path / "few", few) == ({"bbbbbbbbbbbbbbbb", "notes"}, {"aaaaaaaaaaaaaaaa"})

    many = {f"{k:016x}": 1.0 + k * day for k in range(1, 12)}           # a day … 11 days idle
    assert prune(tmp_path / "many", many) == (set(sorted(many, key=many.get)[:config.KEEP_CACHES - 1]),
                                              set(sorted(many, key=many.get)[config.KEEP_CACHES - 1:]))
    busy = {f"c{k:015x}": k * 3600.0 for k in range(config.KEEP_CACHES + 2)}     # all used within the day
    assert prune(tmp_path / "busy", busy | {"dddddddddddddddd": 1.5 * day}) == (set(busy), {"dddddddddddddddd"})


def test_series_arc_and_small_arctangent_match_the_trigonometric_forms():
    """kernels.arc_series (the lane keepers' arc without sine or cosine) equals the exact arc, and small_atan
    equals atan, to rounding, over the ranges the engine uses them in. (The reference arc takes sin θ / θ and
    (1 − cos θ)/θ = 2 sin²(θ/2)/θ from the library, free of the cancellation arc_advance has at small θ.)"""
    for h, ds, dth in zip(RNG.uniform(-math.pi, math.pi, 200), RNG.uniform(0.0, 5.0, 200),
                          RNG.uniform(-1e-2, 1e-2, 200)):
        x, y, c1, s1 = kernels.arc_series(3.0, -2.0, math.cos(h), math.sin(h), ds, dth)
        sinc, cosc = math.sin(dth) / dth, 2.0 * math.sin(0.5 * dth) ** 2 / dth
        ex = 3.0 + ds * (math.cos(h) * sinc - math.sin(h) * cosc)
        ey = -2.0 + ds * (math.sin(h) * sinc + math.cos(h) * cosc)
        assert (x, y) == pytest.approx((ex, ey), abs=1e-13)
        assert (c1, s1) == pytest.approx((math.cos(h + dth), math.sin(h + dth)), abs=1e-15)
    for w in RNG.uniform(-1e-4, 1e-4, 200):
        assert kernels.small_atan(w) == pytest.approx(math.atan(w), rel=1e-15, abs=0.0)
    for w in np.concatenate([RNG.uniform(-1e-4, 1e-4, 100), RNG.uniform(-2.0, 2.0, 100), [1e-4, -1e-4]]):
        assert kernels.steer_atan(w) == pytest.approx(math.atan(w), rel=1e-15, abs=0.0)


def test_small_angle_cosine_and_sine_match_the_library_and_refuse_larger_angles():
    """kernels.cos_sin_small (relative headings in the criteria) equals math.cos and math.sin within one unit
    in the last place below 0.01 rad, and gives nan, not a poor value, from 0.01 rad on."""
    for a in np.concatenate([RNG.uniform(-1e-2, 1e-2, 300), [0.0, -0.0, 9.999e-3, -9.999e-3, 1e-300]]):
        c, s = kernels.cos_sin_small(a)
        assert abs(c - math.cos(a)) <= np.spacing(1.0) and abs(s - math.sin(a)) <= np.spacing(abs(math.sin(a)))
    for a in (1e-2, -1e-2, 0.5, -3.0, math.inf, math.nan):
        assert all(math.isnan(v) for v in kernels.cos_sin_small(a))


def test_borrowing_kernels_return_scalars_only():
    """config.BORROWING kernels count no references: an array they returned (a view, or one in a tuple) would
    be released by a counting caller that never held it. Numba compiles that, so every BORROWING kernel is
    compiled here, called as the engine calls it, and its return types are checked to be scalars."""
    import importlib
    import pkgutil

    from numba import njit, types
    from numba import typeof as numba_typeof
    from numba.core.registry import CPUDispatcher

    import scenariosim.sim as sim_package
    from scenariosim.sim.behaviours import (MAX_STACK, begin_lane_change, condition_holds, lane_number_of,
                                            start_programs, start_step)
    from scenariosim.sim.criteria import init_criteria, update_criteria
    from scenariosim.sim.engine import (_must_yield, follow_accel, lane_length, move_on_path, move_through,
                                        next_lane, record, run_variant, scratch, stop_line_accel, walkers_accel)
    from scenariosim.sim.walkers import walk_into

    @njit
    def probe(w, stack, sc):
        v, dr, bh, p = w.vehicles, w.drive, w.behaviour, w.program
        none = np.empty((0, 0))
        run_variant(w, 0, 0, 2, 0.1, 1, sc, True, 0, np.empty(0), none, none, none, none)
        record(w, 0, 0, 0.0, 0, -1, 0.0)
        next_lane(w, 0, 0, 0.0)
        move_on_path(w, 0, 0.0, 0.1)
        a = stop_line_accel(w, 0, 0, -1, sc.states, 0, 2) + walkers_accel(w, 0, sc.walkers, 0) + \
            follow_accel(w, 0, 1) + move_through(w, 0, 1.0)[0] + lane_length(w.lanes, 0) + \
            _must_yield(w, 0, 0, -1, 0, 2)
        walk_into(sc.walk_idx[:1], v.x, v.y, v.heading, v.speed, v.v0, dr.path, dr.path_s, dr.done, dr.phase,
                  dr.stride, w.paths.points, w.paths.cum_s, w.paths.start, v.length, v.width, sc.active, 0.1,
                  sc.walks, sc.walk_new, sc.walk_done)
        start_programs(w, 0, 2, 0.0)
        start_step(w, 0, 0, 0.0, 0)
        begin_lane_change(w, 0, 1, 3.0, 0)
        # inlined wherever it is called (config.STEP): compiled here, it reaches its BORROWING helper _fold_marked
        # through that kernel's dispatcher, which a run_variant loaded from the cache never does
        update_criteria(init_criteria(), 0.0, 0, v.x, v.y, v.heading, v.speed, v.length, v.width, sc.active,
                        sc.need)
        return condition_holds(v.x, v.y, v.heading, v.speed, v.accel, v.s, v.lane, v.length, dr.d, dr.odometer,
                               bh.t0, bh.odo0, p.cond_first, p.code, p.cval, p.ca, p.cb, 0, 0, 0.0, 0, stack), \
            lane_number_of(w.lanes, 0, 2), a

    world, _ = make_world(make_spec([("a", "car", 1, 100.0, 20.0), ("b", "car", 2, 130.0, 20.0)]))
    probe.compile((numba_typeof(world), numba_typeof(np.empty(MAX_STACK)), numba_typeof(scratch(world))))
    # condition_holds is inlined wherever it is called (config.INLINED_BORROWING), so the probe compiles no
    # call of it: compile it alone, as the engine calls it
    v, dr, bh, p = world.vehicles, world.drive, world.behaviour, world.program
    args = (v.x, v.y, v.heading, v.speed, v.accel, v.s, v.lane, v.length, dr.d, dr.odometer, bh.t0, bh.odo0,
            p.cond_first, p.code, p.cval, p.ca, p.cb, 0, 0, 0.0, 0, np.empty(MAX_STACK))
    condition_holds.compile(tuple(numba_typeof(a) for a in args))
    borrowing = {}
    for module in pkgutil.iter_modules(sim_package.__path__):
        for name, obj in vars(importlib.import_module(f"scenariosim.sim.{module.name}")).items():
            if isinstance(obj, CPUDispatcher) and obj.targetoptions.get("_nrt") is False:
                borrowing[name] = obj
    assert {"condition_holds", "start_step", "start_programs", "begin_lane_change", "lane_number_of",
            "run_variant", "record", "next_lane", "move_on_path", "stop_line_accel", "walkers_accel", "follow_accel",
            "move_through", "lane_length", "_must_yield", "walk_into", "_fold_marked"} <= set(borrowing)

    def scalar(t):                                     # a number, bool or None, or a tuple of them
        if isinstance(t, types.BaseTuple):
            return all(scalar(e) for e in t)
        return isinstance(t, (types.Number, types.Boolean, types.NoneType))

    for name, kernel in borrowing.items():
        returns = [sig.return_type for sig in kernel.nopython_signatures]
        assert returns, f"{name} is BORROWING but the probe above never compiles it: call it there"
        assert all(scalar(r) for r in returns), f"{name} returns {returns}"
