"""Render meshes without GL: vertex counts, areas, normals, ids and where the geometry lies."""
from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from scenariosim.render.meshes import (MARKING_Z, TERRAIN_MARGIN, TERRAIN_Z, VEHICLE_VERTICES, marking_mesh,
                                       polygon_triangles, road_mesh, sky_triangle, static_mesh, terrain_mesh,
                                       vehicle_mesh)
from scenariosim.roads import build
from scenariosim.roads.geometry import dash_intervals
from scenariosim.spec import HighwaySpec
from scenariosim.taxonomy import LANE_MARKING, ROAD, SKY, TERRAIN
from scenes import make_spec, make_world

LANE_W = 3.5


@pytest.fixture(scope="module")
def network():
    return build((HighwaySpec(name="main", length=1000.0, lanes=3, lane_width=LANE_W),))


def triangle_areas(mesh: np.ndarray) -> np.ndarray:
    """(T,) areas [m²] of a triangle-list mesh projected on the ground."""
    p = mesh["position"][:, :2].reshape(-1, 3, 2).astype(np.float64)
    a, b = p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
    return 0.5 * np.abs(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0])


def test_polygon_triangles_cover_a_polygon_with_a_hole():
    poly = shapely.box(0, 0, 10, 10).difference(shapely.box(4, 4, 6, 6))
    tris = polygon_triangles(poly)
    assert tris.shape[1:] == (3, 2)
    areas = [shapely.Polygon(t).area for t in tris]
    assert sum(areas) == pytest.approx(96.0)
    assert not any(shapely.Polygon(t).centroid.within(shapely.box(4, 4, 6, 6)) for t in tris)


def test_road_and_terrain_cover_their_areas_at_their_heights(network):
    road, terrain = road_mesh(network), terrain_mesh(network)
    assert len(road) % 3 == 0 and len(terrain) == 6
    assert triangle_areas(road).sum() == pytest.approx(network.surface.area)
    assert set(road["class_id"]) == {ROAD} and set(terrain["class_id"]) == {TERRAIN}
    assert np.all(road["position"][:, 2] == 0.0)
    assert np.all(terrain["position"][:, 2] == np.float32(TERRAIN_Z))
    x0, y0, x1, y1 = network.bounds()
    lo, hi = terrain["position"][:, :2].min(0), terrain["position"][:, :2].max(0)
    np.testing.assert_allclose([*lo, *hi], [x0 - TERRAIN_MARGIN, y0 - TERRAIN_MARGIN,
                                            x1 + TERRAIN_MARGIN, y1 + TERRAIN_MARGIN])
    assert TERRAIN_Z < 0.0 < MARKING_Z <= 0.02


def test_markings_lie_on_the_lane_lines_with_their_dash_pattern(network):
    mesh = marking_mesh(network)
    assert set(mesh["class_id"]) == {LANE_MARKING} and np.all(mesh["instance"] == 0)
    assert np.all(mesh["position"][:, 2] == np.float32(MARKING_Z))
    expected_area = 0.0
    for m in network.markings:
        length = float(m.line[-1, 0] - m.line[0, 0])
        expected_area += m.style.width * np.diff(dash_intervals(length, m.style.dash, m.style.gap)).sum()
    assert triangle_areas(mesh).sum() == pytest.approx(expected_area, rel=1e-5)
    xy = mesh["position"][:, :2].astype(np.float64)
    k = np.round(xy[:, 1] / LANE_W)
    assert set(k) == {0, 1, 2, 3}
    np.testing.assert_allclose(np.abs(xy[:, 1] - k * LANE_W), 0.075, atol=1e-4)   # half of 0.15 m
    dashed = (k == 1) | (k == 2)
    phase = np.mod(xy[dashed, 0], 18.0)
    assert np.all((phase <= 6.0 + 1e-3) | (phase >= 18.0 - 1e-3))                 # 6 m dashes, 12 m gaps
    solid = xy[k == 0, 0]
    assert solid.min() == pytest.approx(0.0) and solid.max() == pytest.approx(1000.0)


def test_static_mesh_starts_with_the_sky_triangle(network):
    mesh = static_mesh(network)
    sky = sky_triangle()
    assert np.array_equal(mesh[:3], sky) and np.sum(mesh["class_id"] == SKY) == 3
    assert len(mesh) == 3 + len(terrain_mesh(network)) + len(road_mesh(network)) + len(marking_mesh(network))
    ndc = sky["position"][:, :2]                   # covers clip space [-1, 1]²
    tri = shapely.Polygon(ndc)
    assert tri.contains(shapely.box(-1, -1, 1, 1).buffer(-1e-6))
    assert np.array_equal(static_mesh(None), sky)


