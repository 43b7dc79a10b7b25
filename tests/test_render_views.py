"""Whole camera views against independent answers: the exported calibration with cv2.projectPoints,
signal heads showing their group's state, fixed and bird's-eye cameras, user meshes, seeded effects."""
from __future__ import annotations

import dataclasses
import json
import math

import cv2
import numpy as np
import pytest

from scenariosim.batch.job import render_scenario
from scenariosim.render.views import CameraView
from scenariosim.roads import build
from scenariosim.roads.network import Prop, TrafficLight
from scenariosim.sensors.camera import camera_from_spec
from scenariosim.spec import ActorSpec, CameraSpec, EnvironmentSpec, HighwaySpec, ScenarioSpec, validate
from scenariosim.taxonomy import BUILDING, TRAFFIC_LIGHT
from scenes import make_spec, make_world

DAY = EnvironmentSpec()
WALL = Prop("building", (40.0, 0.0, 0.0), (2.0, 6.0, 4.0), 0.0)    # its −x face: 6 m wide, 4 m tall, at x = 39


def wall_network():
    network = build((HighwaySpec(name="main", length=200.0, lanes=3),))
    return dataclasses.replace(network, props=(WALL,))


def face_outline(samples: int = 400) -> np.ndarray:
    """(4·samples, 3) points [m] densely along the outline of the wall's face towards −x."""
    x = WALL.position[0] - WALL.size[0] / 2
    y0, y1, z0, z1 = -3.0, 3.0, 0.0, 4.0
    t = np.linspace(0.0, 1.0, samples, endpoint=False)
    edges = [np.stack([np.full_like(t, x), y0 + (y1 - y0) * t, np.full_like(t, z0)], 1),
             np.stack([np.full_like(t, x), np.full_like(t, y1), z0 + (z1 - z0) * t], 1),
             np.stack([np.full_like(t, x), y1 - (y1 - y0) * t, np.full_like(t, z1)], 1),
             np.stack([np.full_like(t, x), np.full_like(t, y0), z1 - (z1 - z0) * t], 1)]
    return np.concatenate(edges)


def polygon_centroid(p: np.ndarray) -> np.ndarray:
    x, y = p[:, 0], p[:, 1]
    xn, yn = np.roll(x, -1), np.roll(y, -1)
    cross = x * yn - xn * y
    area = cross.sum() / 2
    return np.array([((x + xn) * cross).sum(), ((y + yn) * cross).sum()]) / (6 * area)


@pytest.mark.gl
@pytest.mark.parametrize("distortion", [(0.0, 0.0, 0.0, 0.0, 0.0), (-0.3, 0.09, 0.002, -0.001, -0.01),
                                        (0.15, 0.02, 0.0, 0.0, 0.0)])
def test_a_face_lands_where_projectpoints_puts_it_with_the_exported_calibration(distortion):
    """A wall face seen from in front by a fixed camera with a lens (only that face visible): the centroid of its pixels equals, within
    0.5 px, the centroid of its outline projected by cv2.projectPoints with the camera's K, R, t and
    distortion coefficients (as the manifest exports them); the face's depth is its distance."""
    network = wall_network()
    spec = CameraSpec(name="c", position=(29.0, -1.5, 2.0), yaw=math.radians(12.0), fov=math.radians(80.0),
                      width=160, height=120, distortion=distortion)
    world, info = make_world(make_spec([]))
    camera = camera_from_spec(spec, None)
    view = CameraView(spec, network)
    try:
        frame = view.render(world, info, DAY, camera, 0.0, np.random.default_rng(0))
    finally:
        view.release()
    assert frame.rgb.shape == (120, 160, 3) and frame.camera is camera
    wall = frame.class_id == BUILDING
    assert 400 < wall.sum() and not wall[:, [0, -1]].any() and not wall[[0, -1]].any()   # all of it in view
    rvec, _ = cv2.Rodrigues(camera.R)
    uv, _ = cv2.projectPoints(face_outline(), rvec, camera.t, camera.K, np.asarray(distortion))
    expected = polygon_centroid(uv[:, 0])
    rows, cols = np.nonzero(wall)
    error = np.hypot(cols.mean() - expected[0], rows.mean() - expected[1])
    assert error < 0.5
    # depth at the centre pixel: where its ray (unit optical depth) meets the face's plane x = 39 m
    row, col = int(round(expected[1])), int(round(expected[0]))
    xn = camera.undistort((np.array([[col, row]]) - camera.K[[0, 1], 2]) / np.diag(camera.K)[:2])[0]
    direction = camera.R.T @ np.array([xn[0], xn[1], 1.0])
    assert frame.depth[row, col] == pytest.approx((39.0 - camera.position[0]) / direction[0], rel=1e-3)


