"""Object labels on constructed scenes with known answers: a box half behind a wall, a box cut in half
by the image's edge, 3D boxes against cv2.projectPoints, the filter, and COCO self-evaluation."""
from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np
import pytest

from scenariosim.labels.objects import amodal_boxes, box_corners, kitti_boxes, object_labels
from scenariosim.render import Renderer
from scenariosim.render.elevation import lane_elevation
from scenariosim.roads import build
from scenariosim.roads.network import Prop
from scenariosim.sensors import Camera, intrinsics
from scenariosim.spec import EnvironmentSpec
from scenes import look_at, make_spec, make_world

trimesh = pytest.importorskip("trimesh")
DAY = EnvironmentSpec()
W, H = 160, 120


def box_actor_world(tmp_path, s=100.0):
    """A 4 × 2 × 1.5 m actor drawn as an exact box (a box mesh), alone on lane 1 of a highway."""
    path = tmp_path / "box.glb"
    trimesh.creation.box(extents=(1.0, 1.0, 1.0)).export(path)
    spec = make_spec([("box", "car", 1, s, 0.0)])
    actor = dataclasses.replace(spec.actors[0], mesh=str(path), size=(4.0, 2.0, 1.5))
    spec = dataclasses.replace(spec, actors=(actor,))
    world, info = make_world(spec)
    return spec, world, info


def side_camera(x: float, y: float, distance: float, shift: float = 0.0) -> Camera:
    """A level camera `distance` m to the right of (x, y) looking left (+y) at height 0.75 m, its centre
    moved `shift` m along +x."""
    eye = np.array([x + shift, y - distance, 0.75])
    R = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])    # x right = +x, y down = −z, z = +y
    return Camera(K=intrinsics(math.radians(60.0), W, H), R=R, t=-R @ eye, width=W, height=H)


def labels_for(network, world, info, camera):
    v = world.vehicles
    with Renderer(camera.width, camera.height) as r:
        r.set_road(network, world.lanes)
        frame = r.render(v, info, DAY, camera, 0.0, lanes=world.lanes, coverage=True)
    z = lane_elevation(world.lanes, v.lane, v.s)
    return frame, object_labels(frame, v, info, z, [""] * len(v.x))


@pytest.mark.gl
def test_a_box_exactly_half_behind_a_wall_is_half_occluded(tmp_path):
    """The wall's edge lies on the ray through the box's centre: it hides exactly the left half."""
    spec, world, info = box_actor_world(tmp_path)
    v = world.vehicles
    x, y = float(v.x[0]), float(v.y[0])
    wall = Prop("building", (x - 10.0, y - 6.0, 0.0), (20.0, 0.4, 5.0), 0.0)      # x from x − 20 to x, 6 m in front
    network = dataclasses.replace(build(spec.roads), props=(wall,))
    frame, labels = labels_for(network, world, info, side_camera(x, y, 12.0))
    assert labels.instance.tolist() == [1]
    assert labels.unoccluded[0] > 500 and labels.truncation[0] == 0.0
    assert labels.visible[0] == labels.unoccluded[0] // 2
    assert labels.occlusion[0] == pytest.approx(0.5, abs=1e-3)
    assert labels.occluders.tolist() == [[0, 1, labels.unoccluded[0] - labels.visible[0]]]
    # the tight box is the right half of the amodal box
    x0, y0, x1, y1 = labels.amodal_clipped[0]
    assert labels.box[0, 0] == round((x0 + x1) / 2) and abs(labels.box[0, 2] - x1) <= 1


@pytest.mark.gl
@pytest.mark.parametrize("shift", [6.3, 7.0, 7.6])
def test_a_box_cut_by_the_image_edge_is_truncated_by_its_share_outside(tmp_path, shift):
    """The image's left edge cuts the box: its truncation is the share of its silhouette (the convex hull
    of its projected corners, computed with shapely) that lies outside the image, to the pixel."""
    import shapely

    spec, world, info = box_actor_world(tmp_path)
    v = world.vehicles
    x, y = float(v.x[0]), float(v.y[0])
    camera = side_camera(x, y, 12.0, shift=shift)
    frame, labels = labels_for(build(spec.roads), world, info, camera)
    corners = box_corners(v.x, v.y, np.zeros(1), v.heading, v.length, v.width, v.height)[0]
    hull = shapely.MultiPoint(camera.project(corners) + 0.5).convex_hull
    outside = 1.0 - hull.intersection(shapely.box(0, 0, W, H)).area / hull.area
    assert 0.2 < outside < 0.8
    assert labels.truncation[0] == pytest.approx(outside, abs=0.02)
    assert labels.occlusion[0] == pytest.approx(0.0, abs=1e-3)
    assert labels.amodal[0, 0] < -10 and labels.amodal_clipped[0, 0] == 0.0
    assert labels.box[0, 0] == 0