def test_normals_are_unit_length(network):
    spec = make_spec([("a", "car", 1, 50, 20), ("b", "truck", 2, 80, 20)])
    world, info = make_world(spec)
    mesh = np.concatenate([static_mesh(network), vehicle_mesh(world.vehicles, info)])
    np.testing.assert_allclose(np.linalg.norm(mesh["normal"], axis=1), 1.0, atol=1e-6)


def vehicle_setup(headings):
    spec = make_spec([(f"v{i}", kind, 1 + i % 3, 40 + 15 * i, 20) for i, kind in
                      enumerate(["car", "truck", "car", "car"][:len(headings)])])
    world, info = make_world(spec)
    v = world.vehicles._replace(heading=np.asarray(headings, dtype=np.float64))
    return v, info


def test_vehicle_mesh_counts_ids_and_classes():
    v, info = vehicle_setup([0.0, 0.3, -2.0, math.pi])
    mesh = vehicle_mesh(v, info)
    n = len(v.x)
    assert len(mesh) == VEHICLE_VERTICES * n and len(mesh) % 3 == 0
    inst = mesh["instance"].reshape(n, VEHICLE_VERTICES)
    assert np.all(inst == np.arange(1, n + 1)[:, None])
    cls = mesh["class_id"].reshape(n, VEHICLE_VERTICES)
    assert np.all(cls == info.class_ids[:, None])
    world, info = make_world(make_spec([]))
    assert len(vehicle_mesh(world.vehicles, info)) == 0


@pytest.mark.parametrize("heading", [0.0, 0.7, -2.5])
def test_vehicle_mesh_fills_exactly_its_box(heading):
    """In the vehicle's own frame the mesh spans ±L/2, ±W/2 and [0, H]; normals point outwards."""
    v, info = vehicle_setup([heading, heading])
    mesh = vehicle_mesh(v, info)
    for i in range(len(v.x)):
        part = mesh[mesh["instance"] == i + 1]
        c, s = math.cos(heading), math.sin(heading)
        d = part["position"].astype(np.float64) - [v.x[i], v.y[i], 0.0]
        local = np.stack([c * d[:, 0] + s * d[:, 1], -s * d[:, 0] + c * d[:, 1], d[:, 2]], 1)
        np.testing.assert_allclose(local.min(0), [-v.length[i] / 2, -v.width[i] / 2, 0.0], atol=1e-4)
        np.testing.assert_allclose(local.max(0), [v.length[i] / 2, v.width[i] / 2, v.height[i]], atol=1e-4)
        # each triangle's normal is perpendicular to it and points away from its box's centre
        tri = part["position"].astype(np.float64).reshape(-1, 3, 3)
        n = part["normal"].reshape(-1, 3, 3)[:, 0].astype(np.float64)
        cross = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
        np.testing.assert_allclose(np.abs(np.sum(cross * n, 1)), np.linalg.norm(cross, axis=1), rtol=1e-4)
        half = len(tri) // 2                        # lower body, then cabin
        for box in (slice(0, half), slice(half, None)):
            corners = tri[box].reshape(-1, 3)
            centre = (corners.min(0) + corners.max(0)) / 2
            assert np.all(np.sum((tri[box].mean(1) - centre) * n[box], 1) > 0)


def test_vehicle_colours_come_from_world_info_with_dark_car_windows():
    v, info = vehicle_setup([0.0, 0.0])            # a car and a truck
    mesh = vehicle_mesh(v, info).reshape(2, VEHICLE_VERTICES)
    half = VEHICLE_VERTICES // 2
    for i in range(2):
        np.testing.assert_allclose(mesh[i, :half]["color"], np.broadcast_to(info.colors[i], (half, 3)))
        roof = mesh[i, half:]["normal"][:, 2] > 0.5
        np.testing.assert_allclose(mesh[i, half:][roof]["color"], np.tile(info.colors[i], (roof.sum(), 1)))
    car_walls = mesh[0, half:]["color"][mesh[0, half:]["normal"][:, 2] < 0.5]
    assert np.all(car_walls.sum(1) < 0.2)            # windows