@pytest.mark.gl
def test_signal_heads_show_their_groups_state():
    """A signal head whose lane is in group 0: its lit lamp is the red one, the amber or the green one as
    the state says (the brightest lamp pixels move down the head), and its class never changes."""
    network = build((HighwaySpec(name="main", length=200.0, lanes=1),))
    light = TrafficLight(position=np.array([30.0, 3.0, 4.0]), heading=math.pi, lanes=(0,))
    network = dataclasses.replace(network, traffic_lights=(light,))
    world, info = make_world(make_spec([], lanes=1))
    lanes = world.lanes._replace(signal=np.zeros_like(world.lanes.signal))      # every lane in group 0
    spec = CameraSpec(name="c", position=(26.0, 3.0, 4.0), fov=math.radians(30.0), width=64, height=96)
    camera = camera_from_spec(spec, None)
    view = CameraView(spec, network, lanes)
    rows = []
    try:
        for state in (0, 1, 2):
            f = view.render(world._replace(lanes=lanes), info, DAY, camera, 0.0, np.random.default_rng(0),
                            signals=np.array([state], dtype=np.int8))
            head = f.class_id == TRAFFIC_LIGHT
            assert head.sum() > 100
            bright = f.rgb.astype(int).sum(2) * head
            rows.append(np.nonzero(bright >= bright.max() - 10)[0].mean())
            if state == 0:
                first = f.class_id.copy()
            assert np.array_equal(f.class_id, first)
    finally:
        view.release()
    assert rows[0] < rows[1] < rows[2]                     # red on top, amber, green at the bottom


@pytest.mark.gl
def test_a_birdseye_camera_sees_the_mount_from_above_with_its_heading_up(tmp_path):
    """Rendered through a scenario: the bird's-eye camera on ego sees the lead car above the image centre
    (ahead = image top), and the manifest exports every camera's K and distortion."""
    spec = validate(ScenarioSpec(
        name="top", duration=0.1, timestep=0.05, roads=(HighwaySpec(name="main", length=300.0, lanes=2),),
        actors=(ActorSpec(name="ego", kind="car", road="main", lane=1, s=50.0, speed=10.0),
                ActorSpec(name="lead", kind="car", road="main", lane=1, s=65.0, speed=10.0)),
        cameras=(CameraSpec(name="top", mount="ego", position=(0.0, 0.0, 30.0), view="birdseye",
                            fov=math.radians(70.0), width=64, height=64, rate=10.0),
                 CameraSpec(name="fixed", position=(40.0, 10.0, 6.0), yaw=math.radians(-60.0), pitch=math.radians(-15.0),
                            distortion=(-0.2, 0.05, 0.0, 0.0, 0.0), width=48, height=32, rate=10.0))))
    out = tmp_path / "ds"
    render_scenario(spec, out, progress=False)
    instance = cv2.imread(str(out / "instance" / "top" / "000000.png"), cv2.IMREAD_UNCHANGED)
    lead = np.argwhere(instance == 2)
    assert len(lead) > 10 and lead[:, 0].mean() < 32 - 5 and abs(lead[:, 1].mean() - 31.5) < 4
    assert not np.any(instance == 1)                       # the mount is not drawn
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["cameras"]["fixed"]["dist"] == [-0.2, 0.05, 0.0, 0.0, 0.0]
    assert manifest["cameras"]["top"]["dist"] == [0.0] * 5


