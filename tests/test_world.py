"""world.build: the bridge from a concrete spec to arrays places actors where the spec says."""
from __future__ import annotations

import numpy as np
import pytest

from scenariosim import cli
from scenariosim.dsl import loads
from scenariosim.errors import ScenarioSimError
from scenariosim.roads.generators import build
from scenariosim.spec import sample
from scenariosim.spec.roads import RoundaboutSpec
from scenariosim.spec.catalogue import ACTOR_KINDS, COLORS
from scenariosim.taxonomy import KIND_CLASS
from scenariosim.world.build import build_world

TEXT = """\
scenario w:
    seed: 1
    duration: 1 s
    timestep: 0.1 s
    road main = highway(length: 500 m, lanes: 3, lane_width: 3.5 m)
    actor cone: cone
        at: lane(main, 1), s 50 m, d 1.2 m
    actor kid: pedestrian
        at: lane(main, 3), s 80 m, d -0.5 m
        size: (0.7 m, 0.3 m, 1.15 m)
        color: yellow
"""


def test_lateral_offset_size_colour_and_class_reach_the_world():
    spec = sample(loads(TEXT))
    world, info = build_world(spec, build(spec.roads))
    v = world.vehicles
    # highway lane k's centre line is y = (k − 0.5)·width, heading +x: d moves the box to the left (+y)
    assert (v.x[0], v.y[0]) == pytest.approx((50.0, 0.5 * 3.5 + 1.2))
    assert (v.x[1], v.y[1]) == pytest.approx((80.0, 2.5 * 3.5 - 0.5))
    assert (v.length[0], v.width[0], v.height[0]) == ACTOR_KINDS["cone"].size
    assert (v.length[1], v.width[1], v.height[1]) == (0.7, 0.3, 1.15)
    assert np.allclose(info.colors[1], COLORS["yellow"])
    assert list(info.class_ids) == [KIND_CLASS["cone"], KIND_CLASS["pedestrian"]]


def test_every_catalogue_kind_has_a_class_and_dynamics():
    from scenariosim.world.build import KIND_DYNAMICS
    assert set(KIND_CLASS) == set(ACTOR_KINDS) == set(KIND_DYNAMICS)


def test_s_past_a_ring_arc_continues_round_the_ring():
    text = TEXT.replace("highway(length: 500 m, lanes: 3, lane_width: 3.5 m)", "roundabout(radius: 20 m)")
    text = text.split("    actor cone")[0] + "    actor car: car\n        at: lane(main, 1), s 60 m\n"
    spec = sample(loads(text))
    network = build(spec.roads)
    world, _ = build_world(spec, network)
    ring_radius = 20.0                      # one-lane ring: lane 1's centre is the ring radius
    assert np.hypot(world.vehicles.x[0], world.vehicles.y[0]) == pytest.approx(ring_radius, abs=0.01)
    lane = network.lanes[world.vehicles.lane[0]]
    assert lane.point(world.vehicles.s[0])[0] == pytest.approx([world.vehicles.x[0], world.vehicles.y[0]])


def test_any_s_on_a_ring_stays_on_the_ring_and_s_past_a_dead_end_is_an_error(tmp_path, capsys):
    network = build([RoundaboutSpec(name="r", radius=20.0)])
    for s in (15.0, 400.0, 12345.6, 1e6):
        x, y, _, _ = network.place("r", lane=1, s=s)
        assert np.hypot(x, y) == pytest.approx(20.0, abs=0.01)
    past = tmp_path / "past.scn"
    past.write_text(TEXT.split("    actor cone")[0].replace("highway(length: 500 m, lanes: 3, lane_width: 3.5 m)",
                                                             "intersection()")
                    + "    actor a: car\n        at: lane(main, 1, arm: east), s 1000 m\n")
    assert cli.main(["check", str(past)]) == 1
    err = capsys.readouterr().err
    assert f"{past}:7:" in err and "runs past the end of lane 1 of arm 'east'" in err


@pytest.mark.parametrize("args,message", [
    ("curve_radius: 5 m, curve_angle: 30 deg", "too tight"),
    ("curve_radius: 100 m, curve_angle: 7 rad, transition_length: 0 m", "within ±180 deg"),
])
def test_highway_curves_that_cannot_be_built_fail_check(args, message):
    text = TEXT.replace("lane_width: 3.5 m)", f"lane_width: 3.5 m, {args})")
    with pytest.raises(ScenarioSimError, match=message):
        sample(loads(text))


def test_worlds_built_on_one_network_own_their_lane_and_junction_arrays():
    """build_world computes the lane table and junctions once per network, but no two worlds share an array:
    a kernel (or a user) writing into one world's tables leaves the next world's alone."""
    from scenariosim.world.build import junctions, lane_table
    spec = sample(loads(TEXT))
    network = build(spec.roads)
    first, _ = build_world(spec, network)
    fresh = lane_table(network)
    for a in first.lanes:
        a[...] = 0
    for a in first.junctions:
        a[...] = 0
    second, _ = build_world(spec, network)
    for name, got, want in zip(fresh._fields, second.lanes, fresh):
        np.testing.assert_array_equal(got, want, err_msg=name)
    for name, got, want in zip(second.junctions._fields, second.junctions, junctions(network)):
        np.testing.assert_array_equal(got, want, err_msg=name)


def test_lane_headings_point_along_each_segment():
    """LaneTable.heading is the direction of each segment's tangent (a lane changer's heading starts from it),
    on a roundabout's ring and arms, whose segments point every way."""
    from scenariosim.world.build import lane_table
    lanes = lane_table(build((RoundaboutSpec(name="r"),)))
    assert len(lanes.heading) == len(lanes.tangent) and np.all(np.abs(lanes.heading) <= np.pi)
    np.testing.assert_allclose(np.cos(lanes.heading), lanes.tangent[:, 0], atol=1e-12)
    np.testing.assert_allclose(np.sin(lanes.heading), lanes.tangent[:, 1], atol=1e-12)
    assert np.ptp(lanes.heading) > 6.0                 # all directions are there
