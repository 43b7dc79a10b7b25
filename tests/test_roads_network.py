"""Invariants every road generator keeps: a connected lane graph, exact joins, exact Frenet round trips,
and every placement the scenario language advertises exists in the built network."""
from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from scenariosim.roads import build
from scenariosim.spec.roads import ROAD_GENERATORS

#: one representative spec per generator (defaults where the generator has them)
SPECS = {
    "highway": dict(length=500.0, lanes=3, median_width=2.0, shoulder_width=2.5, curve_radius=300.0,
                    curve_angle=math.radians(40), curve_at=80.0, transition_length=60.0, grade=0.02),
    "merge": dict(length=800.0),
    "exit": dict(length=800.0),
    "street": dict(length=300.0, lanes=2, crosswalk_at=120.0),
    "intersection": dict(turn_lanes=1),
    "roundabout": dict(),
    "town": dict(blocks=2),
}
CM, MM = 0.01, 0.001


@pytest.fixture(scope="module", params=list(ROAD_GENERATORS))
def built(request):
    name = request.param
    spec = ROAD_GENERATORS[name](name="r", **SPECS[name])
    return spec, build([spec])


def test_every_generator_has_a_spec_here():
    assert set(SPECS) == set(ROAD_GENERATORS)


def test_every_lane_lies_on_a_path_from_an_entry_to_an_exit(built):
    """Entries have no predecessor, exits no successor; forward and backward searches reach every lane
    (a lane that is both an entry and an exit is a whole road by itself)."""
    _, net = built
    n = len(net.lanes)
    entries = [i for i, lane in enumerate(net.lanes) if not lane.predecessors]
    exits = [i for i, lane in enumerate(net.lanes) if not lane.successors]

    def reach(start, step):
        seen, stack = set(start), list(start)
        while stack:
            for j in step(stack.pop()):
                if j not in seen:
                    seen.add(j)
                    stack.append(j)
        return seen

    forward = reach(entries, lambda i: net.lanes[i].successors)
    backward = reach(exits, lambda i: net.lanes[i].predecessors)
    # lanes on a closed loop (a roundabout ring) are reached from the entries feeding it
    assert forward == set(range(n)) and backward == set(range(n))


def test_links_join_within_a_centimetre_with_continuous_heading(built):
    _, net = built
    for i, lane in enumerate(net.lanes):
        for j in lane.successors:
            nxt = net.lanes[j]
            gap = np.linalg.norm(lane.centre[-1] - nxt.centre[0])
            assert gap < CM, f"lane {i} → {j}: ends {gap:.4f} m apart"
            h0 = lane.heading_at(np.array([lane.length]))[0]
            h1 = nxt.heading_at(np.array([0.0]))[0]
            turn = abs((h1 - h0 + math.pi) % (2 * math.pi) - math.pi)
            assert turn < 0.05, f"lane {i} → {j}: heading jumps {turn:.3f} rad"


def test_frenet_round_trips_within_a_millimetre_on_every_lane(built):
    _, net = built
    rng = np.random.default_rng(7)
    for lane in net.lanes:
        s = rng.uniform(0, lane.length, 40)
        d = rng.uniform(-lane.width / 2, lane.width / 2, 40)
        xy = lane.point(s, d)
        s2, d2 = lane.project(xy)
        assert np.abs(lane.point(s2, d2) - xy).max() < MM
        assert np.abs(s2 - s).max() < MM and np.abs(d2 - d).max() < MM


def test_network_frenet_finds_a_lane_that_contains_the_point(built):
    _, net = built
    rng = np.random.default_rng(3)
    for i in rng.choice(len(net.lanes), size=min(20, len(net.lanes)), replace=False):
        lane = net.lanes[i]
        s = rng.uniform(0.1, 0.9, 5) * lane.length
        xy = lane.point(s, 0.0)
        found, s2, d2 = net.frenet(xy)
        back = np.array([net.lanes[k].point(np.array([a]), b)[0] for k, a, b in zip(found, s2, d2)])
        assert np.abs(back - xy).max() < MM
        assert all(abs(b) <= net.lanes[k].width_at(np.array([a]))[0] / 2 + MM for k, a, b in zip(found, s2, d2))


def test_every_advertised_placement_exists(built):
    spec, net = built
    arms = spec.arm_names() or (None,)
    if not spec.arm_required:
        arms = (None, *[a for a in arms if a is not None])
    for arm in arms:
        for number in spec.lane_numbers(arm):
            x, y, z, heading = net.place("r", lane=number, arm=arm, s=1.0)
            assert np.isfinite([x, y, z, heading]).all()
    if spec.has_sidewalks:
        for side in ("left", "right"):
            assert np.isfinite(net.place("r", area="sidewalk", side=side, s=1.0)).all()
    for k in range(1, spec.crosswalk_count + 1):
        x, y, _, _ = net.place("r", area="crosswalk", crosswalk=k, s=0.5)
        assert net.surface.buffer(0.5).contains(shapely.Point(x, y))


def test_lanes_lie_on_the_drivable_surface(built):
    _, net = built
    surface = net.surface.buffer(CM)
    for lane in net.lanes:
        inside = shapely.contains_xy(surface, lane.centre[:, 0], lane.centre[:, 1])
        assert inside.all(), f"lane {lane.number} ({lane.kind}, arm {lane.arm}) leaves the drivable area"


def test_poses_of_many_points_equal_each_point_posed_alone(built):
    """network.poses groups points by lane: points on several lanes, interleaved, each get their own pose."""
    _, network = built
    rng = np.random.default_rng(3)
    lanes = rng.integers(0, len(network.lanes), 40)
    s = np.array([rng.uniform(0.0, network.lanes[k].length) for k in lanes])
    d = rng.uniform(-1.0, 1.0, 40)
    x, y, z, heading = network.poses(lanes, s, d)
    for k in range(40):                # (to rounding: numpy may take SIMD paths for longer arrays)
        ln = network.lanes[lanes[k]]
        alone = (*ln.point(s[k:k + 1], d[k:k + 1])[0], ln.elevation_at(s[k:k + 1])[0], ln.heading_at(s[k:k + 1])[0])
        np.testing.assert_allclose((x[k], y[k], z[k], heading[k]), alone, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(network.pose(int(lanes[7]), s[7], d[7]), (x[7], y[7], z[7], heading[7]),
                               rtol=1e-12, atol=1e-9)
