"""Box collisions and safety criteria: kernels against their shapely twins, edge cases and closed forms."""
from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit

import naive_criteria as naive
from scenariosim.sim import collisions, criteria
from scenariosim.sim.config import JIT

SQRT2 = math.sqrt(2.0)


def random_boxes(rng, n, spread):
    """n boxes (x, y, h, l, w) from pedestrians to trucks, centres uniform in a square of side 2·spread [m]."""
    return (rng.uniform(-spread, spread, n), rng.uniform(-spread, spread, n), rng.uniform(-math.pi, math.pi, n),
            rng.uniform(0.4, 12.0, n), rng.uniform(0.4, 3.0, n))


def rotate_scene(x, y, h, angle, dx, dy):
    """The same scene turned by angle [rad] about the origin and moved by (dx, dy) [m]."""
    c, s = math.cos(angle), math.sin(angle)
    return c * x - s * y + dx, s * x + c * y + dy, h + angle


# ---------------------------------------------------------------- boxes

def test_box_corners_match_twin_and_name_the_front_right_corner_first():
    rng = np.random.default_rng(1)
    np.testing.assert_array_equal(collisions.box_corners(1.0, 2.0, 0.0, 4.0, 2.0),
                                  [[3.0, 1.0], [3.0, 3.0], [-1.0, 3.0], [-1.0, 1.0]])
    for args in zip(*random_boxes(rng, 50, 100.0)):
        np.testing.assert_allclose(collisions.box_corners(*args), naive.box_corners(*args), rtol=0, atol=1e-12)


def test_overlap_and_distance_match_twin_on_random_pairs():
    rng = np.random.default_rng(2)
    a = random_boxes(rng, 1000, 6.0)
    b = random_boxes(rng, 1000, 6.0)
    for one, two in zip(zip(*a), zip(*b)):
        assert collisions.boxes_overlap(*one, *two) == naive.boxes_overlap(*one, *two), (one, two)
        assert collisions.box_distance(*one, *two) == pytest.approx(naive.box_distance(*one, *two), abs=1e-9)


# (name, box one, box two, overlap, distance [m])
EDGE_CASES = [
    ("side by side, touching", (0, 0, 0, 4, 2), (0, 2, 0, 4, 2), False, 0.0),
    ("nose to tail, touching", (0, 0, 0, 4, 2), (4, 0, 0, 4, 2), False, 0.0),
    ("corner to corner", (0, 0, 0, 4, 2), (4, 2, 0, 4, 2), False, 0.0),
    ("nose to tail, 1 nm apart", (0, 0, 0, 4, 2), (4 + 1e-9, 0, 0, 4, 2), False, 1e-9),
    ("nose to tail, 1 nm into each other", (0, 0, 0, 4, 2), (4 - 1e-9, 0, 0, 4, 2), True, 0.0),
    ("reversed, touching", (0, 0, 0, 4, 2), (4, 0, math.pi, 4, 2), False, 0.0),
    ("identical", (3, -1, 0.7, 4.5, 1.8), (3, -1, 0.7, 4.5, 1.8), True, 0.0),
    ("a plus sign: no corner inside the other", (0, 0, 0, 6, 1), (0, 0, math.pi / 2, 6, 1), True, 0.0),
    ("rotated 90°, touching", (0, 0, 0, 4, 2), (2.5, 0, math.pi / 2, 2, 1), False, 0.0),
    ("rotated 90°, 0.5 m apart", (0, 0, 0, 4, 2), (3.0, 0, math.pi / 2, 2, 1), False, 0.5),
    ("rotated 90°, in front of the nose", (0, 0, 0, 4, 2), (2.4, 0, math.pi / 2, 2, 1), True, 0.0),
    ("one inside the other", (0, 0, 0.3, 10, 4), (0.5, 0.2, 1.0, 1, 0.5), True, 0.0),
    ("diamond corner 1 m from a square's side", (0, 0, 0, 2, 2), (3, 0, math.pi / 4, SQRT2, SQRT2), False, 1.0),
    ("far apart", (0, 0, 0, 4, 2), (103, 54, 0, 4, 2), False, math.hypot(99, 52)),
    ("bounding circles cross, boxes do not", (0, 0, 0, 10, 1), (0, 3, 0, 10, 1), False, 2.0),
]


@pytest.mark.parametrize("one,two,overlap,distance", [c[1:] for c in EDGE_CASES], ids=[c[0] for c in EDGE_CASES])
def test_overlap_and_distance_edge_cases(one, two, overlap, distance):
    one, two = tuple(map(float, one)), tuple(map(float, two))
    for a, b in ((one, two), (two, one)):
        assert collisions.boxes_overlap(*a, *b) is overlap
        assert naive.boxes_overlap(*a, *b) is overlap
        assert collisions.box_distance(*a, *b) == pytest.approx(distance, rel=1e-9, abs=1e-12)
        assert naive.box_distance(*a, *b) == pytest.approx(distance, rel=1e-9, abs=1e-12)


