"""KITTI object labels and calibration, read back with a tiny devkit-style reader and checked against an
independent projection (cv2.projectPoints of world-frame boxes)."""
from __future__ import annotations

import math
import re

import cv2
import numpy as np
import pytest

from scenariosim.dataset import kitti
from scenariosim.labels.objects import ObjectLabels, empty_labels
from scenariosim.sensors.camera import BODY_TO_CV, Camera, intrinsics
from scenariosim.sensors.frame import Frame

W, H = 640, 480
KITTI_TYPES = {"Car", "Van", "Truck", "Pedestrian", "Person_sitting", "Cyclist", "Tram", "Misc", "DontCare"}
TWO_DECIMALS = re.compile(r"^-?\d+\.\d\d$")


def level_camera(height=1.5, dist=None) -> Camera:
    """A camera at (0, 0, height) looking along world +x, level, 90° horizontal field of view."""
    R = BODY_TO_CV.copy()                                   # world axes = body axes here
    centre = np.array([0.0, 0.0, height])
    kw = {} if dist is None else {"dist": np.asarray(dist, dtype=np.float64)}
    return Camera(K=intrinsics(math.pi / 2, W, H), R=R, t=-R @ centre, width=W, height=H, **kw)


def world_corners(bottom, heading, length, width, height) -> np.ndarray:
    """(8, 3) corners of a box standing on the ground at ``bottom`` (x, y, z), yawed by heading about +z."""
    c, s = math.cos(heading), math.sin(heading)
    local = np.array([[sx * length / 2, sy * width / 2, sz * height]
                      for sx in (-1, 1) for sy in (-1, 1) for sz in (0, 1)])
    return local @ np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]).T + np.asarray(bottom, dtype=np.float64)


def wrap(a):
    return (a + math.pi) % (2 * math.pi) - math.pi


def make_labels(camera: Camera, objects: list[dict]) -> ObjectLabels:
    """ObjectLabels built by hand: the amodal box from cv2.projectPoints of the world corners (continuous
    convention: OpenCV pixel centre u → edge coordinate u + 0.5), KITTI fields from the world box."""
    rvec, _ = cv2.Rodrigues(camera.R)
    rows = []
    for o in objects:
        corners = world_corners(o["bottom"], o["heading"], *o["lwh"])
        uv, _ = cv2.projectPoints(corners, rvec, camera.t, camera.K, np.zeros(5))
        uv = uv.reshape(-1, 2) + 0.5
        amodal = np.array([uv[:, 0].min(), uv[:, 1].min(), uv[:, 0].max(), uv[:, 1].max()])
        clipped = np.clip(amodal, 0, [W, H, W, H])
        loc = camera.R @ np.asarray(o["bottom"], dtype=np.float64) + camera.t
        d = camera.R @ np.array([math.cos(o["heading"]), math.sin(o["heading"]), 0.0])
        ry = math.atan2(-d[2], d[0])                         # devkit: R_y(ry)·(1, 0, 0) = (cos ry, 0, −sin ry)
        length, width, height = o["lwh"]
        rows.append(dict(amodal=amodal, clipped=clipped, loc=loc, dims=(height, width, length), ry=ry,
                         alpha=wrap(ry - math.atan2(loc[0], loc[2]))))
    k = len(objects)
    f = np.zeros(k)
    return ObjectLabels(
        instance=np.arange(1, k + 1, dtype=np.uint32),
        class_id=np.array([o["class_id"] for o in objects], np.uint8),
        name=tuple(f"a{i}" for i in range(k)),
        box=np.round([r["clipped"] for r in rows]).astype(np.int64).reshape(k, 4),
        amodal=np.array([r["amodal"] for r in rows]).reshape(k, 4),
        amodal_clipped=np.array([r["clipped"] for r in rows]).reshape(k, 4),
        visible=np.full(k, 100, np.int64), unoccluded=np.full(k, 100, np.int64), total=np.full(k, 100, np.int64),
        occlusion=np.array([o.get("occlusion", 0.0) for o in objects], np.float64),
        truncation=np.array([o.get("truncation", 0.0) for o in objects], np.float64),
        location=np.array([r["loc"] for r in rows]).reshape(k, 3),
        dimensions=np.array([r["dims"] for r in rows], np.float64).reshape(k, 3),
        rotation_y=np.array([r["ry"] for r in rows]), alpha=np.array([r["alpha"] for r in rows]),
        speed=f, lane=np.full(k, -1, np.int64), behavior=("",) * k,
        ignore=np.array([o.get("ignore", False) for o in objects], bool), occluders=np.zeros((0, 3), np.int64))


