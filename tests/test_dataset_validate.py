"""validate_dataset on a hand-built dataset (valid, then broken in many ways) and on a rendered one; the
writers it checks that have no test file of their own: depth PNGs and the per-frame JSON."""
from __future__ import annotations

import json
import math
import shutil
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from pycocotools import mask as coco_mask

from scenariosim.dataset import cityscapes, depth, files, frame_json, panoptic
from scenariosim.dataset.depth import depth_from_png, depth_to_png, write_depth
from scenariosim.dataset.frame_json import (frame_document, labels_from_document, read_frame_json,
                                            write_frame_json)
from scenariosim.dataset.validate import MAX_VIOLATIONS, validate_dataset
from scenariosim.labels.objects import ObjectLabels
from scenariosim.sensors.camera import Camera, intrinsics
from test_dataset_cityscapes import SKY, scene

CAMERAS = {"front": (40, 24), "rear": (30, 20)}
FRAMES = 3
FORMATS = ["coco", "cityscapes", "panoptic", "depth", "frames", "kitti", "yolo"]


# ---------------------------------------------------------------------------------------------- builders
def camera(w, h) -> Camera:
    R = np.array([[0.0, -1.0, 0.0], [0.0, 0.0, -1.0], [1.0, 0.0, 0.0]])
    return Camera(K=intrinsics(math.radians(70.0), w, h), R=R, t=np.array([0.1, 1.5, -2.0]), width=w, height=h,
                  dist=np.array([-0.1, 0.01, 0.0, 0.0, 0.0]))


def hand_labels(cls, inst) -> ObjectLabels:
    """ObjectLabels that agree with the images: boxes and visible counts from the instance image."""
    tracks = np.unique(inst[inst > 0])
    rows = []
    for i, t in enumerate(tracks):
        ys, xs = np.nonzero(inst == t)
        c = np.bincount(cls[inst == t]).argmax()
        rows.append((t, c, [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], len(xs), i))
    k = len(rows)
    visible = np.array([r[3] for r in rows], np.int64)
    amodal = np.array([[r[2][0] - 1.25, r[2][1] - 0.5, r[2][2] + 2.0004, r[2][3] + 0.1] for r in rows], float).reshape(-1, 4)
    return ObjectLabels(
        instance=tracks.astype(np.uint32), class_id=np.array([r[1] for r in rows], np.uint8),
        name=tuple(f"actor{r[0]}" for r in rows), box=np.array([r[2] for r in rows], np.int64).reshape(-1, 4),
        amodal=amodal, amodal_clipped=np.clip(amodal, 0, None), visible=visible, unoccluded=visible + 3,
        total=visible + 10, occlusion=3 / (visible + 3), truncation=np.full(k, 7 / 13),
        location=np.array([[0.5 * r[4] - 1, 1.5, 10.0 + r[4]] for r in rows]).reshape(-1, 3),
        dimensions=np.tile([1.5, 1.8, 4.5], (k, 1)), rotation_y=np.linspace(-3, 3, k), alpha=np.linspace(-1, 1, k),
        speed=np.full(k, 13.8889), lane=np.arange(k) - 1, behavior=tuple("follow_lane" for _ in rows),
        ignore=np.arange(k) == 1, occluders=np.array([[tracks[0], tracks[-1], 4], [0, tracks[0], 2]], np.int64).reshape(-1, 3))


def frame_images(w, h, k):
    cls, inst = scene()
    cls, inst = np.ascontiguousarray(np.roll(cls, k, axis=1)[:h, :w]), np.ascontiguousarray(np.roll(inst, k, axis=1)[:h, :w])
    d = np.linspace(2.0, 90.0, w * h, dtype=np.float32).reshape(h, w)
    d[cls == SKY] = np.inf
    rgb = np.dstack([cls * 5, inst * 20, np.full_like(cls, 90)]).astype(np.uint8)
    return rgb, cls, inst, d