def test_a_nan_box_overlaps_nothing():
    assert not collisions.boxes_overlap(math.nan, 0.0, 0.0, 4.0, 2.0, 0.0, 0.0, 0.0, 4.0, 2.0)
    assert not collisions.boxes_overlap(0.0, 0.0, math.nan, 4.0, 2.0, 0.0, 0.0, 0.0, 4.0, 2.0)


# ---------------------------------------------------------------- contacts

@njit(**JIT)
def all_pairs(x, y, h, l, w, active):
    """The O(N²) loop find_contacts must reproduce exactly: (N, N) bool, [i, j] set for i < j."""
    n = x.shape[0]
    hit = np.zeros((n, n), dtype=np.bool_)
    for i in range(n):
        for j in range(i + 1, n):
            if active[i] and active[j]:
                hit[i, j] = collisions.boxes_overlap(x[i], y[i], h[i], l[i], w[i], x[j], y[j], h[j], l[j], w[j])
    return hit


def contacts(x, y, h, l, w, active, k=None):
    out = np.full((len(x) * 4 if k is None else k, 2), -7, dtype=np.int64)
    count = collisions.find_contacts(x, y, h, l, w, active, out)
    return count, out


def test_find_contacts_equals_the_all_pairs_loop_on_2000_boxes():
    rng = np.random.default_rng(3)
    x, y, h, l, w = random_boxes(rng, 2000, 200.0)
    active = rng.random(2000) < 0.8
    count, out = contacts(x, y, h, l, w, active)
    want = np.argwhere(all_pairs(x, y, h, l, w, active))      # row-major: in (i, j) order
    assert 100 < count == len(want)
    np.testing.assert_array_equal(out[:count], want)
    assert (out[count:] == -7).all()
    assert [tuple(p) for p in out[:count]] == naive.find_contacts(x, y, h, l, w, active)


def test_sweep_contacts_equals_the_all_pairs_loop_step_after_step():
    """The sweep (agents lo … hi − 1 of a batch, its order kept between calls) gives exactly the pairs of the
    all-pairs loop, numbered within the variant and in (i, j) order, as the boxes move."""
    rng = np.random.default_rng(6)
    n, lo = 60, 37
    x, y, h, l, w = random_boxes(rng, lo + n + 5, 40.0)
    radius, order = 0.5 * np.hypot(l[lo:lo + n], w[lo:lo + n]), np.arange(n, dtype=np.int64)
    key, axis = np.empty(n), np.zeros(1, dtype=np.int64)
    seen = 0
    for step in range(30):
        out = np.full((256, 2), -7, dtype=np.int64)
        count = collisions.sweep_contacts(x, y, h, l, w, lo, lo + n, radius, order, key, axis, step == 0, out)
        sl = slice(lo, lo + n)
        want = np.argwhere(all_pairs(x[sl], y[sl], h[sl], l[sl], w[sl], np.ones(n, dtype=bool)))
        assert count == len(want)
        np.testing.assert_array_equal(out[:count], want)
        assert sorted(order) == list(range(n))
        coord = y if axis[0] == 1 else x
        np.testing.assert_array_equal(key, coord[lo + order] - radius[order])     # the keys, sorted with it
        assert (np.diff(key) >= 0).all()
        seen += count
        x += rng.normal(0.0, 3.0, len(x))                   # they move, and overtake each other
        h += rng.normal(0.0, 0.2, len(h))
    assert seen > 100


def test_sweep_contacts_follows_a_crowd_along_either_axis():
    """300 boxes along an east-west road, then the scene turned to run north-south (and back): the sweep takes
    the road's axis (heap-sorting its order when it switches) and its pairs stay the all-pairs loop's."""
    rng = np.random.default_rng(9)
    n = 300
    x, y = rng.uniform(0.0, 1500.0, n), rng.uniform(-5.0, 5.0, n)
    h, l, w = rng.normal(0.0, 0.1, n), rng.uniform(3.5, 12.0, n), rng.uniform(1.6, 2.6, n)
    radius, order = 0.5 * np.hypot(l, w), rng.permutation(n).astype(np.int64)
    key, axis = np.empty(n), np.full(1, 7, dtype=np.int64)
    axes = []
    for step, turned in enumerate([False] * 3 + [True] * 3 + [False] * 2):
        sx, sy, sh = rotate_scene(x, y, h, math.pi / 2 if turned else 0.0, 0.0, 0.0)
        out = np.empty((256, 2), dtype=np.int64)
        count = collisions.sweep_contacts(sx, sy, sh, l, w, 0, n, radius, order, key, axis, step == 0, out)
        want = np.argwhere(all_pairs(sx, sy, sh, l, w, np.ones(n, dtype=bool)))
        assert 0 < count == len(want)
        np.testing.assert_array_equal(out[:count], want)
        assert sorted(order) == list(range(n)) and (np.diff(key) >= 0).all()
        axes.append(int(axis[0]))
        x += rng.normal(0.0, 1.0, n)
    assert axes == [0, 0, 0, 1, 1, 1, 0, 0]