def frame_for(camera: Camera) -> Frame:
    return Frame(rgb=np.zeros((H, W, 3), np.uint8), class_id=np.zeros((H, W), np.uint8),
                 instance=np.zeros((H, W), np.uint32), depth=np.full((H, W), np.inf, np.float32),
                 normal=np.zeros((H, W, 3), np.float16), camera=camera, time=0.0)


def read_label(path) -> list[dict]:
    """A tiny KITTI label reader, as the devkit's readLabels.m: 15 space-separated fields a line."""
    out = []
    for line in path.read_text().splitlines():
        f = line.split(" ")
        assert len(f) == 15, line
        out.append({"type": f[0], "truncated": float(f[1]), "occluded": int(f[2]), "alpha": float(f[3]),
                    "bbox": np.array(f[4:8], float), "hwl": np.array(f[8:11], float),
                    "location": np.array(f[11:14], float), "ry": float(f[14]), "raw": f})
    return out


def read_calib(path) -> dict[str, np.ndarray]:
    out = {}
    for line in path.read_text().splitlines():
        key, values = line.split(":", 1)
        out[key] = np.array(values.split(), float)
    return out


def devkit_box(obj: dict, P2: np.ndarray) -> np.ndarray:
    """computeBox3D.m: the 8 corners from h, w, l, location and ry, projected with P2 → (x0, y0, x1, y1)."""
    h, w, l = obj["hwl"]
    x = [l / 2, l / 2, -l / 2, -l / 2, l / 2, l / 2, -l / 2, -l / 2]
    y = [0, 0, 0, 0, -h, -h, -h, -h]
    z = [w / 2, -w / 2, -w / 2, w / 2, w / 2, -w / 2, -w / 2, w / 2]
    c, s = math.cos(obj["ry"]), math.sin(obj["ry"])
    Ry = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    X = Ry @ np.array([x, y, z]) + obj["location"].reshape(3, 1)
    p = P2 @ np.vstack([X, np.ones(8)])
    u, v = p[0] / p[2], p[1] / p[2]
    return np.array([u.min(), v.min(), u.max(), v.max()])


SCENE = [
    dict(class_id=26, bottom=(15.0, 2.0, 0.0), heading=0.4, lwh=(4.5, 1.8, 1.5)),          # car, in view
    dict(class_id=24, bottom=(10.0, -1.5, 0.0), heading=-2.0, lwh=(0.6, 0.6, 1.8)),        # pedestrian
    dict(class_id=26, bottom=(8.0, 8.5, 0.0), heading=1.2, lwh=(4.5, 1.8, 1.5),            # car cut by the left edge
         truncation=0.3, occlusion=0.2),
    dict(class_id=33, bottom=(20.0, -3.0, 0.0), heading=3.0, lwh=(1.8, 0.6, 1.75), occlusion=0.6),  # cyclist
    dict(class_id=28, bottom=(40.0, 5.0, 0.0), heading=0.0, lwh=(12.0, 2.5, 3.2)),         # bus
    dict(class_id=35, bottom=(12.0, 1.0, 0.0), heading=0.0, lwh=(0.4, 0.4, 0.7), ignore=True),  # cone, ignored
    dict(class_id=27, bottom=(30.0, -4.0, 0.0), heading=-0.3, lwh=(8.0, 2.5, 3.5), occlusion=1.0),  # truck, hidden
]


@pytest.fixture
def written(tmp_path):
    camera = level_camera()
    labels = make_labels(camera, SCENE)
    kitti.write_kitti_frame(tmp_path, "front", 7, frame_for(camera), labels)
    base = tmp_path / "kitti" / "front"
    return camera, labels, read_label(base / "label_2" / "000007.txt"), read_calib(base / "calib" / "000007.txt")


def test_lines_have_the_devkit_fields_and_print_format(written):
    _, labels, objs, _ = written
    assert len(objs) == len(SCENE)
    for o in objs:
        assert o["type"] in KITTI_TYPES
        assert re.fullmatch(r"-?\d+", o["raw"][2])
        if o["type"] != "DontCare":
            assert all(TWO_DECIMALS.match(v) for i, v in enumerate(o["raw"][1:]) if i != 1), o["raw"]