def build_dataset(root: Path) -> Path:
    """A small dataset with every format, by hand (only pycocotools and our own writers)."""
    images, annotations, layout = [], [], {
        "images": "images/{camera}/{frame:06d}.png", "semantic": "semantic/{camera}/{frame:06d}.png (uint8 class ids)",
        "instance": "instance/{camera}/{frame:06d}.png (uint16)", "coco": "annotations/instances.json",
        **depth.LAYOUT, **cityscapes.LAYOUT, **panoptic.LAYOUT, **frame_json.LAYOUT,
        "kitti_label": "kitti/{camera}/label_2/{frame:06d}.txt", "kitti_calib": "kitti/{camera}/calib/{frame:06d}.txt",
        "yolo": "labels/{camera}/{frame:06d}.txt (YOLO)"}
    builder = panoptic.PanopticBuilder("test")
    for k in range(FRAMES):
        for name, (w, h) in CAMERAS.items():
            rgb, cls, inst, d = frame_images(w, h, k)
            labels = hand_labels(cls, inst)
            stem = f"{name}/{k:06d}"
            files.write_png(root / f"images/{stem}.png", rgb)
            files.write_png(root / f"semantic/{stem}.png", cls)
            files.write_png(root / f"instance/{stem}.png", inst.astype(np.uint16))
            write_depth(root, name, k, d)
            table = cityscapes.write_cityscapes(root, name, k, cls, inst)
            image_id = len(images) + 1
            images.append({"id": image_id, "file_name": f"images/{stem}.png", "width": w, "height": h,
                           "camera": name, "frame": k})
            panoptic.write_panoptic(root, name, k, cls, inst, labels, image_id, f"images/{stem}.png", builder)
            write_frame_json(root, name, k, labels, camera(w, h), 0.1 * k, cityscapes=table)
            for i, t in enumerate(labels.instance):
                rle = coco_mask.encode(np.asfortranarray(inst == t).astype(np.uint8))
                x0, y0, x1, y1 = labels.box[i].tolist()
                annotations.append({"id": len(annotations) + 1, "image_id": image_id,
                                    "category_id": int(labels.class_id[i]), "bbox": [x0, y0, x1 - x0, y1 - y0],
                                    "area": int(labels.visible[i]), "iscrowd": int(labels.ignore[i]),
                                    "segmentation": {"size": rle["size"], "counts": rle["counts"].decode()}})
            (root / f"kitti/{name}/label_2").mkdir(parents=True, exist_ok=True)
            (root / f"kitti/{name}/label_2/{k:06d}.txt").write_text(
                "Car 0.00 0 -1.57 2.00 8.00 13.50 15.50 1.50 1.80 4.50 -1.00 1.50 10.00 -1.57\n"
                "DontCare -1 -1 -10 20.00 15.00 21.50 17.50 -1 -1 -1 -1000 -1000 -1000 -10\n")
            (root / f"kitti/{name}/calib").mkdir(parents=True, exist_ok=True)
            p = " ".join(["1.0"] * 12)
            (root / f"kitti/{name}/calib/{k:06d}.txt").write_text(
                f"P0: {p}\nP1: {p}\nP2: {p}\nP3: {p}\nR0_rect: {' '.join(['1.0'] * 9)}\n"
                f"Tr_velo_to_cam: {p}\nTr_imu_to_velo: {p}\n")
            (root / "labels" / name).mkdir(parents=True, exist_ok=True)
            (root / f"labels/{stem}.txt").write_text("0 0.5 0.5 0.25 0.125\n1 0.1 0.9 0.05 0.05\n")
    categories = [{"id": c, "name": str(c), "supercategory": "x"} for c in (24, 25, 26, 27, 28, 32, 33, 35, 36, 37)]
    files.write_json(root / "annotations/instances.json",
                     {"info": {}, "licenses": [], "images": images, "annotations": annotations, "categories": categories})
    panoptic.write_panoptic_json(root, builder)
    files.write_json(root / files.MANIFEST, {
        "format": files.DATASET_FORMAT, "format_version": 1,
        "cameras": {n: {"width": w, "height": h, "rate_hz": 10.0} for n, (w, h) in CAMERAS.items()},
        "frames": len(images), "annotations": len(annotations), "formats": FORMATS, "layout": layout})
    return root


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return build_dataset(tmp_path_factory.mktemp("valid") / "ds")


@pytest.fixture
def ds(pristine, tmp_path) -> Path:
    """A fresh copy of the valid dataset, to break."""
    return Path(shutil.copytree(pristine, tmp_path / "ds"))


def edit_json(path: Path, change) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def assert_reported(violations, *parts):
    assert any(all(p in v for p in parts) for v in violations), (parts, violations)


# ---------------------------------------------------------------------------------------------- validate
def test_the_hand_built_dataset_is_valid(pristine):
    assert validate_dataset(pristine) == []