def test_heapsort_keys_sorts_keys_and_order_together():
    rng = np.random.default_rng(10)
    for n in (0, 1, 2, 7, 64, 501):
        key = np.round(rng.uniform(-50, 50, n), 1)          # with ties
        order = np.arange(n, dtype=np.int64)
        orig = key.copy()
        collisions.heapsort_keys(key, order, n)
        np.testing.assert_array_equal(key, np.sort(orig))
        np.testing.assert_array_equal(orig[order], key)
        assert sorted(order) == list(range(n))


@pytest.mark.parametrize("axis", ["x", "y"])
def test_find_contacts_along_one_road(axis):
    """A dense queue along x, then along y (where the sweep turns to y): still exactly all pairs."""
    rng = np.random.default_rng(4)
    n = 1500
    along = np.sort(rng.uniform(0, 4000, n))
    across = rng.uniform(-5, 5, n)
    x, y = (along, across) if axis == "x" else (across, along)
    h = rng.uniform(-0.3, 0.3, n) + (0 if axis == "x" else math.pi / 2)
    l, w, active = rng.uniform(3, 12, n), rng.uniform(1.6, 2.6, n), np.ones(n, dtype=bool)
    count, out = contacts(x, y, h, l, w, active)
    want = np.argwhere(all_pairs(x, y, h, l, w, active))
    assert count == len(want) > 50
    np.testing.assert_array_equal(out[:count], want)


def test_find_contacts_truncates_in_order_and_keeps_counting():
    rng = np.random.default_rng(5)
    x, y, h, l, w = random_boxes(rng, 400, 40.0)
    active = np.ones(400, dtype=bool)
    count, full = contacts(x, y, h, l, w, active)
    assert count > 20
    for k in (0, 1, 7, count - 1):
        got, out = contacts(x, y, h, l, w, active, k)
        assert got == count
        np.testing.assert_array_equal(out, full[:k])


def test_find_contacts_identical_boxes_give_every_pair_and_inactive_ones_none():
    n = 5
    x, y, h = np.full(n, 2.0), np.full(n, -1.0), np.full(n, 0.4)
    l, w = np.full(n, 4.0), np.full(n, 2.0)
    count, out = contacts(x, y, h, l, w, np.ones(n, dtype=bool))
    np.testing.assert_array_equal(out[:count], [(i, j) for i in range(n) for j in range(i + 1, n)])
    active = np.array([True, False, True, False, True])
    x[1] = y[3] = math.nan               # a parked-off agent may hold NaN
    count, out = contacts(x, y, h, l, w, active)
    np.testing.assert_array_equal(out[:count], [(0, 2), (0, 4), (2, 4)])
    assert contacts(x, y, h, l, w, np.zeros(n, dtype=bool))[0] == 0
    empty = np.empty(0)
    assert contacts(empty, empty, empty, empty, empty, np.empty(0, dtype=bool), 3)[0] == 0


def test_argsort_stable_matches_numpy_with_ties():
    rng = np.random.default_rng(6)
    v = rng.integers(0, 6, 1000).astype(np.float64)
    np.testing.assert_array_equal(collisions.argsort_stable(v), np.argsort(v, kind="stable"))
    for n in (0, 1, 2, 3):
        np.testing.assert_array_equal(collisions.argsort_stable(v[:n]), np.argsort(v[:n], kind="stable"))
    ordered = np.sort(v)                                  # in order already (with ties), and one swap from it
    np.testing.assert_array_equal(collisions.argsort_stable(ordered), np.arange(len(v)))
    for k in (0, 500, 998):
        nearly = ordered.copy()
        nearly[k], nearly[-1] = nearly[-1], nearly[k]
        np.testing.assert_array_equal(collisions.argsort_stable(nearly), np.argsort(nearly, kind="stable"))


# ---------------------------------------------------------------- criteria, step by step

