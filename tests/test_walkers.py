"""Walking agents: the social-force kernel against its slow twin and physical invariants (closed-form
walking time, head-on walkers pass without overlapping, no walking into a parked car), and walk paths
on real street networks (start at the placement, end on the right sidewalk or crosswalk end, straight
and perpendicular across the road)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

import naive_walkers
from scenariosim.roads.generators import build
from scenariosim.spec.roads import HighwaySpec, IntersectionSpec, StreetSpec, TownSpec
from scenariosim.sim import walkers
from scenariosim.world.walkways import KERB_CLEARANCE, walk_path

PED = (0.5, 0.6)                 # [m] pedestrian box length, width (spec.catalogue)
CAR = (4.5, 1.8)


# ---- helpers ---------------------------------------------------------------------------------------------

def path_table(paths):
    """(points (P, 2), cum_s (P,), start (K + 1,)) of a list of polylines."""
    points = np.concatenate(paths).astype(np.float64)
    cum = np.concatenate([np.concatenate(([0.0], np.cumsum(np.linalg.norm(np.diff(p, axis=0), axis=1))))
                          for p in paths])
    start = np.concatenate(([0], np.cumsum([len(p) for p in paths]))).astype(np.int64)
    return points, cum, start


class Agents:
    """Per-agent arrays for step_walkers; agents not walking have path −1."""

    def __init__(self, n):
        self.x, self.y, self.heading, self.speed = (np.zeros(n) for _ in range(4))
        self.v_des, self.path_s, self.phase = np.zeros(n), np.zeros(n), np.zeros(n)
        self.stride = np.full(n, 1.45)
        self.path = np.full(n, -1, dtype=np.int64)
        self.done = np.zeros(n, dtype=np.bool_)
        self.length, self.width = np.full(n, PED[0]), np.full(n, PED[1])
        self.active = np.ones(n, dtype=np.bool_)

    STATE = ("x", "y", "heading", "speed", "path_s", "done", "phase")

    def copy(self):
        other = Agents(len(self.x))
        other.__dict__.update({k: v.copy() for k, v in self.__dict__.items()})
        return other

    def step(self, fn, idx, table, dt):
        fn(idx, self.x, self.y, self.heading, self.speed, self.v_des, self.path, self.path_s, self.done,
           self.phase, self.stride, *table, self.length, self.width, self.active, dt)


def walker_on(agents, i, table, k, v):
    """Put agent i at the start of path k, heading along it at speed v (its desired speed)."""
    points, _, start = table
    a = start[k]
    agents.x[i], agents.y[i] = points[a]
    d = points[a + 1] - points[a]
    agents.heading[i] = math.atan2(d[1], d[0])
    agents.speed[i] = agents.v_des[i] = v
    agents.path[i] = k


# ---- kernel vs twin ----------------------------------------------------------------------------------------

def random_crowd(seed, n=16):
    """Walkers on random polylines in a 12 m square among parked boxes, with edge cases mixed in."""
    rng = np.random.default_rng(seed)
    paths = []
    for _ in range(n):
        k = rng.integers(2, 6)
        p = rng.uniform(0, 12, size=(1, 2)) + np.cumsum(rng.normal(0, 3, size=(k, 2)), axis=0)
        paths.append(p)
    paths.append(np.array([[5.0, 5.0], [5.0, 5.0], [8.0, 5.0]]))      # a zero-length segment
    paths.append(np.array([[3.0, 3.0]]))                               # nothing to walk
    table = path_table(paths)
    a = Agents(n + 4)
    for i in range(n):
        walker_on(a, i, table, i, rng.uniform(0.5, 2.0))
        a.path_s[i] = 0.0
        a.speed[i] *= rng.uniform(0, 1.3)
        a.heading[i] += rng.normal(0, 0.5)
        a.phase[i] = rng.uniform(0, 1)
    walker_on(a, n, table, n, 1.3)
    a.path[n + 1], a.v_des[n + 1] = n + 1, 1.0                          # single-point path: done at once
    for j in (n + 2, n + 3):                                           # parked boxes, one of them a car
        a.x[j], a.y[j], a.heading[j] = rng.uniform(2, 10, 2).tolist() + [rng.uniform(-3, 3)]
    a.length[n + 3], a.width[n + 3] = CAR
    a.active[3] = False                                                # an inactive walker
    a.stride[4] = 0.0                                                  # no walk cycle
    a.v_des[5] = 0.0                                                   # wants to stand
    a.x[6], a.y[6] = a.x[7], a.y[7]                                    # two walkers on one spot
    a.x[8], a.y[8] = a.x[n + 2], a.y[n + 2]                            # a walker inside a box
    idx = np.array([i for i in range(n + 2)], dtype=np.int64)
    return a, idx, table


@pytest.mark.parametrize("seed, dt", [(0, 0.2), (4, 0.05), (3, 0.1)])   # these slide and stop at boxes
def test_step_matches_twin_on_random_crowds(seed, dt):
    agents, idx, table = random_crowd(seed)
    first = agents.copy()
    for _ in range(20):
        twin = agents.copy()
        agents.step(walkers.step_walkers, idx, table, dt)
        twin.step(naive_walkers.step_walkers, idx, table, dt)
        for name in Agents.STATE:
            np.testing.assert_allclose(getattr(agents, name), getattr(twin, name), rtol=0, atol=1e-9, err_msg=name)
        agents.__dict__.update(twin.__dict__)                          # go on from the twin's state
    assert agents.done[len(idx) - 1] and agents.speed[len(idx) - 1] == 0.0     # the single-point path
    for name in Agents.STATE:                                          # the inactive walker stayed as it was
        assert getattr(agents, name)[3] == getattr(first, name)[3]
    assert np.all((agents.phase >= 0) & (agents.phase < 1))


def test_order_of_walkers_does_not_matter():
    agents, idx, table = random_crowd(4)
    other = agents.copy()
    for _ in range(10):
        agents.step(walkers.step_walkers, idx, table, 0.05)
        other.step(walkers.step_walkers, idx[::-1].copy(), table, 0.05)
    for name in Agents.STATE:
        np.testing.assert_array_equal(getattr(agents, name), getattr(other, name))


def test_walk_into_with_reused_working_arrays_steps_as_step_walkers():
    """The engine's form reuses its working arrays from step to step: whatever they hold, the step is the same
    to the bit, and ``walks`` is left all False for the next step, also when the walkers change."""
    from numba import njit

    @njit
    def walk(idx, a, table, dt, walks, new, new_done):                # walk_into has no Python entry point
        walkers.walk_into(idx, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], table[0], table[1],
                          table[2], a[10], a[11], a[12], dt, walks, new, new_done)

    agents, idx, table = random_crowd(4)
    other = agents.copy()
    n = len(agents.x)
    walks, new, new_done = np.zeros(n, dtype=np.bool_), np.full((6, n), np.nan), np.ones(n, dtype=np.bool_)
    for step in range(12):
        some = idx if step % 3 else idx[::2].copy()                    # every third step, half of them walk
        agents.step(walkers.step_walkers, some, table, 0.1)
        walk(some, (other.x, other.y, other.heading, other.speed, other.v_des, other.path, other.path_s, other.done,
                    other.phase, other.stride, other.length, other.width, other.active), table, 0.1,
             walks, new, new_done)
        assert not walks.any()
        for name in Agents.STATE:
            np.testing.assert_array_equal(getattr(other, name), getattr(agents, name), err_msg=name)


def test_box_distance_edge_cases():
    # outside a face, at a corner, inside nearer the side face, at the centre
    assert walkers.box_distance(3.0, 0.0, 0.0, 0.0, 0.0, 4.0, 2.0) == pytest.approx((1.0, 1.0, 0.0))
    d, nx, ny = walkers.box_distance(3.0, 2.0, 0.0, 0.0, 0.0, 4.0, 2.0)
    assert (d, nx, ny) == pytest.approx((math.sqrt(2), math.sqrt(0.5), math.sqrt(0.5)))
    assert walkers.box_distance(0.5, -0.8, 0.0, 0.0, 0.0, 4.0, 2.0) == pytest.approx((-0.2, 0.0, -1.0))
    assert walkers.box_distance(0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 2.0) == pytest.approx((-1.0, 1.0, 0.0))
    d, nx, ny = walkers.box_distance(0.0, 3.0, 0.0, 0.0, math.pi / 2, 4.0, 2.0)    # turned: along its length
    assert (d, nx, ny) == pytest.approx((1.0, 0.0, 1.0))


# ---- closed forms ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("angle, v, dt", [(0.0, 1.4, 0.05), (0.7, 1.1, 0.1), (-2.5, 0.8, 0.02)])
def test_free_walker_walks_v_dt_per_step_and_arrives_at_d_over_v(angle, v, dt):
    length = 12.3
    u = np.array([math.cos(angle), math.sin(angle)])
    table = path_table([np.array([[2.0, -1.0], [2.0, -1.0] + length * u])])
    a = Agents(1)
    walker_on(a, 0, table, 0, v)
    idx = np.array([0])
    steps = 0
    while not a.done[0]:
        x0, y0 = a.x[0], a.y[0]
        a.step(walkers.step_walkers, idx, table, dt)
        steps += 1
        moved = np.array([a.x[0] - x0, a.y[0] - y0])
        assert moved == pytest.approx(v * dt * u, abs=1e-12)          # exactly v·dt along the path
        assert a.path_s[0] == pytest.approx(min(steps * v * dt, length), abs=1e-9)
        wrapped = (a.phase[0] - steps * v * dt / a.stride[0] + 0.5) % 1.0 - 0.5    # phase modulo 1
        assert abs(wrapped) < 1e-9 and 0.0 <= a.phase[0] < 1.0
        assert steps < 10_000
    assert abs(steps * dt - length / v) <= dt                          # arrival time D / v within a step
    assert a.speed[0] == 0.0 and a.path_s[0] == pytest.approx(length)


def test_walker_relaxes_to_its_desired_speed_and_keeps_it():
    table = path_table([np.array([[0.0, 0.0], [50.0, 0.0]])])
    a = Agents(1)
    walker_on(a, 0, table, 0, 1.5)
    a.speed[0] = 0.0
    for _ in range(40):                                                # 4 s = 8 τ
        a.step(walkers.step_walkers, np.array([0]), table, 0.1)
    assert a.speed[0] == pytest.approx(1.5, rel=1e-3)
    assert a.heading[0] == 0.0 and a.y[0] == 0.0


def test_walker_follows_a_bend_and_stops_at_the_end():
    table = path_table([np.array([[0.0, 0.0], [6.0, 0.0], [6.0, 6.0]])])
    a = Agents(1)
    walker_on(a, 0, table, 0, 1.3)
    for _ in range(200):
        a.step(walkers.step_walkers, np.array([0]), table, 0.05)
        # never far from the path: inside the corner it cuts by less than the carrot distance
        assert min(abs(a.y[0]), abs(a.x[0] - 6.0)) < walkers.LOOKAHEAD
    assert a.done[0] and a.speed[0] == 0.0
    assert np.hypot(a.x[0] - 6.0, a.y[0] - 6.0) < 1.3 * 0.05 + 0.05


# ---- interaction invariants ------------------------------------------------------------------------------

@pytest.mark.parametrize("offset", [0.0, 0.2, -0.2])
@pytest.mark.parametrize("dt", [0.02, 0.05, 0.1])
def test_head_on_walkers_deflect_and_never_overlap(offset, dt):
    table = path_table([np.array([[0.0, 0.0], [20.0, 0.0]]), np.array([[20.0, offset], [0.0, offset]])])
    a = Agents(2)
    walker_on(a, 0, table, 0, 1.34)
    walker_on(a, 1, table, 1, 1.34)
    idx = np.array([0, 1])
    closest, lateral = np.inf, 0.0
    for _ in range(int(40 / dt)):
        a.step(walkers.step_walkers, idx, table, dt)
        closest = min(closest, math.hypot(a.x[0] - a.x[1], a.y[0] - a.y[1]))
        lateral = max(lateral, abs(a.y[0]), abs(a.y[1] - offset))
        if a.done.all():
            break
    assert a.done.all()                                                # both got past and arrived
    assert closest > a.width.sum() / 2 - 0.01                          # sum of radii, 1 cm of rounding
    assert lateral > 0.2                                               # they stepped aside


@pytest.mark.parametrize("car_heading, car_y", [(math.pi / 2, 0.0), (math.pi / 2, 1.5), (0.0, 0.0), (0.0, 1.0),
                                                (0.4, -0.5)])
@pytest.mark.parametrize("dt", [0.02, 0.1])
def test_walker_never_enters_a_parked_car(car_heading, car_y, dt):
    table = path_table([np.array([[0.0, 0.0], [20.0, 0.0]])])
    a = Agents(2)
    walker_on(a, 0, table, 0, 1.8)                                     # a brisk walker
    a.x[1], a.y[1], a.heading[1] = 10.0, car_y, car_heading
    a.length[1], a.width[1] = CAR
    corners = shapely.affinity.rotate(shapely.box(-CAR[0] / 2, -CAR[1] / 2, CAR[0] / 2, CAR[1] / 2), car_heading,
                                      origin=(0, 0), use_radians=True)
    car = shapely.affinity.translate(corners, 10.0, car_y)
    for _ in range(int(30 / dt)):
        a.step(walkers.step_walkers, np.array([0]), table, dt)
        body = shapely.Point(a.x[0], a.y[0]).buffer(a.width[0] / 2 - 1e-6)
        assert not body.intersects(car)
        assert walkers.box_distance(a.x[0], a.y[0], 10.0, car_y, car_heading, *CAR)[0] >= 0.3 - 1e-9
    assert a.x[1] == 10.0 and a.y[1] == car_y                          # the car was not moved
    if car_heading == 0.0 and car_y == 1.0:                            # a car beside the path: walks round it
        assert a.done[0]


def test_inactive_agents_neither_move_nor_push():
    table = path_table([np.array([[0.0, 0.0], [10.0, 0.0]])])
    a = Agents(2)
    walker_on(a, 0, table, 0, 1.4)
    a.x[1], a.y[1], a.active[1] = 5.0, 0.0, False                     # a pedestrian not spawned yet
    steps = 0
    while not a.done[0]:
        a.step(walkers.step_walkers, np.array([0, 1]), table, 0.05)
        steps += 1
        assert a.y[0] == 0.0
    assert abs(steps * 0.05 - 10 / 1.4) <= 0.05
    assert (a.x[1], a.y[1]) == (5.0, 0.0)


def test_walk_stride_is_about_0_83_of_height():
    assert walkers.walk_stride(1.75) == pytest.approx(1.4525)
    assert walkers.walk_stride(1.2) == pytest.approx(0.83 * 1.2)


# ---- walk paths on real networks -----------------------------------------------------------------------

HALF, SW = 3.25, 2.5                       # street: one 3.25 m lane each way, 2.5 m sidewalks


@pytest.fixture(scope="module")
def street():
    return build((StreetSpec(name="city", length=100.0, crosswalk_at=40.0),))


def starts_at_placement(net, path, road, area, **kw):
    x, y, _, _ = net.place(road, area=area, **kw)
    assert path[0] == pytest.approx([x, y], abs=1e-12)


def no_zero_segments(path):
    assert len(path) >= 2 and np.all(np.linalg.norm(np.diff(path, axis=0), axis=1) > 1e-9)


@pytest.mark.parametrize("side, d", [("right", 0.0), ("right", 0.4), ("left", -0.7)])
def test_sidewalk_path_runs_to_the_sidewalk_end(street, side, d):
    path = walk_path(street, "city", "sidewalk", side, None, 12.0, d)
    starts_at_placement(street, path, "city", "sidewalk", side=side, s=12.0, d=d)
    no_zero_segments(path)
    y = (HALF + SW / 2) * (1 if side == "left" else -1) + d
    assert path[-1] == pytest.approx([100.0, y])
    assert np.all(np.abs(path[:, 1] - y) < 1e-9)                       # along the centre line, offset d


def test_sidewalk_path_from_its_end_has_nothing_to_walk(street):
    assert walk_path(street, "city", "sidewalk", "right", None, 100.0, 0.0).shape == (1, 2)


@pytest.mark.parametrize("across, s, d", [(None, 0.0, 0.0), ("left", 1.5, 0.5), ("right", 4.0, -1.0)])
def test_crosswalk_path_runs_to_the_named_end(street, across, s, d):
    path = walk_path(street, "city", "crosswalk", None, 1, s, d, across)
    starts_at_placement(street, path, "city", "crosswalk", crosswalk=1, s=s, d=d)
    no_zero_segments(path)
    # the walking line runs from (40, −3.25) to (40, +3.25); d to its left is −x
    end_y = -HALF if across == "right" else HALF
    assert path[-1] == pytest.approx([40.0 - d, end_y])
    assert len(path) == 2


@pytest.mark.parametrize("side, across", [("right", "left"), ("left", "right")])
def test_walk_across_from_a_sidewalk_is_straight_and_perpendicular(street, side, across):
    path = walk_path(street, "city", "sidewalk", side, None, 30.0, 0.3, across)
    starts_at_placement(street, path, "city", "sidewalk", side=side, s=30.0, d=0.3)
    assert len(path) == 2
    assert path[-1] == pytest.approx([30.0, (HALF + SW / 2) * (1 if across == "left" else -1)])
    target = street.sidewalk("city", across)
    assert shapely.LineString(target.centre).distance(shapely.Point(path[-1])) < 1e-9


def test_walk_across_to_the_side_stood_on_or_missing_is_an_error(street):
    with pytest.raises(ValueError, match="already stands on the left sidewalk"):
        walk_path(street, "city", "sidewalk", "left", None, 30.0, 0.0, "left")
    with pytest.raises(ValueError, match="'left' or 'right'"):
        walk_path(street, "city", "sidewalk", "left", None, 30.0, 0.0, "up")
    with pytest.raises(ValueError, match="needs a side"):
        walk_path(street, "city", "lane", None, None, 30.0, 0.0, lane=1)
    with pytest.raises(ValueError, match="unknown area"):
        walk_path(street, "city", "verge", None, None, 30.0, 0.0)
    # past the end of the other sidewalk (the ray misses it): nothing to walk to
    net = build((StreetSpec(name="city", length=100.0),))
    one_sided = type(net)(lanes=net.lanes, markings=net.markings, surface=net.surface,
                        sidewalks=(net.sidewalk("city", "right"),))
    with pytest.raises(ValueError, match="no left sidewalk"):
        walk_path(one_sided, "city", "sidewalk", "right", None, 30.0, 0.0, "left")


@pytest.mark.parametrize("lane, across", [(1, "left"), (1, "right"), (-1, "left"), (-1, "right")])
def test_walk_across_from_a_lane_ends_on_the_named_sidewalk(street, lane, across):
    path = walk_path(street, "city", "lane", None, None, 30.0, 0.5, across, lane=lane)
    starts_at_placement(street, path, "city", "lane", lane=lane, s=30.0, d=0.5)
    assert len(path) == 2
    assert path[-1, 1] == pytest.approx((HALF + SW / 2) * (1 if across == "left" else -1))
    assert path[-1, 0] == pytest.approx(path[0, 0])                   # perpendicular to the lane


@pytest.mark.parametrize("lane, across, y", [(1, "left", 7.0 + KERB_CLEARANCE), (2, "right", -KERB_CLEARANCE)])
def test_walk_across_a_road_without_sidewalks_ends_past_its_edge(lane, across, y):
    net = build((HighwaySpec(name="hw", length=200.0, lanes=2),))     # carriageway 0 ≤ y ≤ 7
    path = walk_path(net, "hw", "lane", None, None, 50.0, 0.0, across, lane=lane)
    starts_at_placement(net, path, "hw", "lane", lane=lane, s=50.0)
    assert path[-1] == pytest.approx([50.0, y])


def test_curved_junction_sidewalk_keeps_its_vertices():
    net = build((IntersectionSpec(name="x"),))
    walk = net.sidewalk("x", "right")
    d = 0.4
    path = walk_path(net, "x", "sidewalk", "right", None, 0.5, d)
    starts_at_placement(net, path, "x", "sidewalk", side="right", s=0.5, d=d)
    no_zero_segments(path)
    centre = shapely.LineString(walk.centre)
    assert len(path) >= sum(walk.cum_s > 0.5 + 1e-9)                 # one per vertex ahead, plus the start
    dist = [centre.distance(shapely.Point(p)) for p in path]
    assert np.allclose(dist, d, atol=0.02)                             # offset d all along (chords on curves)
    heading = math.atan2(*(walk.centre[-1] - walk.centre[-2])[::-1])
    assert path[-1] == pytest.approx(walk.centre[-1] + d * np.array([-math.sin(heading), math.cos(heading)]))
    # across the east arm from its right (south) sidewalk to its left (north) one
    across = walk_path(net, "x", "sidewalk", "right", None, 30.0, 0.0, "left")
    assert len(across) == 2 and across[-1, 1] > 0 > across[0, 1]
    assert across[-1, 0] == pytest.approx(across[0, 0])
    assert shapely.LineString(net.sidewalks[1].centre).distance(shapely.Point(across[-1])) < 1e-9


def test_town_walk_across_stops_at_the_near_sidewalk_of_the_same_street():
    spec = TownSpec(name="t", blocks=2, block_size=60.0)
    net = build((spec,))
    half = spec.lanes * spec.lane_width
    path = walk_path(net, "t", "sidewalk", "right", None, 10.0, 0.0, "left")
    assert path[0] == pytest.approx([10.0, -(half + spec.sidewalk_width / 2)])
    assert path[-1] == pytest.approx([10.0, half + spec.sidewalk_width / 2])
    back = walk_path(net, "t", "lane", None, None, 10.0, 0.0, "right", lane=-1)     # s from the segment's end
    assert back[-1] == pytest.approx([back[0, 0], -(half + spec.sidewalk_width / 2)])