def test_a_deleted_frame_is_reported(ds):
    (ds / "images/front/000001.png").unlink()
    (ds / "cityscapes/rear/000002_gtFine_instanceIds.png").unlink()
    v = validate_dataset(ds)
    assert_reported(v, "images/front/000001.png", "missing", "frame 1 of camera 'front'")
    assert_reported(v, "cityscapes/rear/000002_gtFine_instanceIds.png", "missing")
    assert_reported(v, "annotations/instances.json", "images/front/000001.png is missing")


def test_a_broken_bbox_is_reported(ds):
    def widen(doc):
        doc["annotations"][2]["bbox"][2] = 100
    edit_json(ds / "annotations/instances.json", widen)
    assert_reported(validate_dataset(ds), "annotations/instances.json", "annotation 3", "bbox", "leaves the 40×24 image")


def test_a_box_that_is_not_the_mask_extent_is_reported(ds):
    def shift(doc):
        doc["annotations"][0]["bbox"][1] += 1
        doc["annotations"][0]["bbox"][3] -= 1
    edit_json(ds / "annotations/instances.json", shift)
    assert_reported(validate_dataset(ds), "annotations/instances.json", "annotation 1", "its RLE mask spans")


def test_a_wrong_area_is_reported(ds):
    def grow(doc):
        doc["annotations"][4]["area"] += 1
    edit_json(ds / "annotations/instances.json", grow)
    assert_reported(validate_dataset(ds), "annotations/instances.json", "annotation 5", "RLE mask has")


def test_uncompressed_rle_is_checked_with_and_without_pycocotools(ds, monkeypatch):
    def uncompress(doc):
        for ann in doc["annotations"][:2]:
            mask = coco_mask.decode({"size": ann["segmentation"]["size"],
                                     "counts": ann["segmentation"]["counts"].encode()})
            flat = mask.ravel(order="F")
            change = np.flatnonzero(np.diff(flat)) + 1
            counts = np.diff(np.concatenate(([0], change, [flat.size]))).tolist()
            ann["segmentation"]["counts"] = ([0] if flat[0] else []) + counts
        doc["annotations"][1]["area"] += 2
    edit_json(ds / "annotations/instances.json", uncompress)
    expected = "annotations/instances.json: annotation 2 (image 1, images/front/000000.png): area"
    assert [v for v in validate_dataset(ds) if "instances.json" in v] == [
        f"{expected} {json.loads((ds / 'annotations/instances.json').read_text())['annotations'][1]['area']} "
        f"but its RLE mask has {json.loads((ds / 'annotations/instances.json').read_text())['annotations'][1]['area'] - 2} pixels"]
    monkeypatch.setitem(sys.modules, "pycocotools", None)          # pycocotools is a test extra only
    monkeypatch.setitem(sys.modules, "pycocotools.mask", None)
    monkeypatch.setitem(sys.modules, "pycocotools.coco", None)
    assert [v for v in validate_dataset(ds) if "instances.json" in v][0].startswith(expected)


def test_unknown_ids_and_duplicates_are_reported(ds):
    def damage(doc):
        doc["annotations"][0]["category_id"] = 99
        doc["annotations"][1]["image_id"] = 1234
        doc["images"][1]["id"] = doc["images"][0]["id"]
    edit_json(ds / "annotations/instances.json", damage)
    v = validate_dataset(ds)
    assert_reported(v, "annotations/instances.json", "unknown category_id 99")
    assert_reported(v, "annotations/instances.json", "unknown image_id 1234")
    assert_reported(v, "annotations/instances.json", "image id 1 is not unique")