def test_criteria_names_and_initial_values():
    names = {name: getattr(criteria, name.upper()) for name in criteria.CRITERIA}
    assert sorted(names.values()) == list(range(len(criteria.CRITERIA)))
    assert all(criteria.CRITERIA[i] == name for name, i in names.items())
    np.testing.assert_array_equal(criteria.init_criteria(), [0, math.inf, math.inf, math.inf, math.inf, 0, math.inf])


def scene(xs, ys, hs, vs, ls, ws, active=None):
    arr = [np.asarray(a, dtype=np.float64) for a in (xs, ys, hs, vs, ls, ws)]
    return (*arr, np.ones(len(xs), dtype=bool) if active is None else np.asarray(active, dtype=bool))


def run(*states, ego=0, dt=0.1):
    """Fold states (x, y, h, v, l, w, active) into one criteria array, at t = 0, dt, 2dt …"""
    crit = criteria.init_criteria()
    for k, (x, y, h, v, l, w, active) in enumerate(states):
        criteria.update_criteria(crit, k * dt, ego, x, y, h, v, l, w, active, np.empty(len(x), dtype=bool))
    return crit


def following(gap, v_ego=20.0, v_lead=10.0, h_lead=0.0, angle=0.0, shift=(0.0, 0.0)):
    """Ego (4.5 m × 1.8 m) at the origin heading +x; a 5 m × 2 m lead with its rear bumper `gap` ahead;
    the whole scene turned by `angle` and moved by `shift`."""
    x, y, h = np.array([0.0, 2.25 + gap + 2.5]), np.array([0.0, 0.0]), np.array([0.0, h_lead])
    x, y, h = rotate_scene(x, y, h, angle, *shift)
    return scene(x, y, h, [v_ego, v_lead], [4.5, 5.0], [1.8, 2.0])


@pytest.mark.parametrize("gap", [2.0, 12.5, 40.0])
@pytest.mark.parametrize("angle,shift", [(0.0, (0.0, 0.0)), (2.3, (-310.0, 75.5)), (-math.pi / 2, (5.0, 1e4))])
def test_car_following_closed_forms(gap, angle, shift):
    crit = run(following(gap, angle=angle, shift=shift))
    assert crit[criteria.MIN_TTC] == pytest.approx(gap / 10, rel=1e-9)
    assert crit[criteria.MIN_THW] == pytest.approx(gap / 20, rel=1e-9)
    assert crit[criteria.MAX_DRAC] == pytest.approx(100 / (2 * gap), rel=1e-9)
    assert crit[criteria.MIN_DISTANCE] == pytest.approx(gap, rel=1e-9)
    assert crit[criteria.COLLISION] == 0 and crit[criteria.COLLISION_TIME] == math.inf
    assert crit[criteria.MIN_PET] == math.inf


def test_closing_speed_uses_the_lead_speed_along_the_ego_heading():
    oncoming = run(following(30.0, v_ego=20.0, v_lead=10.0, h_lead=math.pi))
    assert oncoming[criteria.MIN_TTC] == pytest.approx(30.0 / 30.0)
    assert oncoming[criteria.MAX_DRAC] == pytest.approx(30.0 ** 2 / 60.0)
    faster = run(following(30.0, v_ego=20.0, v_lead=25.0))
    assert faster[criteria.MIN_TTC] == math.inf and faster[criteria.MAX_DRAC] == 0.0
    assert faster[criteria.MIN_THW] == pytest.approx(1.5)
    standing = run(following(30.0, v_ego=0.0, v_lead=0.0), following(0.0, v_ego=0.0, v_lead=0.0))
    assert standing[criteria.MIN_TTC] == math.inf and standing[criteria.MIN_THW] == math.inf
    # a 10 m truck crossing at right angles 20 m ahead: the gap is to its near side; it does not close on us
    x, y, h, v, l, w, active = scene([0.0, 2.25 + 20.0 + 1.25], [0.0, 3.0], [0.0, math.pi / 2], [15.0, 8.0],
                                     [4.5, 10.0], [1.8, 2.5])
    crossing = run((x, y, h, v, l, w, active))
    assert crossing[criteria.MIN_TTC] == pytest.approx(20.0 / 15.0, rel=1e-9)
    assert crossing[criteria.MIN_THW] == pytest.approx(20.0 / 15.0, rel=1e-9)


