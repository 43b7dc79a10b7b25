"""Reference lines, Frenet frames and the highway generator against closed forms."""
from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from scipy.special import fresnel

from scenariosim.errors import ScenarioValidationError
from scenariosim.roads.generators.highway import highway, highway_reference
from scenariosim.roads.geometry import arc_length, frenet_point, frenet_project, normals_from_heading
from scenariosim.roads.lanes import Sampled, connector, lane_along
from scenariosim.roads.reference import Reference, arc, clothoid, line
from scenariosim.spec.roads import HighwaySpec

CM, MM = 0.01, 0.001


@pytest.mark.parametrize("k0,k1,length", [(0.0, 1 / 40, 60.0), (0.0, -1 / 25, 80.0), (0.0, 1 / 300, 150.0)])
def test_clothoid_end_point_matches_fresnel_integrals(k0, k1, length):
    c = (k1 - k0) / length                            # curvature rate [1/m²]
    a = math.sqrt(math.pi / abs(c))                   # Fresnel scale: x = a·C(s/a), y = ±a·S(s/a)
    S, C = fresnel(length / a)
    x, y, heading = Reference((clothoid(length, k0, k1),)).end_pose
    assert (x, y) == pytest.approx((a * C, math.copysign(a * S, c)), abs=1e-6)
    assert heading == pytest.approx(0.5 * c * length**2)


def test_clothoid_starting_at_nonzero_curvature_is_a_shifted_standard_one():
    """A clothoid from k0 to k1 is the piece [k0/c, k1/c] of the standard spiral, rotated and moved."""
    k0, k1, length = 1 / 100, 1 / 30, 50.0
    c = (k1 - k0) / length
    a = math.sqrt(math.pi / c)
    t0, t1 = k0 / c, k1 / c
    (S0, S1), (C0, C1) = fresnel(np.array([t0, t1]) / a)
    chord = np.array([a * (C1 - C0), a * (S1 - S0)])        # in the standard spiral's frame
    rot = -0.5 * c * t0**2                                   # heading of the standard spiral at t0 is c·t0²/2
    expected = np.array([[math.cos(rot), -math.sin(rot)], [math.sin(rot), math.cos(rot)]]) @ chord
    x, y, heading = Reference((clothoid(length, k0, k1),)).end_pose
    assert (x, y) == pytest.approx(tuple(expected), abs=1e-6)
    assert heading == pytest.approx(k0 * length + 0.5 * c * length**2)


def test_arc_has_constant_curvature_and_its_chord():
    radius, angle = 35.0, 1.2
    ref = Reference((line(10.0), arc(radius * angle, 1 / radius)))
    s = ref.stations(max_step=1.0)
    xy, heading, curvature = ref.pose(s)
    on_arc = s >= 10.0
    centre = np.array([10.0, radius])
    assert np.allclose(np.linalg.norm(xy[on_arc] - centre, axis=1), radius, atol=1e-9)
    assert np.allclose(curvature[on_arc], 1 / radius) and ref.length == pytest.approx(10 + radius * angle)
    polyline_length = arc_length(xy)[-1]
    assert polyline_length == pytest.approx(ref.length, abs=CM)     # sampled finely enough


def test_frenet_point_and_project_are_inverse_on_curves():
    ref = Reference((line(20), clothoid(30, 0, 1 / 25), arc(40, 1 / 25), clothoid(30, 1 / 25, -1 / 60), line(20)))
    sampled = Sampled.of(ref)
    centre = sampled.offset(-3.5)
    cum = arc_length(centre)
    rng = np.random.default_rng(1)
    s, d = rng.uniform(0, cum[-1], 3000), rng.uniform(-4, 4, 3000)
    xy = frenet_point(centre, sampled.normals, cum, s, d)
    s2, d2 = frenet_project(centre, sampled.normals, cum, xy)
    assert np.abs(s2 - s).max() < MM and np.abs(d2 - d).max() < MM
    # |d| is the distance to the centre line up to the interpolated normals' tilt: well within 1 cm
    distance = shapely.distance(shapely.LineString(centre), shapely.points(xy[:500]))
    assert np.abs(distance - np.abs(d[:500])).max() < CM


def _curved(**kw) -> HighwaySpec:
    return HighwaySpec(name="h", length=600.0, lanes=3, lane_width=3.5, curve_radius=200.0,
                       curve_angle=math.radians(60), curve_at=100.0, transition_length=60.0, **kw)


