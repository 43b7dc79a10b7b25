"""YOLO detection rows, segmentation polygons and data.yaml, read back by hand and checked against the
instance image they came from."""
from __future__ import annotations

import json
import math

import cv2
import numpy as np
import pytest

from scenariosim.dataset import yolo
from scenariosim.labels.objects import ObjectLabels, empty_labels
from scenariosim.sensors.camera import BODY_TO_CV, Camera, intrinsics
from scenariosim.sensors.frame import Frame
from scenariosim.taxonomy import BY_ID, CLASSES

W, H = 320, 240


def camera() -> Camera:
    return Camera(K=intrinsics(math.pi / 2, W, H), R=BODY_TO_CV.copy(), t=np.zeros(3), width=W, height=H)


def frame_of(instance: np.ndarray) -> Frame:
    h, w = instance.shape
    return Frame(rgb=np.zeros((h, w, 3), np.uint8), class_id=np.zeros((h, w), np.uint8), instance=instance,
                 depth=np.full((h, w), np.inf, np.float32), normal=np.zeros((h, w, 3), np.float16),
                 camera=camera(), time=0.0)


def labels_of(instance: np.ndarray, classes: dict[int, int], ignore=()) -> ObjectLabels:
    """ObjectLabels for the ids in ``classes`` (id → class id), boxes and pixel counts measured from the
    image with numpy; an id not in the image is listed with no visible pixel (fully hidden)."""
    ids = sorted(classes)
    boxes, visible = [], []
    for i in ids:
        ys, xs = np.nonzero(instance == i)
        visible.append(len(xs))
        boxes.append([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1] if len(xs) else [0, 0, 0, 0])
    k = len(ids)
    f = np.zeros(k)
    return ObjectLabels(
        instance=np.array(ids, np.uint32), class_id=np.array([classes[i] for i in ids], np.uint8),
        name=tuple(f"a{i}" for i in ids), box=np.array(boxes, np.int64).reshape(k, 4),
        amodal=np.array(boxes, float).reshape(k, 4), amodal_clipped=np.array(boxes, float).reshape(k, 4),
        visible=np.array(visible, np.int64), unoccluded=np.array(visible, np.int64) + 1,
        total=np.array(visible, np.int64) + 1, occlusion=f, truncation=f, location=np.zeros((k, 3)),
        dimensions=np.ones((k, 3)), rotation_y=f, alpha=f, speed=f, lane=np.full(k, -1, np.int64),
        behavior=("",) * k, ignore=np.array([i in ignore for i in ids], bool), occluders=np.zeros((0, 3), np.int64))


def scene() -> tuple[np.ndarray, dict[int, int]]:
    """A disc (car), an ellipse (person), a rectangle split in two by a pole (truck), a blob touching the
    image corner (bus), a small square (cone, ignored)."""
    img = np.zeros((H, W), np.uint32)
    cv2.circle(img, (80, 60), 25, 1, -1)
    cv2.ellipse(img, (200, 150), (12, 30), 20, 0, 360, 2, -1)
    img[150:200, 30:130] = 3
    img[140:210, 70:78] = 0                                # the pole splits the truck
    cv2.circle(img, (W - 5, H - 5), 30, 4, -1)             # cut by the right and bottom edges
    img[20:30, 250:260] = 5
    return img, {1: 26, 2: 24, 3: 27, 4: 28, 5: 35, 6: 33}    # 6 is listed but fully hidden


def read_rows(path) -> list[list[float]]:
    return [[float(v) for v in line.split(" ")] for line in path.read_text().splitlines()]


def read_names(path) -> dict[int, str]:
    """data.yaml's names block, read by hand: '  <int>: "<name>"' lines after 'names:'."""
    lines = path.read_text().splitlines()
    block = lines[lines.index("names:") + 1:]
    out = {}
    for line in block:
        assert line.startswith("  ")
        key, value = line.strip().split(": ", 1)
        out[int(key)] = json.loads(value)
    return out


def rasterise(row: list[float]) -> np.ndarray:
    xy = np.array(row[1:]).reshape(-1, 2) * [W, H] - 0.5
    mask = np.zeros((H, W), np.uint8)
    cv2.fillPoly(mask, [np.round(xy).astype(np.int32)], 1)
    return mask.astype(bool)


@pytest.fixture
def written(tmp_path):
    img, classes = scene()
    labels = labels_of(img, classes, ignore={5})
    yolo.write_yolo_frame(tmp_path, "front", 4, frame_of(img), labels)
    yolo.write_data_yaml(tmp_path, ["front", "rear"])
    return tmp_path, img, labels


def test_detection_rows_invert_to_the_coco_box(written):
    root, img, labels = written
    rows = read_rows(root / "labels/front/000004.txt")
    assert len(rows) == 4                                   # cone ignored, hidden bicycle has no pixel
    for row, k in zip(rows, [0, 1, 2, 3], strict=True):
        assert len(row) == 5 and all(0.0 <= v <= 1.0 for v in row[1:])
        cls, xc, yc, w, h = row
        back = [(xc - w / 2) * W, (yc - h / 2) * H, w * W, h * H]
        x0, y0, x1, y1 = labels.box[k]
        np.testing.assert_allclose(back, [x0, y0, x1 - x0, y1 - y0], rtol=0, atol=1e-6 * max(W, H))