def test_in_path_means_ahead_and_overlapping_the_ego_width():
    def ttc(dx, dy):
        return run(scene([0.0, dx], [0.0, dy], [0.0, 0.0], [20.0, 10.0], [4.5, 4.5], [2.0, 1.5]))[criteria.MIN_TTC]

    assert ttc(30.0, 1.75) == math.inf                      # lateral overlap exactly 0: the next lane
    assert ttc(30.0, -1.75) == math.inf
    assert ttc(30.0, 1.749) == pytest.approx(25.5 / 10)    # a millimetre into the corridor
    assert ttc(30.0, -1.749) == pytest.approx(25.5 / 10)
    assert ttc(-30.0, 0.0) == math.inf                      # behind
    # a diamond whose nearest corner lies outside the corridor: the gap ends where its edge enters it
    crit = run(scene([0.0, 10.0], [0.0, 1.5], [0.0, math.pi / 4], [10.0, 0.0], [4.0, 2.0], [2.0, 2.0]))
    assert crit[criteria.MIN_THW] == pytest.approx((10.0 - SQRT2 + 0.5 - 2.0) / 10.0, rel=1e-12)


def test_criteria_keep_extremes_over_time_and_the_first_collision():
    gaps = [20.0, 8.0, 30.0]
    crit = run(*(following(g) for g in gaps))
    assert crit[criteria.MIN_TTC] == pytest.approx(0.8)
    assert crit[criteria.MAX_DRAC] == pytest.approx(100 / 16)
    assert crit[criteria.MIN_DISTANCE] == pytest.approx(8.0)
    # nose into the lead at t = 0.2, still inside at 0.3, apart again at 0.4
    crit = run(*(following(g) for g in [3.0, 1.0, -0.5, -1.0, 2.0]))
    assert crit[criteria.COLLISION] == 1.0
    assert crit[criteria.COLLISION_TIME] == pytest.approx(0.2)
    assert crit[criteria.MIN_DISTANCE] == 0.0
    assert crit[criteria.MIN_TTC] == 0.0                    # gap floored at 0 while overlapping
    assert crit[criteria.MAX_DRAC] == pytest.approx(100 / 2.0)   # only g > 0 counts


def test_inactive_agents_and_an_inactive_ego_are_ignored():
    x, y, h, v, l, w, active = following(10.0)
    x, y = np.append(x, [0.5, math.nan]), np.append(y, [0.0, math.nan])
    h, v = np.append(h, [0.0, math.nan]), np.append(v, [5.0, math.nan])
    l, w = np.append(l, [4.0, math.nan]), np.append(w, [2.0, math.nan])
    crit = run((x, y, h, v, l, w, np.array([True, True, False, False])))
    assert crit[criteria.COLLISION] == 0 and crit[criteria.MIN_DISTANCE] == pytest.approx(10.0)
    assert crit[criteria.MIN_TTC] == pytest.approx(1.0)
    crit = run((x, y, h, v, l, w, np.array([False, True, True, False])))
    np.testing.assert_array_equal(crit, criteria.init_criteria())


def test_path_gap_matches_twin_on_random_pairs():
    rng = np.random.default_rng(7)
    hits = 0
    for _ in range(1500):
        ego = (rng.uniform(-50, 50), rng.uniform(-50, 50), rng.uniform(-math.pi, math.pi),
               rng.uniform(2, 12), rng.uniform(1, 3))
        c, s = math.cos(ego[2]), math.sin(ego[2])
        lon, lat = rng.uniform(-10, 30), rng.uniform(-6, 6)
        other = (ego[0] + lon * c - lat * s, ego[1] + lon * s + lat * c, rng.uniform(-math.pi, math.pi),
                 rng.uniform(0.4, 12), rng.uniform(0.4, 3))
        got, want = criteria.path_gap(*ego, *other), naive.path_gap(*ego, *other)
        if want is None:
            assert math.isnan(got), (ego, other)
        else:
            hits += 1
            assert got == pytest.approx(want, abs=1e-9), (ego, other)
    assert hits > 300


def test_gap_lower_bound_never_exceeds_the_path_gap_and_is_tight_for_parallel_boxes():
    """update_criteria skips the exact gap when this bound already changes no criterion: it must hold for any
    heading and distance (rounding grows with it), and be close for the usual case, a box straight ahead."""
    rng = np.random.default_rng(11)
    hits = 0
    for _ in range(3000):
        he, le, we = rng.uniform(-math.pi, math.pi), rng.uniform(2, 12), rng.uniform(1, 3)
        lon, lat = rng.uniform(0.01, 1.0) * 10.0 ** rng.uniform(0, 3), rng.uniform(-3, 3)
        dh = rng.normal(0, 0.01) if rng.random() < 0.5 else rng.uniform(-math.pi, math.pi)
        lj, wj = rng.uniform(0.4, 12), rng.uniform(0.4, 3)
        xe, ye = rng.uniform(-1e4, 1e4, 2)
        c, s = math.cos(he), math.sin(he)
        gap = criteria.path_gap(xe, ye, he, le, we, xe + lon * c - lat * s, ye + lon * s + lat * c, he + dh, lj, wj)
        if math.isnan(gap):
            continue
        hits += 1
        assert criteria.gap_lower_bound(lon, math.cos(dh), math.sin(dh), lj, wj, le) <= gap, (lon, lat, dh)
    assert hits > 1000
    for lon in (3.0, 40.0, 900.0):                     # parallel, in the corridor: the bound is the gap less its margin
        gap = criteria.path_gap(0.0, 0.0, 0.0, 4.5, 1.8, lon + 5.0, 0.2, 0.0, 4.0, 1.8)
        assert gap - 1e-6 < criteria.gap_lower_bound(lon + 5.0, 1.0, 0.0, 4.0, 1.8, 4.5) <= gap