def test_truncated_json_is_reported(ds):
    for rel in ("annotations/instances.json", "frames/rear/000001.json", "annotations/panoptic.json"):
        text = (ds / rel).read_text()
        (ds / rel).write_text(text[: len(text) // 2])
    v = validate_dataset(ds)
    for rel in ("annotations/instances.json", "frames/rear/000001.json", "annotations/panoptic.json"):
        assert_reported(v, rel, "not valid JSON")


def test_manifest_count_mismatches_are_reported(ds):
    def miscount(doc):
        doc["frames"] += 1
        doc["annotations"] -= 2
    edit_json(ds / "manifest.json", miscount)
    v = validate_dataset(ds)
    assert_reported(v, "manifest.json", "'frames' is 7 but 6 frames")
    assert_reported(v, "manifest.json", "'annotations' is")


def test_a_frame_count_per_camera_in_the_manifest_is_honoured(ds):
    def more(doc):
        doc["cameras"]["rear"]["frames"] = 4
    edit_json(ds / "manifest.json", more)
    v = validate_dataset(ds)
    assert_reported(v, "images/rear/000003.png", "missing")
    assert_reported(v, "manifest.json", "'frames' is 6 but 7 frames")


def test_a_wrong_image_size_is_reported(ds):
    rgb, *_ = frame_images(40, 24, 0)
    files.write_png(ds / "images/rear/000000.png", rgb)
    files.write_png(ds / "semantic/front/000002.png", np.zeros((24, 41), np.uint8))
    v = validate_dataset(ds)
    assert_reported(v, "images/rear/000000.png", "size 40×24, camera 'rear' is 30×20")
    assert_reported(v, "semantic/front/000002.png", "size 41×24")


def test_extra_frames_on_disk_are_reported(ds):
    shutil.copy(ds / "images/front/000000.png", ds / "images/front/000007.png")
    assert_reported(validate_dataset(ds), "images/front/000007.png", "not a listed frame of camera 'front'")


def test_manifest_missing_or_corrupt(ds):
    (ds / "manifest.json").write_text("{\"format\": ")
    assert_reported(validate_dataset(ds), "manifest.json", "not valid JSON")
    (ds / "manifest.json").unlink()
    assert validate_dataset(ds) == ["manifest.json: missing"]
    assert validate_dataset(ds / "nothing") == [f"{ds / 'nothing'}: not a folder"]


def test_cityscapes_violations(ds):
    ids = cv2.imread(str(ds / "cityscapes/front/000001_gtFine_instanceIds.png"), cv2.IMREAD_UNCHANGED)
    ids[ids == 26001] = 26000                                   # two cars merged into one instance
    files.write_png(ds / "cityscapes/front/000001_gtFine_instanceIds.png", ids)
    labels = cv2.imread(str(ds / "cityscapes/rear/000000_gtFine_labelIds.png"), cv2.IMREAD_UNCHANGED)
    labels[0, 0] = 7
    files.write_png(ds / "cityscapes/rear/000000_gtFine_labelIds.png", labels)
    v = validate_dataset(ds)
    assert_reported(v, "cityscapes/front/000001_gtFine_instanceIds.png", "spans several agents")
    assert_reported(v, "cityscapes/rear/000000_gtFine_labelIds.png", "differs from semantic/rear/000000.png in 1 pixels")


def test_panoptic_violations(ds):
    def damage(doc):
        segs = doc["annotations"][0]["segments_info"]
        segs[0]["area"] += 1
        segs[1]["bbox"][0] += 1
        del segs[2]
        doc["categories"][0]["isthing"] = 1 - doc["categories"][0]["isthing"]
        doc["images"][3]["id"] = 99
        doc["annotations"][3]["image_id"] = 99
    edit_json(ds / "annotations/panoptic.json", damage)
    v = validate_dataset(ds)
    assert_reported(v, "annotations/panoptic.json", "image 1: segment", "area")
    assert_reported(v, "annotations/panoptic.json", "image 1: segment", "bbox")
    assert_reported(v, "panoptic/front/000000.png", "not in segments_info")
    assert_reported(v, "annotations/panoptic.json", "isthing", "the taxonomy says")
    assert_reported(v, "annotations/panoptic.json", "image ids differ from annotations/instances.json")


def test_depth_frame_json_kitti_and_yolo_violations(ds):
    png = cv2.imread(str(ds / "depth_png/front/000000.png"), cv2.IMREAD_UNCHANGED)
    png[3, 3] += 1
    files.write_png(ds / "depth_png/front/000000.png", png)
    np.save(ds / "depth/rear/000001.npy", np.zeros((20, 30), np.float64))

    def lie(doc):
        doc["objects"][0]["visible"] += 1
        doc["frame"] = 5
    edit_json(ds / "frames/front/000002.json", lie)
    with open(ds / "kitti/rear/label_2/000001.txt", "a") as f:
        f.write("Car 0.00 0 -1.57 2.00 8.00 13.50 15.50 1.50 1.80 4.50 -1.00 1.50 10.00\n"
                "Bus 0.00 0 -1.57 2.00 8.00 13.50 15.50 1.50 1.80 4.50 -1.00 1.50 10.00 0.0\n")
    (ds / "kitti/front/calib/000002.txt").write_text("P0: 1 2 3\n")
    (ds / "labels/front/000001.txt").write_text("0 0.5 1.5 0.25 0.125\nx 0.1 0.1 0.1 0.1\n")
    v = validate_dataset(ds)
    assert_reported(v, "depth_png/front/000000.png", "1 pixels differ from depth/front/000000.npy")
    assert_reported(v, "depth/rear/000001.npy", "dtype float64")
    assert_reported(v, "frames/front/000002.json", "but", "pixels in instance/front/000002.png")
    assert_reported(v, "frames/front/000002.json", "frame 5, expected 'front' 2")
    assert_reported(v, "kitti/rear/label_2/000001.txt", "line 3", "14 fields")
    assert_reported(v, "kitti/rear/label_2/000001.txt", "line 4", "type 'Bus'")
    assert_reported(v, "kitti/front/calib/000002.txt", "'P0' needs 12 numbers")
    assert_reported(v, "kitti/front/calib/000002.txt", "no 'R0_rect:' line")
    assert_reported(v, "labels/front/000001.txt", "line 1", "[0, 1]")
    assert_reported(v, "labels/front/000001.txt", "line 2", "class 'x'")


def test_formats_not_listed_are_not_checked(ds):
    def fewer(doc):
        doc["formats"] = ["coco"]
        for key in list(doc["layout"]):
            if key.startswith(("kitti", "yolo")):
                del doc["layout"][key]
    edit_json(ds / "manifest.json", fewer)
    shutil.rmtree(ds / "kitti")
    (ds / "labels/front/000000.txt").write_text("garbage\n")
    assert validate_dataset(ds) == []


def test_violations_are_capped_in_order(ds):
    for p in sorted((ds / "images").rglob("*.png")):
        p.unlink()
    (ds / "annotations/panoptic.json").unlink()
    for p in (ds / "depth_png/front").glob("*.png"):
        p.unlink()
    full = validate_dataset(ds, max_violations=1000)
    assert len(full) > 8
    capped = validate_dataset(ds, max_violations=5)
    assert capped == full[:5] + [f"… and {len(full) - 5} more"]
    assert full[:2] == ["annotations/panoptic.json: missing (layout 'panoptic_json')",      # whole-dataset files
                        "images/front/000000.png: missing (frame 0 of camera 'front')"]     # then frame by frame
    assert MAX_VIOLATIONS == 50


@pytest.mark.gl
@pytest.mark.slow
def test_a_rendered_dataset_is_valid(tmp_path):
    from scenariosim.batch.job import render_scenario
    from scenariosim.spec import CameraSpec
    from scenes import make_spec

    actors = [("ego", "car", 2, 100.0, 25.0), ("lead", "truck", 2, 135.0, 22.0), ("left", "car", 3, 118.0, 27.0),
              ("bike", "motorcycle", 1, 112.0, 20.0)]
    spec = make_spec(actors, duration=0.4, timestep=0.05, cameras=(
        CameraSpec(name="front", mount="ego", width=160, height=96, rate=5.0),
        CameraSpec(name="side", mount="ego", yaw=-1.2, width=96, height=64, rate=5.0)))
    render_scenario(spec, tmp_path / "out", progress=False)
    assert validate_dataset(tmp_path / "out") == []


# ---------------------------------------------------------------------------------------------- depth PNG
def test_depth_png_round_trips_within_half_a_millimetre(tmp_path):
    rng = np.random.default_rng(3)
    d = rng.uniform(0.1, 65.0, (50, 60)).astype(np.float32)
    d[0, :5] = [np.inf, 65.5356, 100.0, np.nan, -1.0]
    d[1, :4] = [65.535, 65.5354, 65.5349, 0.0004]
    write_depth(tmp_path, "cam", 7, d)
    png = cv2.imread(str(tmp_path / "depth_png/cam/000007.png"), cv2.IMREAD_UNCHANGED)
    assert png.dtype == np.uint16 and png.shape == (50, 60)
    np.testing.assert_array_equal(png, depth_to_png(d))
    assert png[0, :5].tolist() == [0, 0, 0, 0, 0]               # sky, beyond 65.535 m, NaN, negative: invalid
    assert png[1, :4].tolist() == [65535, 65535, 65535, 0]      # 65.5354 m still rounds to 65535 mm
    back = depth_from_png(png)
    ok = png > 0
    assert np.abs(back[ok].astype(np.float64) - d[ok].astype(np.float64)).max() <= 0.0005 + 1e-6
    below = np.isfinite(d) & (d > 0.001) & (d < 65.0)
    assert ok[below].all()
    np.testing.assert_array_equal(np.load(tmp_path / "depth/cam/000007.npy"), d)
    assert np.load(tmp_path / "depth/cam/000007.npy").dtype == np.float32


# ---------------------------------------------------------------------------------------------- frame JSON
def test_frame_json_round_trips_a_hand_made_labels(tmp_path):
    _, cls, inst, _ = frame_images(40, 24, 0)
    labels = hand_labels(cls, inst)
    labels = labels._replace(amodal=labels.amodal.copy())
    labels.amodal[0, 0] = -np.inf                             # non-finite: written as null, read as NaN
    cam = camera(40, 24)
    table = cityscapes.instance_ids(cls, inst)[1]
    rel = write_frame_json(tmp_path, "front", 2, labels, cam, 0.30000000000000004, cityscapes=table)
    assert rel == "frames/front/000002.json"
    back, doc = read_frame_json(tmp_path / rel)
    assert doc["camera"] == "front" and doc["frame"] == 2 and doc["time_s"] == 0.3
    assert doc["cityscapes_instances"] == table
    assert doc["objects"][0]["amodal"][0] is None and np.isnan(back.amodal[0, 0])
    assert list(doc["objects"][0]) == ["track_id", "class_id", "class_name", "name", "box", "amodal", "amodal_clipped",
                                       "visible", "unoccluded", "total", "occlusion", "truncation", "visibility",
                                       "location", "dimensions", "rotation_y", "alpha", "speed", "lane", "behavior",
                                       "ignore"]
    assert doc["objects"][0]["class_name"] == "car" and doc["objects"][1]["ignore"] is True
    for field in ObjectLabels._fields:
        a, b = getattr(labels, field), getattr(back, field)
        if isinstance(a, tuple):
            assert a == b, field
            continue
        assert b.dtype == np.asarray(a).dtype and b.shape == a.shape, field
        if a.dtype.kind == "f":
            a = np.where(np.isfinite(a), a, np.nan)
            tol = 5e-4 if field in ("amodal", "amodal_clipped") else 5e-7
            np.testing.assert_allclose(b, a, atol=tol, rtol=0, equal_nan=True, err_msg=field)
        else:
            np.testing.assert_array_equal(b, a, err_msg=field)
    np.testing.assert_allclose([o["visibility"] for o in doc["objects"]], labels.visibility, atol=5e-7)
    c = frame_json.camera_from_document(doc)
    for f in ("K", "R", "t", "dist"):
        np.testing.assert_allclose(getattr(c, f), getattr(cam, f), atol=5e-10)
    assert (c.width, c.height) == (40, 24)


def test_frame_json_is_deterministic_and_rounded(tmp_path):
    _, cls, inst, _ = frame_images(40, 24, 1)
    labels = hand_labels(cls, inst)
    labels = labels._replace(location=labels.location - 1e-12)     # −0.0 and float noise must not show
    write_frame_json(tmp_path / "a", "front", 0, labels, camera(40, 24), 0.1)
    write_frame_json(tmp_path / "b", "front", 0, labels, camera(40, 24), 0.1)
    a = (tmp_path / "a/frames/front/000000.json").read_bytes()
    assert a == (tmp_path / "b/frames/front/000000.json").read_bytes()
    doc = json.loads(a)
    assert doc["objects"][0]["amodal"] == [round(v, 3) for v in labels.amodal[0]]         # 3 decimals for pixels
    assert doc["objects"][0]["amodal"][2] == labels.box[0, 2] + 2                        # x1 + 2.0004 → + 2.0
    assert doc["objects"][0]["location"] == [round(v, 6) + 0.0 for v in labels.location[0]]
    assert doc["objects"][0]["speed"] == 13.8889 and doc["objects"][0]["truncation"] == 0.538462
    assert "-0.0" not in a.decode()
    assert doc["cityscapes_instances"] is None
    empty = frame_document(labels._replace(**{f: getattr(labels, f)[:0] for f in ObjectLabels._fields
                                              if f != "occluders"}, occluders=np.zeros((0, 3), np.int64)),
                           camera(40, 24), camera_name="front", index=0, time=0.0)
    assert empty["objects"] == [] and empty["occluders"] == []
    assert labels_from_document(empty).box.shape == (0, 4)
