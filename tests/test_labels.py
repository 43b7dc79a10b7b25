"""Boxes from instance images, and COCO encoding, checked against pycocotools."""
from __future__ import annotations

import numpy as np
import pytest
from pycocotools import mask as coco_mask

from scenariosim.dataset.coco import CocoBuilder, rle_encode
from scenariosim.labels import visible_boxes
from scenariosim.labels.objects import ObjectLabels, empty_labels

RNG = np.random.default_rng(7)


def random_instance_image(h=37, w=53, n=6):
    """Blobs of several agents, some overlapping, some touching the image border, one absent."""
    img = np.zeros((h, w), np.uint32)
    for k in range(1, n):                      # agent n is never drawn
        y0, x0 = RNG.integers(0, h - 3), RNG.integers(0, w - 3)
        y1, x1 = RNG.integers(y0 + 1, h + 1), RNG.integers(x0 + 1, w + 1)
        img[y0:y1, x0:x1] = k
        img[RNG.random((h, w)) < 0.02] = k     # stray pixels widen the box
    return img


@pytest.mark.parametrize("trial", range(10))
def test_boxes_are_the_pixel_extent_and_count(trial):
    img = random_instance_image()
    classes = np.array([26, 27, 26, 27, 26, 26], np.uint8)
    labels = visible_boxes(img, classes)
    present = sorted(set(np.unique(img)) - {0})
    assert labels.instance.tolist() == present
    for k, i in enumerate(labels.instance):
        ys, xs = np.nonzero(img == i)
        assert labels.box[k].tolist() == [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
        assert labels.pixels[k] == len(xs)
        assert labels.class_id[k] == classes[i - 1]


def test_empty_image_gives_no_labels():
    labels = visible_boxes(np.zeros((4, 5), np.uint32), np.array([26], np.uint8))
    assert len(labels.instance) == 0 and labels.box.shape == (0, 4)


def test_instance_id_beyond_agents_is_an_error():
    with pytest.raises(ValueError, match="only 1 agents"):
        visible_boxes(np.full((2, 2), 3, np.uint32), np.array([26], np.uint8))


@pytest.mark.parametrize("trial", range(10))
def test_rle_decodes_to_the_mask_in_pycocotools(trial):
    h, w = RNG.integers(1, 40, 2)
    mask = RNG.random((h, w)) < RNG.random()
    rle = coco_mask.frPyObjects(rle_encode(mask), int(h), int(w))
    np.testing.assert_array_equal(coco_mask.decode(rle).astype(bool), mask)
    assert coco_mask.area(rle) == mask.sum()


def labels_of(img: np.ndarray, ignore=()) -> ObjectLabels:
    """ObjectLabels of an instance image's visible objects (boxes and pixels from visible_boxes; the
    amodal box one pixel wider than the tight one; objects in ``ignore`` flagged)."""
    tight = visible_boxes(img, np.full(int(img.max()), 26, np.uint8))
    k = len(tight.instance)
    base = empty_labels()
    return base._replace(
        instance=tight.instance, class_id=tight.class_id, name=tuple(f"a{i}" for i in tight.instance), box=tight.box,
        amodal=tight.box + [-1, -1, 1, 1], amodal_clipped=np.clip(tight.box + [-1, -1, 1, 1], 0, None).astype(float),
        visible=tight.pixels, unoccluded=tight.pixels, total=tight.pixels, occlusion=np.zeros(k),
        truncation=np.zeros(k), location=np.tile([0.0, 1.0, 10.0], (k, 1)), dimensions=np.ones((k, 3)),
        rotation_y=np.zeros(k), alpha=np.zeros(k), speed=np.zeros(k), lane=np.zeros(k, np.int64),
        behavior=("",) * k, ignore=np.isin(tight.instance, ignore))


def test_coco_annotation_box_and_area_match_pycocotools():
    img = random_instance_image()
    builder = CocoBuilder("t")
    builder.add("x.png", img, labels_of(img, ignore=(2,)))
    anns = builder.document()["annotations"]
    assert [a["iscrowd"] for a in anns] == [int(a["track_id"] == 2) for a in anns]
    for ann in anns:
        rle = coco_mask.frPyObjects(ann["segmentation"], *img.shape)
        assert coco_mask.toBbox(rle).tolist() == ann["bbox"]
        assert coco_mask.area(rle) == ann["area"]
        assert ann["attributes"]["distance_m"] == pytest.approx(np.hypot(1.0, 10.0), abs=1e-3)