@pytest.mark.parametrize("n", [8, 20])                  # one pass, and two (criteria.TWO_PASSES_MIN_AGENTS)
@pytest.mark.parametrize("spread", [0.15, 0.004])
def test_update_criteria_matches_twin_on_random_traffic(spread, n):
    """Against the shapely twin, with headings spread by ``spread`` [rad] around the ego's (0.004: nearly
    parallel traffic, whose relative headings the kernel takes by series) and 30 % at random."""
    rng = np.random.default_rng(8)
    for _ in range(30):
        he = rng.uniform(-math.pi, math.pi)
        lon, lat = rng.uniform(-8, 40, n), rng.uniform(-5, 5, n)
        lon[0] = lat[0] = 0.0
        x, y, _ = rotate_scene(lon, lat, np.zeros(n), he, *rng.uniform(-100, 100, 2))
        h = he + np.where(rng.random(n) < 0.7, rng.normal(0, spread, n), rng.uniform(-math.pi, math.pi, n))
        v, l, w = rng.uniform(0, 30, n), rng.uniform(0.5, 12, n), rng.uniform(0.5, 2.8, n)
        active = rng.random(n) < 0.85
        active[0] = True
        got, want = criteria.init_criteria(), naive.init_criteria()
        for step in range(6):
            criteria.update_criteria(got, 0.1 * step, 0, x, y, h, v, l, w, active, np.empty(n, dtype=bool))
            naive.update_criteria(want, 0.1 * step, 0, x, y, h, v, l, w, active)
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
            x, y = x + 0.1 * v * np.cos(h), y + 0.1 * v * np.sin(h)
            v = np.maximum(0.0, v + rng.normal(0, 2, n))


def test_update_criteria_two_passes_equal_one_agent_at_a_time_to_the_bit():
    """With enough agents, update_criteria marks whom to measure by the criteria as they stood before the step,
    then measures them by the criteria as they stand. Folding in each agent alone, the ego and it as a scene
    of two (one pass, each agent judged by the criteria its predecessors left: what one pass over all agents
    does), must give the very same numbers, also when an agent early in the order tightens a criterion that
    would have spared one later (leaders at any index, dense lanes, agents abreast and crossing, standing
    egos)."""
    rng = np.random.default_rng(21)
    measured = 0
    for trial in range(150):
        n = int(rng.integers(criteria.TWO_PASSES_MIN_AGENTS, criteria.TWO_PASSES_MIN_AGENTS + 12))
        he = rng.uniform(-math.pi, math.pi)
        lon, lat = rng.uniform(-20, 120, n), rng.choice([0.0, 3.5, -3.5], n) + rng.normal(0, 0.4, n)
        lon[0] = lat[0] = 0.0
        x, y, _ = rotate_scene(lon, lat, np.zeros(n), he, *rng.uniform(-500, 500, 2))
        h = he + np.where(rng.random(n) < 0.8, rng.normal(0, 0.004, n), rng.uniform(-math.pi, math.pi, n))
        v = rng.uniform(0, 35, n) * (rng.random(n) < 0.9)
        v[0] = 0.0 if trial % 10 == 0 else v[0]
        l, w = rng.uniform(3.5, 12, n), rng.uniform(1.6, 2.6, n)
        active = rng.random(n) < 0.9
        active[0] = True
        both, alone = criteria.init_criteria(), criteria.init_criteria()
        need = np.empty(n, dtype=bool)
        for step in range(8):
            t = 0.1 * step
            criteria.update_criteria(both, t, 0, x, y, h, v, l, w, active, need)
            measured += int(need.sum())
            for j in range(1, n):
                k = np.array([0, j])
                criteria.update_criteria(alone, t, 0, x[k], y[k], h[k], v[k], l[k], w[k], active[k],
                                         np.empty(2, dtype=bool))
            np.testing.assert_array_equal(both, alone)
            x, y = x + 0.1 * v * np.cos(h), y + 0.1 * v * np.sin(h)
            v = np.maximum(0.0, v + rng.normal(0, 3, n))
    assert measured > 500                                # the second pass was reached, not only the first