def test_classes_map_back_to_names_through_data_yaml(written):
    root, _, labels = written
    names = read_names(root / "data.yaml")
    assert names == {i: c.name for i, c in enumerate(c for c in CLASSES if c.has_instances)}
    rows = read_rows(root / "labels/front/000004.txt")
    assert [names[int(r[0])] for r in rows] == [BY_ID[c].name for c in labels.class_id[:4]]
    assert all(r[0] == int(r[0]) for r in rows)


def test_data_yaml_points_at_the_image_folders(written):
    root, _, _ = written
    text = (root / "data.yaml").read_text()
    keys = {line.split(":", 1)[0]: line.split(":", 1)[1].strip() for line in text.splitlines()
            if line and not line.startswith(("#", " "))}
    assert "path" not in keys                               # the YAML's own folder is the root
    assert json.loads(keys["train"]) == json.loads(keys["val"]) == ["images/front", "images/rear"]
    assert int(keys["nc"]) == len(read_names(root / "data.yaml"))


def test_polygons_cover_the_visible_masks(written):
    root, img, labels = written
    rows = read_rows(root / "labels_seg/front/000004.txt")
    assert len(rows) == 4                                   # one row per object, the split truck too
    for row, k in zip(rows, [0, 1, 2, 3], strict=True):
        assert len(row) % 2 == 1 and len(row) >= 7
        assert all(0.0 <= v <= 1.0 for v in row[1:])
        mask = img == labels.instance[k]
        poly = rasterise(row)
        iou = (mask & poly).sum() / (mask | poly).sum()
        assert iou > 0.9, (k, iou)


def test_polygon_vertices_truncate_onto_boundary_pixels(written):
    """Ultralytics rasterises with int(x·W): every vertex must fall on a pixel of its object."""
    root, img, labels = written
    for row, k in zip(read_rows(root / "labels_seg/front/000004.txt"), range(4)):
        xy = np.array(row[1:]).reshape(-1, 2) * [W, H]
        cols, rows_ = xy[:, 0].astype(int), xy[:, 1].astype(int)
        assert np.all(img[rows_, cols] == labels.instance[k])


def test_split_object_keeps_both_pieces_in_one_row(written):
    root, img, labels = written
    truck = rasterise(read_rows(root / "labels_seg/front/000004.txt")[2])
    assert truck[175, 40] and truck[175, 120]               # both sides of the pole
    assert truck[150:200, 72:76].sum() <= 2 * 4             # the bridge is a line, not the pole's area


def test_segmentation_and_detection_classes_agree(written):
    root, _, _ = written
    det = [r[0] for r in read_rows(root / "labels/front/000004.txt")]
    seg = [r[0] for r in read_rows(root / "labels_seg/front/000004.txt")]
    assert det == seg


def test_slivers_give_no_polygon():
    img = np.zeros((10, 10), np.uint32)
    img[5, 5] = 1                                          # one pixel: one vertex
    img[2, 1:4] = 2                                        # a horizontal line: two vertices
    labels = labels_of(img, {1: 26, 2: 26})
    assert yolo.segmentation_lines(img, labels) == []
    assert len(yolo.detection_lines(labels, 10, 10)) == 2


def test_empty_frame_gives_empty_files(tmp_path):
    img = np.zeros((H, W), np.uint32)
    yolo.write_yolo_frame(tmp_path, "front", 0, frame_of(img), empty_labels())
    assert (tmp_path / "labels/front/000000.txt").read_bytes() == b""
    assert (tmp_path / "labels_seg/front/000000.txt").read_bytes() == b""


def test_writing_is_deterministic(tmp_path):
    img, classes = scene()
    labels = labels_of(img, classes, ignore={5})
    for run in ("a", "b"):
        yolo.write_yolo_frame(tmp_path / run, "front", 1, frame_of(img), labels)
        yolo.write_data_yaml(tmp_path / run, ["front"])
    for rel in ("labels/front/000001.txt", "labels_seg/front/000001.txt", "data.yaml"):
        a = (tmp_path / "a" / rel).read_bytes()
        assert a and a == (tmp_path / "b" / rel).read_bytes()


def test_a_class_without_instances_is_refused():
    img = np.zeros((10, 10), np.uint32)
    img[2:5, 2:5] = 1
    labels = labels_of(img, {1: 7})                        # road
    with pytest.raises(ValueError, match="class 7"):
        yolo.detection_lines(labels, 10, 10)


@pytest.mark.parametrize("seed", range(5))
def test_random_blobs_round_trip(seed):
    rng = np.random.default_rng(seed)
    img = np.zeros((H, W), np.uint32)
    for i in range(1, 6):
        centre = (int(rng.integers(30, W - 30)), int(rng.integers(30, H - 30)))
        axes = (int(rng.integers(8, 30)), int(rng.integers(8, 30)))
        cv2.ellipse(img, centre, axes, float(rng.uniform(0, 180)), 0, 360, i, -1)
    classes = {i: 26 for i in np.unique(img) if i}
    labels = labels_of(img, classes)
    for line, k in zip(yolo.segmentation_lines(img, labels), range(len(classes)), strict=True):
        mask = img == labels.instance[k]
        if mask.sum() < 200:                               # blobs of reasonable size only
            continue
        poly = rasterise([float(v) for v in line.split(" ")])
        assert (mask & poly).sum() / (mask | poly).sum() > 0.9