def test_types_follow_the_class_mapping_and_dontcare_comes_last(written):
    _, _, objs, _ = written
    assert [o["type"] for o in objs] == ["Car", "Pedestrian", "Car", "Cyclist", "Misc", "Truck", "DontCare"]
    assert kitti.kitti_type(32) == "Cyclist" and kitti.kitti_type(25) == "Cyclist"
    assert [kitti.kitti_type(c) for c in (35, 36, 37, 28)] == ["Misc"] * 4


def test_projected_3d_boxes_land_on_the_2d_boxes(written):
    camera, labels, objs, calib = written
    P2 = calib["P2"].reshape(3, 4)
    for o in objs[:-1]:
        projected = np.clip(devkit_box(o, P2), 0, [W - 1, H - 1, W - 1, H - 1])
        assert np.abs(projected - o["bbox"]).max() < 1.0, (o["type"], projected, o["bbox"])
    # unclipped objects: the written box is the projection itself (only rounding apart)
    car = objs[0]
    assert np.abs(devkit_box(car, P2) - car["bbox"]).max() < 0.3
    assert car["bbox"][2] - car["bbox"][0] == pytest.approx(labels.amodal[0, 2] - labels.amodal[0, 0], abs=0.02)


def test_devkit_corners_are_the_world_box(written):
    """The written location / dimensions / rotation_y rebuild the world box: the devkit's corner layout,
    bottom centre and ry sign agree with cv2.projectPoints of the world corners."""
    camera, labels, objs, calib = written
    P2 = calib["P2"].reshape(3, 4)
    rvec, _ = cv2.Rodrigues(camera.R)
    kept = [spec for spec in SCENE if not spec.get("ignore")]       # the writer keeps their order
    for o, spec in zip(objs[:-1], kept, strict=True):
        uv, _ = cv2.projectPoints(world_corners(spec["bottom"], spec["heading"], *spec["lwh"]),
                                  rvec, camera.t, camera.K, np.zeros(5))
        uv = uv.reshape(-1, 2)
        expected = np.array([uv[:, 0].min(), uv[:, 1].min(), uv[:, 0].max(), uv[:, 1].max()])
        assert np.abs(devkit_box(o, P2) - expected).max() < 0.5


def test_truncated_box_is_clipped_to_the_image(written):
    _, labels, objs, _ = written
    cut = objs[2]
    assert labels.amodal[2, 0] < 0 and cut["bbox"][0] == 0.0
    assert cut["truncated"] == 0.3


def test_alpha_is_rotation_y_minus_the_viewing_angle(written):
    _, _, objs, _ = written
    for o in objs[:-1]:
        x, _, z = o["location"]
        diff = wrap(o["alpha"] - (o["ry"] - math.atan2(x, z)))
        assert abs(diff) < 0.02


def test_occlusion_bins(written):
    _, _, objs, _ = written
    assert [o["occluded"] for o in objs[:-1]] == [0, 0, 1, 2, 0, 3]
    visible = np.array([1.0, 0.95, 0.9499, 0.5, 0.4999, 0.01, 1e-9, 0.0])
    assert kitti.occlusion_bins(1.0 - visible).tolist() == [0, 0, 1, 1, 2, 2, 2, 3]


def test_ignored_objects_are_dontcare_regions(written):
    _, labels, objs, _ = written
    box = np.clip(labels.amodal_clipped[5] - 0.5, 0, [W - 1, H - 1, W - 1, H - 1])
    assert " ".join(objs[-1]["raw"]) == ("DontCare -1 -1 -10 %.2f %.2f %.2f %.2f -1 -1 -1 -1000 -1000 -1000 -10"
                                         % tuple(box))