# ---------------------------------------------------------------- post-encroachment time

def straight_paths(starts, headings, speeds, steps, dt):
    """(T, N) trajectories at constant speed [m/s] and heading [rad] from starts [(x, y)] [m]."""
    t = np.arange(steps)[:, None] * dt
    sx, sy = np.array(starts, dtype=np.float64).T
    h, v = np.array(headings, dtype=np.float64), np.array(speeds, dtype=np.float64)
    return (sx + v * np.cos(h) * t, sy + v * np.sin(h) * t, np.broadcast_to(h, (steps, len(h))).copy(),
            np.broadcast_to(v, (steps, len(v))).copy())


def pet(paths, l, w, ego=0, dt=0.1):
    tx, ty, th, tv = (np.ascontiguousarray(a) for a in paths)      # one compiled layout
    args = (tx, ty, th, tv, np.array(l, dtype=np.float64), np.array(w, dtype=np.float64), ego, dt)
    return criteria.post_encroachment_time(*args), naive.post_encroachment_time(*args)


def test_pet_right_angle_crossing_closed_forms():
    l, w = [4.6, 12.0], [1.9, 2.5]
    # the ego (east at 10 m/s) reaches the crossing at 5.025 s, the truck (north at 5 m/s) at 16.1 s
    paths = straight_paths([(-50.25, 0.0), (0.0, -80.5)], [0.0, math.pi / 2], [10.0, 5.0], 300, 0.1)
    exit_ego = 5.025 + (4.6 / 2 + 2.5 / 2) / 10.0
    enter_truck = 16.1 - (12.0 / 2 + 1.9 / 2) / 5.0
    for got in pet(paths, l, w):
        assert got == pytest.approx(enter_truck - exit_ego, rel=1e-9)
    # the truck first: it reaches the crossing at 2.1 s, the ego at 10.05 s (both mid-step)
    paths = straight_paths([(-100.5, 0.0), (0.0, -10.5)], [0.0, math.pi / 2], [10.0, 5.0], 300, 0.1)
    exit_truck = 2.1 + (12.0 / 2 + 1.9 / 2) / 5.0
    enter_ego = 10.05 - (4.6 / 2 + 2.5 / 2) / 10.0
    for got in pet(paths, l, w):
        assert got == pytest.approx(enter_ego - exit_truck, rel=1e-9)
    # the ego as agent 1 gives the same
    swapped = tuple(a[:, ::-1].copy() for a in paths)
    for got in pet(swapped, l[::-1], w[::-1], ego=1):
        assert got == pytest.approx(enter_ego - exit_truck, rel=1e-9)
    # nearly together: the conflict areas overlap in time, PET is 0
    paths = straight_paths([(-50.25, 0.0), (0.0, -26.0)], [0.0, math.pi / 2], [10.0, 5.0], 300, 0.1)
    assert pet(paths, l, w) == (0.0, 0.0)


def test_pet_nan_samples_break_a_path_and_nothing_else():
    l, w = [4.6, 12.0], [1.9, 2.5]
    paths = straight_paths([(-50.25, 0.0), (0.0, -80.5)], [0.0, math.pi / 2], [10.0, 5.0], 300, 0.1)
    exit_ego = 5.025 + (4.6 / 2 + 2.5 / 2) / 10.0
    enter_truck = 16.1 - (12.0 / 2 + 1.9 / 2) / 5.0

    def kernel(tx, ty):
        args = (np.ascontiguousarray(tx), np.ascontiguousarray(ty), paths[2], paths[3], np.array(l), np.array(w))
        return criteria.post_encroachment_time(*args, 0, 0.1)

    for far in (3, 120, 299):                   # NaN samples of the ego away from the crossing (x = 0 at k = 50)
        tx, ty = paths[0].copy(), paths[1].copy()
        tx[far, 0] = ty[far - 1, 0] = math.nan
        assert kernel(tx, ty) == pytest.approx(enter_truck - exit_ego, rel=1e-9)
    tx, ty = paths[0].copy(), paths[1].copy()
    tx[50, 0] = math.nan                         # both ego segments that hold the crossing point
    assert kernel(tx, ty) == math.inf
    tx, ty = paths[0].copy(), paths[1].copy()
    ty[161, 1] = math.nan                        # the truck's segments through it (y = 0 at k = 161)
    assert kernel(tx, ty) == math.inf