@pytest.mark.gl
def test_two_cars_one_hiding_the_other_fill_the_occluder_table(tmp_path):
    network_spec = make_spec([("near", "car", 2, 100.0, 0.0), ("far", "van", 2, 108.0, 0.0)])
    world, info = make_world(network_spec)
    camera = look_at([90.0, 0.0, 1.8], [110.0, 0.0, 1.0], W, H, 50.0)
    frame, labels = labels_for(build(network_spec.roads), world, info, camera)
    near, far = (list(labels.instance).index(i) for i in (1, 2))
    assert labels.occlusion[near] < 0.02 < labels.occlusion[far]
    hidden_by_near = [r for r in labels.occluders.tolist() if r[:2] == [1, 2]]
    assert hidden_by_near and hidden_by_near[0][2] <= labels.unoccluded[far] - labels.visible[far]
    # every pixel of the far van that does not show is accounted for, by the near car or the static scene
    hidden = sum(r[2] for r in labels.occluders.tolist() if r[1] == 2)
    assert hidden == labels.unoccluded[far] - labels.visible[far]


def test_kitti_boxes_project_onto_the_amodal_box_through_projectpoints():
    """Corners built the devkit's way from location/dimensions/rotation_y, projected with
    cv2.projectPoints (K and distortion), bound the amodal box within 1 px (a level camera, as KITTI's
    boxes assume: their vertical is the camera's −y)."""
    rng = np.random.default_rng(5)
    for dist in ((0.0,) * 5, (-0.2, 0.05, 0.001, 0.0, 0.0)):
        camera = look_at([0.0, 0.0, 1.6], [30.0, 2.0, 1.6], 320, 240, 70.0)
        camera = dataclasses.replace(camera, dist=np.array(dist))
        n = 12
        x, y = rng.uniform(12, 40, n), rng.uniform(-5, 9, n)
        heading, z = rng.uniform(-np.pi, np.pi, n), np.zeros(n)
        length, width, height = rng.uniform(3, 10, n), rng.uniform(1.5, 2.6, n), rng.uniform(1.4, 3.5, n)
        location, dims, ry, alpha = kitti_boxes(x, y, z, heading, length, width, height, camera)
        amodal = amodal_boxes(box_corners(x, y, z, heading, length, width, height), camera)
        for k in range(n):
            h, w, l = dims[k]
            cx = np.array([l, l, -l, -l, l, l, -l, -l]) / 2
            cy = np.array([0, 0, 0, 0, -h, -h, -h, -h])
            cz = np.array([w, -w, -w, w, w, -w, -w, w]) / 2
            c, s = math.cos(ry[k]), math.sin(ry[k])
            pts = np.stack([c * cx + s * cz, cy, -s * cx + c * cz], 1) + location[k]
            edges = np.concatenate([pts[a] + np.linspace(0, 1, 9)[:, None] * (pts[b] - pts[a])
                                    for a, b in ((0, 1), (1, 2), (2, 3), (3, 0), (4, 5), (5, 6), (6, 7), (7, 4),
                                                 (0, 4), (1, 5), (2, 6), (3, 7))])
            uv, _ = cv2.projectPoints(edges, np.zeros(3), np.zeros(3), camera.K, np.array(dist))
            uv = uv[:, 0] + 0.5
            np.testing.assert_allclose([uv[:, 0].min(), uv[:, 1].min(), uv[:, 0].max(), uv[:, 1].max()], amodal[k],
                                       atol=1.0)
            assert alpha[k] == pytest.approx((ry[k] - math.atan2(location[k, 0], location[k, 2]) + math.pi)
                                             % (2 * math.pi) - math.pi)


def test_rotation_y_is_zero_for_a_car_heading_along_the_camera_x_axis():
    camera = look_at([0.0, 0.0, 1.5], [20.0, 0.0, 1.5], 64, 48, 60.0)      # looking +x: camera x = world −y
    one = np.ones(1)
    _, _, ry, _ = kitti_boxes(20 * one, 0 * one, 0 * one, np.array([-math.pi / 2]), 4 * one, 2 * one, 1.5 * one,
                              camera)
    assert ry[0] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.gl