def test_calib_has_seven_keys_and_a_projecting_p2(written):
    camera, _, _, calib = written
    assert list(calib) == ["P0", "P1", "P2", "P3", "R0_rect", "Tr_velo_to_cam", "Tr_imu_to_velo"]
    assert [len(calib[k]) for k in calib] == [12, 12, 12, 12, 9, 12, 12]
    for key in ("P0", "P1", "P2", "P3"):
        np.testing.assert_allclose(calib[key].reshape(3, 4), np.hstack([camera.K, np.zeros((3, 1))]))
    np.testing.assert_array_equal(calib["R0_rect"].reshape(3, 3), np.eye(3))
    np.testing.assert_array_equal(calib["Tr_imu_to_velo"].reshape(3, 4), np.hstack([np.eye(3), np.zeros((3, 1))]))

    def project(velo):                                     # x = P2 · R0_rect · Tr_velo_to_cam · y
        P2, R0 = calib["P2"].reshape(3, 4), np.eye(4)
        R0[:3, :3] = calib["R0_rect"].reshape(3, 3)
        Tr = np.vstack([calib["Tr_velo_to_cam"].reshape(3, 4), [0, 0, 0, 1]])
        p = P2 @ R0 @ Tr @ np.append(velo, 1.0)
        return p[:2] / p[2]

    cx, cy = camera.K[0, 2], camera.K[1, 2]
    np.testing.assert_allclose(project([10, 0, 0]), [cx, cy])      # forward: the principal point
    assert project([10, 1, 0])[0] < cx                               # left: left of it
    assert project([10, 0, 1])[1] < cy                               # up: above it


def test_velo_to_cam_can_be_given_and_is_checked(tmp_path):
    camera = level_camera()
    tr = np.hstack([BODY_TO_CV, [[0.0], [1.5], [0.0]]])
    text = kitti.calib_text(camera, tr)
    assert text.splitlines()[5] == "Tr_velo_to_cam: " + " ".join(f"{v:.12e}" for v in tr.ravel())
    with pytest.raises(ValueError, match="3, 4"):
        kitti.calib_text(camera, np.eye(4))


def test_empty_frame_gives_an_empty_label_file_and_a_calib(tmp_path):
    camera = level_camera()
    kitti.write_kitti_frame(tmp_path, "front", 0, frame_for(camera), empty_labels())
    assert (tmp_path / "kitti/front/label_2/000000.txt").read_bytes() == b""
    assert len(read_calib(tmp_path / "kitti/front/calib/000000.txt")) == 7


def test_distorted_camera_still_writes_a_pinhole_calib(tmp_path):
    camera = level_camera(dist=[-0.1, 0.01, 0.0, 0.0, 0.0])
    kitti.write_kitti_frame(tmp_path, "wide", 3, frame_for(camera), empty_labels())
    calib = read_calib(tmp_path / "kitti/wide/calib/000003.txt")
    np.testing.assert_allclose(calib["P2"].reshape(3, 4)[:, :3], camera.K)


def test_writing_is_deterministic(tmp_path):
    camera = level_camera()
    labels = make_labels(camera, SCENE)
    for run in ("a", "b"):
        kitti.write_kitti_frame(tmp_path / run, "front", 1, frame_for(camera), labels)
    for sub in ("label_2", "calib"):
        a = (tmp_path / "a/kitti/front" / sub / "000001.txt").read_bytes()
        assert a == (tmp_path / "b/kitti/front" / sub / "000001.txt").read_bytes() and a


def test_non_finite_box_is_refused():
    camera = level_camera()
    labels = make_labels(camera, SCENE[:1])
    labels = labels._replace(amodal_clipped=np.full((1, 4), np.nan))
    with pytest.raises(ValueError, match=r"\[1\]"):
        kitti.label_text(labels, camera)


def test_a_camera_looking_down_gets_no_3d_boxes():
    """KITTI boxes turn about the camera's y axis only: a bird's-eye camera (tilted 90° from level) writes
    the devkit's unknown 3D values and keeps its 2D boxes; a level camera keeps its 3D boxes."""
    level = level_camera()
    labels = make_labels(level, SCENE)
    down = Camera(K=level.K, R=np.array([[0.0, -1.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, -1.0]]), t=level.t,
                  width=level.width, height=level.height)
    assert kitti.camera_tilt(level) == pytest.approx(0.0, abs=1e-9)
    assert kitti.camera_tilt(down) == pytest.approx(math.pi / 2)
    for row_level, row_down in zip(kitti.label_text(labels, level).splitlines(),
                                   kitti.label_text(labels, down).splitlines()):
        f_level, f_down = row_level.split(), row_down.split()
        assert f_down[:3] == f_level[:3] and f_down[4:8] == f_level[4:8]
        if f_down[0] != "DontCare":
            assert f_down[3] == "-10.00" and f_down[8:] == ["-1.00"] * 3 + ["-1000.00"] * 3 + ["-10.00"]
            assert f_level[8] != "-1.00"