def test_curved_highway_turns_the_angle_and_keeps_lane_offsets_and_widths():
    spec = _curved()
    ref = highway_reference(spec)
    assert ref.end_pose[2] == pytest.approx(spec.curve_angle)
    assert ref.length == pytest.approx(spec.length)
    net = highway(spec)
    sampled = Sampled.of(ref)
    for k, lane in enumerate(net.lanes, start=1):
        # every vertex of lane k is (k − 0.5)·w left of the reference line, along the exact normal
        s, d = lane.project(sampled.xy[::7])
        assert np.allclose(d, -(k - 0.5) * spec.lane_width, atol=CM)
        assert lane.number == k and lane.width == spec.lane_width
    # neighbouring centre lines are one lane width apart everywhere
    a, b = net.lanes[0], net.lanes[1]
    _, d = b.project(a.centre)
    assert np.allclose(d, -spec.lane_width, atol=CM)


def test_median_makes_oncoming_lanes_driving_back_with_negative_numbers():
    spec = HighwaySpec(name="h", length=300.0, lanes=2, lane_width=3.5, median_width=3.0, shoulder_width=2.5)
    net = highway(spec)
    assert sorted(l.number for l in net.lanes) == [-2, -1, 1, 2]
    minus1 = net.lanes[net.lane_index("h", -1)]
    minus2 = net.lanes[net.lane_index("h", -2)]
    assert minus1.heading_at(np.array([10.0]))[0] == pytest.approx(math.pi)
    # −1 is the oncoming side's rightmost lane: the outermost, beyond −2 and the median
    y = lambda lane: float(lane.point(np.array([50.0]))[0, 1])      # noqa: E731
    assert y(minus1) == pytest.approx(2 * 3.5 + 3.0 + 1.5 * 3.5, abs=CM)
    assert y(minus2) == pytest.approx(2 * 3.5 + 3.0 + 0.5 * 3.5, abs=CM)
    assert net.lanes[net.lane_index("h", 1)].left == net.lane_index("h", 2)
    assert minus1.left == net.lane_index("h", -2)
    area = net.surface.area
    assert area == pytest.approx(300.0 * (2 * 2 * 3.5 + 2 * 2.5), rel=1e-3)   # lanes and shoulders, no median


def test_grade_raises_lanes_linearly():
    net = highway(HighwaySpec(name="h", length=400.0, lanes=2, grade=0.05))
    for lane in net.lanes:
        assert np.allclose(lane.z, 0.05 * lane.centre[:, 0], atol=1e-9)


def test_curve_that_does_not_fit_is_a_clear_error():
    with pytest.raises(ScenarioValidationError, match="past the road's length"):
        highway(HighwaySpec(name="h", length=300.0, curve_radius=200.0, curve_angle=math.radians(60),
                            curve_at=100.0, transition_length=60.0))
    with pytest.raises(ScenarioValidationError, match="turn more than curve_angle"):
        highway(HighwaySpec(name="h", length=600.0, curve_radius=50.0, curve_angle=0.2, transition_length=60.0))


def test_connector_joins_exactly_with_continuous_heading():
    ref_a = Sampled.of(Reference((line(30.0),)))
    ref_b = Sampled.of(Reference((line(30.0),), x0=40.0, y0=10.0, heading0=math.pi / 2))
    a = lane_along(ref_a, "j", 1, 0.0, 3.5)
    b = lane_along(ref_b, "j", 1, 0.0, 3.5)
    c = connector("j", a, b)
    assert np.linalg.norm(c.centre[0] - a.centre[-1]) < CM and np.linalg.norm(c.centre[-1] - b.centre[0]) < CM
    seg = np.diff(c.centre, axis=0)
    heading = np.unwrap(np.arctan2(seg[:, 1], seg[:, 0]))
    assert abs(heading[0] - 0.0) < 0.05 and abs(heading[-1] - math.pi / 2) < 0.05
    assert np.abs(np.diff(heading)).max() < 0.05
    s, d = c.project(c.point(np.array([1.0, 5.0, 9.0]), np.array([0.3, -1.0, 1.5])))
    assert np.allclose(s, [1.0, 5.0, 9.0], atol=MM) and np.allclose(d, [0.3, -1.0, 1.5], atol=MM)


def test_normals_from_heading_are_unit_left_normals():
    n = normals_from_heading(np.array([0.0, math.pi / 2]))
    assert np.allclose(n, [[0.0, 1.0], [-1.0, 0.0]])