def test_pixel_counts_are_ordered_for_every_actor_near_and_far():
    """visible ≤ unoccluded ≤ total for every object, small far ones (drawn as boxes) included, and the
    visible count equals the instance image's."""
    actors = [(f"a{i}", kind, 1 + i % 3, 60.0 + 9.0 * i, 0.0)
              for i, kind in enumerate(["car", "cone", "pedestrian", "truck", "cone", "bicycle", "bus", "debris"] * 6)]
    spec = make_spec(actors, length=1000.0)
    world, info = make_world(spec)
    camera = look_at([40.0, -2.0, 1.5], [200.0, 1.0, 1.0], W, H, 60.0)
    frame, labels = labels_for(build(spec.roads), world, info, camera)
    assert len(labels.instance) > 20 and np.any(labels.visible < 10)
    assert np.all(labels.visible <= labels.unoccluded) and np.all(labels.unoccluded <= labels.total)
    np.testing.assert_array_equal(labels.visible, np.bincount(frame.instance.ravel(), minlength=len(actors) + 1)
                                  [labels.instance])


@pytest.mark.gl
def test_the_filter_flags_objects_below_its_thresholds_as_ignore_regions():
    actors = [(f"a{i}", "car", 1 + i % 3, 60.0 + 25.0 * i, 0.0) for i in range(8)]
    spec = make_spec(actors, length=1000.0)
    world, info = make_world(spec)
    camera = look_at([40.0, -2.0, 1.5], [200.0, 1.0, 1.0], W, H, 60.0)
    v = world.vehicles
    with Renderer(W, H) as r:
        r.set_road(build(spec.roads), world.lanes)
        frame = r.render(v, info, DAY, camera, 0.0, lanes=world.lanes, coverage=True)
    z = lane_elevation(world.lanes, v.lane, v.s)

    def flags(**kw):
        return object_labels(frame, v, info, z, [""] * len(v.x), **kw)
    default = flags()
    assert np.array_equal(default.ignore, (default.visible < 16) | (default.visibility < 0.1))
    assert default.ignore.any() and not default.ignore.all()
    assert not flags(min_pixels=1, min_visibility=0.0).ignore[default.visible > 0].any()
    assert flags(min_pixels=10 ** 6).ignore.all()
    strict = flags(min_visibility=0.9)
    assert np.array_equal(strict.ignore, (strict.visible < 16) | (strict.visible / strict.total < 0.9))


@pytest.mark.gl
@pytest.mark.parametrize("distortion, cut", [((0.3, 0.0, 0.0, 0.0, 0.0), True), ((-0.25, 0.06, 0.0, 0.0, 0.0), False)])
def test_with_a_lens_the_ratios_are_those_of_the_part_the_image_shows(tmp_path, distortion, cut):
    """A dense street through a pincushion and a barrel lens: every object's visibility is at most 1 and
    its counts ordered; through the pincushion lens a parked car cut by the image's edge is truncated;
    the written dataset validates."""
    import json

    from scenariosim.batch import render_scenario
    from scenariosim.dataset.validate import validate_dataset
    from scenariosim.dsl import load
    from scenariosim.spec import sample

    spec = sample(load("scenarios/bench_street.scn"))
    camera = dataclasses.replace(spec.cameras[0], width=320, height=180, distortion=distortion, fov=math.radians(100))
    spec = dataclasses.replace(spec, cameras=(camera,), duration=0.1)
    out = tmp_path / "ds"
    render_scenario(spec, out, max_frames=1, progress=False, formats=("coco", "kitti"))
    assert validate_dataset(out) == []
    objects = json.loads((out / "frames" / camera.name / "000000.json").read_text())["objects"]
    assert len(objects) > 10
    for o in objects:
        assert 0.0 <= o["visibility"] <= 1.0 and o["unoccluded"] <= o["total"]
        assert o["amodal_clipped"][3] - o["amodal_clipped"][1] <= 180
    if cut:
        assert any(o["truncation"] > 0.05 and o["amodal_clipped"][0] == 0.0 for o in objects)


@pytest.mark.gl
def test_an_actor_wholly_behind_a_wall_is_an_ignore_region_with_no_pixels(tmp_path):
    spec, world, info = box_actor_world(tmp_path)
    v = world.vehicles
    x, y = float(v.x[0]), float(v.y[0])
    wall = Prop("building", (x, y - 6.0, 0.0), (30.0, 0.4, 8.0), 0.0)       # hides it all
    network = dataclasses.replace(build(spec.roads), props=(wall,))
    frame, labels = labels_for(network, world, info, side_camera(x, y, 12.0))
    assert labels.instance.tolist() == [1] and labels.visible[0] == 0 and labels.unoccluded[0] > 500
    assert labels.occlusion[0] == 1.0 and labels.ignore[0] and labels.box[0].tolist() == [0, 0, 0, 0]
    assert labels.occluders.tolist() == [[0, 1, labels.unoccluded[0]]]