@pytest.mark.gl
def test_effects_are_seeded_per_frame_and_never_touch_labels(tmp_path):
    """Rain, noise and vignetting: the same scenario renders byte-identical images twice; the labels equal
    those of the same scenario without effects."""
    base = make_spec([("ego", "car", 2, 50.0, 10.0), ("lead", "van", 2, 70.0, 10.0)],
                     cameras=[CameraSpec(name="f", mount="ego", width=64, height=48, rate=10.0)], duration=0.1)
    wet = dataclasses.replace(base, environment=EnvironmentSpec(rain=20e-3 / 3600, wetness=0.8),
                              cameras=(dataclasses.replace(base.cameras[0], noise=0.03, vignetting=0.3),))
    for name, spec in (("a", wet), ("b", wet), ("plain", dataclasses.replace(wet, cameras=base.cameras))):
        render_scenario(spec, tmp_path / name, progress=False)
    read = lambda name, kind: (tmp_path / name / kind / "f" / "000001.png").read_bytes()   # noqa: E731
    assert read("a", "images") == read("b", "images") != read("plain", "images")
    for kind in ("semantic", "instance"):
        assert read("a", kind) == read("plain", kind)


@pytest.mark.gl
def test_an_actor_drawn_with_a_user_mesh_fills_its_box(tmp_path):
    trimesh = pytest.importorskip("trimesh")
    path = tmp_path / "block.glb"
    trimesh.creation.box(extents=(2.0, 1.0, 3.0)).export(path)            # any size: scaled to the box
    spec = make_spec([("a", "car", 2, 100.0, 0.0)])
    spec = dataclasses.replace(spec, actors=(dataclasses.replace(spec.actors[0], mesh=str(path)),))
    world, info = make_world(spec)
    v = world.vehicles
    cam_spec = CameraSpec(name="c", position=(float(v.x[0]) - 12.0, float(v.y[0]), 1.0), width=96, height=64,
                          fov=math.radians(40.0))
    view = CameraView(cam_spec, build(spec.roads))
    try:
        f = view.render(world, info, DAY, camera_from_spec(cam_spec, None), 0.0, np.random.default_rng(0))
    finally:
        view.release()
    camera = f.camera
    # a box mesh fills the actor's box: its rear face is the whole projected rectangle of the box's rear
    corners = np.array([[v.x[0] - v.length[0] / 2, v.y[0] + sy * v.width[0] / 2, z]
                        for sy in (-1, 1) for z in (0.0, v.height[0])])
    uv = camera.project(corners)
    rows, cols = np.nonzero(f.instance == 1)
    assert abs(cols.min() - uv[:, 0].min()) <= 1 and abs(cols.max() - uv[:, 0].max()) <= 1
    assert abs(rows.min() - uv[:, 1].min()) <= 1 and abs(rows.max() - uv[:, 1].max()) <= 1


FOLDING_LENS = """\
scenario lens:
    seed: 1
    duration: 0.2 s
    timestep: 0.05 s
    road main = highway(length: 300 m, lanes: 2)
    actor ego: car
        at: lane(main, 1), s 50 m
        speed: 10 m/s
    camera wide on ego:
        fov: 120 deg
        size: 64x48
        distortion: (-0.9, 0.0)
"""


def test_a_lens_that_folds_over_is_reported_by_check_and_render_without_a_dataset(tmp_path):
    """check names the camera and points at its distortion line; render exits 1 before writing anything."""
    import subprocess
    import sys

    path = tmp_path / "lens.scn"
    path.write_text(FOLDING_LENS)
    check = subprocess.run([sys.executable, "-m", "scenariosim", "check", str(path)], capture_output=True, text=True)
    assert check.returncode == 1 and "Traceback" not in check.stderr
    assert "lens.scn:12:" in check.stderr and "camera 'wide'" in check.stderr and "folds over" in check.stderr
    out = tmp_path / "ds"
    render = subprocess.run([sys.executable, "-m", "scenariosim", "render", str(path), "--out", str(out), "--quiet"],
                            capture_output=True, text=True)
    assert render.returncode == 1 and "camera 'wide'" in render.stderr and "Traceback" not in render.stderr
    assert not out.exists() and not any(p.name.startswith(".ds") for p in tmp_path.iterdir())