def test_pet_takes_the_least_over_agents_and_is_inf_without_crossings():
    paths = straight_paths([(-50.25, 0.0), (0.0, -80.5), (10.0, -40.5), (-60.0, 3.5), (-40.0, 0.0)],
                           [0.0, math.pi / 2, math.pi / 2, 0.0, 0.0], [10.0, 5.0, 5.0, 10.0, 12.0], 300, 0.1)
    l, w = [4.6, 12.0, 4.0, 4.5, 4.5], [1.9, 2.5, 1.8, 1.8, 1.8]
    # agent 2 crosses at x = 10: the ego is there at 6.025 s, it at 8.1 s (agent 1 gives 9.33 s)
    want = 8.1 - (2.0 + 0.95) / 5.0 - (6.025 + (2.3 + 0.9) / 10.0)
    for got in pet(paths, l, w):
        assert got == pytest.approx(want, rel=1e-9)
    # the next lane (3) and the same lane (4) never cross the ego's path
    keep = [0, 3, 4]
    assert pet(tuple(a[:, keep] for a in paths), [l[k] for k in keep], [w[k] for k in keep]) == (math.inf, math.inf)
    assert pet(tuple(a[:, [0]] for a in paths), l[:1], w[:1]) == (math.inf, math.inf)      # the ego alone
    assert pet(tuple(a[:1].copy() for a in paths), l, w) == (math.inf, math.inf)           # one instant


def test_pet_speed_floor():
    """A crawler at 0.05 m/s counts as 0.1 m/s: it clears the conflict area 29.5 s after reaching it."""
    paths = straight_paths([(-400.25, 0.0), (0.0, -0.05)], [0.0, math.pi / 2], [10.0, 0.05], 500, 0.1)
    exit_crawler = 1.0 + (4.0 / 2 + 1.9 / 2) / 0.1
    enter_ego = 40.025 - (4.6 / 2 + 1.8 / 2) / 10.0
    for got in pet(paths, [4.6, 4.0], [1.9, 1.8]):
        assert got == pytest.approx(enter_ego - exit_crawler, rel=1e-9)


def test_pet_interpolates_time_and_speed_within_a_step():
    """The ego accelerates at 2 m/s² from rest; the crossing lies inside step 50 → 51."""
    dt, steps = 0.1, 200
    t = np.arange(steps) * dt
    tx = np.stack([-25.5025 + t ** 2, np.zeros(steps)], axis=1)
    ty = np.stack([np.zeros(steps), -60.0 + 5.0 * t], axis=1)
    th = np.tile([0.0, math.pi / 2], (steps, 1))
    tv = np.stack([2.0 * t, np.full(steps, 5.0)], axis=1)
    frac = 0.5025 / 1.01                     # x(5.0) = −0.5025 m, x(5.1) = 0.5075 m
    t_ego, v_ego = 5.0 + frac * dt, 10.0 + frac * 0.2
    want = (12.0 - (4.0 / 2 + 1.9 / 2) / 5.0) - (t_ego + (4.6 / 2 + 1.8 / 2) / v_ego)
    for got in pet((tx, ty, th, tv), [4.6, 4.0], [1.9, 1.8]):
        assert got == pytest.approx(want, rel=1e-9)


def test_pet_matches_twin_on_random_curved_paths():
    rng = np.random.default_rng(9)
    steps, dt, n = 45, 0.2, 5
    finite = 0
    for _ in range(10):
        # from a ring of radius 50 m roughly towards its centre, weaving and changing speed
        bearing = rng.uniform(-math.pi, math.pi, n)
        start = 50.0 * np.array([np.cos(bearing), np.sin(bearing)])
        h = bearing + math.pi + rng.normal(0, 0.3, n) + np.cumsum(rng.normal(0, 0.08, (steps, n)), axis=0)
        v = np.clip(rng.uniform(3, 15, n) + np.cumsum(rng.normal(0, 0.5, (steps, n)), axis=0), 0.0, None)
        tx = start[0] + np.vstack([np.zeros(n), np.cumsum(v[:-1] * np.cos(h[:-1]) * dt, axis=0)])
        ty = start[1] + np.vstack([np.zeros(n), np.cumsum(v[:-1] * np.sin(h[:-1]) * dt, axis=0)])
        l, w = rng.uniform(0.5, 12, n), rng.uniform(0.5, 2.8, n)
        got, want = pet((tx, ty, h, v), l, w, ego=int(rng.integers(n)), dt=dt)
        assert got == pytest.approx(want, rel=1e-9, abs=1e-9)
        finite += 0 < got < math.inf
    assert finite >= 3
