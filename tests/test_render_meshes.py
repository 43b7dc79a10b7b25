"""Render meshes without GL: vertex counts, areas, normals, ids and where the geometry lies."""
from __future__ import annotations


import numpy as np
import pytest
import shapely

from scenariosim.render.meshes import (MARKING_Z, TERRAIN_MARGIN, TERRAIN_Z, marking_mesh, polygon_triangles,
                                       road_mesh, sky_triangle, static_mesh, terrain_mesh)
from scenariosim.roads import build
from scenariosim.roads.geometry import dash_intervals
from scenariosim.spec import HighwaySpec
from scenariosim.taxonomy import LANE_MARKING, ROAD, SKY, TERRAIN

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
    mesh = static_mesh(network)
    np.testing.assert_allclose(np.linalg.norm(mesh["normal"], axis=1), 1.0, atol=1e-6)
