"""COCO panoptic: PNG ids decoded by hand, every segment's area and box against its pixels, categories."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from scenariosim.dataset.panoptic import (PanopticBuilder, categories, decode_ids, encode_ids, panoptic_segments,
                                          png_path, write_panoptic, write_panoptic_json)
from scenariosim.labels.objects import empty_labels
from scenariosim.taxonomy import BY_ID, CLASSES
from test_dataset_cityscapes import CAR, CONE, MARKING, MOTO, PERSON, RIDER, ROAD, SKY, random_scene, scene


def labels_ignoring(*tracks):
    """ObjectLabels carrying only what the panoptic writer reads: track ids and ignore flags."""
    ids = np.array(sorted({2, 3, 5, 7, 9} | set(tracks)), np.uint32)
    return empty_labels()._replace(instance=ids, ignore=np.isin(ids, tracks))


def read_ids(path):
    """The PNG decoded by the COCO panoptic rule, id = R + 256·G + 256²·B, independently of the writer."""
    rgb = cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_UNCHANGED), cv2.COLOR_BGR2RGB).astype(np.int64)
    return rgb[..., 0] + 256 * rgb[..., 1] + 65536 * rgb[..., 2]


def check_segments(ids, segments, cls, inst=None):
    """Every segment's area and box equal its pixels; every non-void pixel is in exactly one segment,
    of its own class; void is exactly the unlabeled pixels."""
    seg_ids = [s["id"] for s in segments]
    assert len(seg_ids) == len(set(seg_ids)) and 0 not in seg_ids
    assert seg_ids == sorted(seg_ids)
    assert set(np.unique(ids).tolist()) - {0} == set(seg_ids)
    np.testing.assert_array_equal(ids == 0, cls == 0)
    for s in segments:
        ys, xs = np.nonzero(ids == s["id"])
        assert s["area"] == len(xs)
        assert s["bbox"] == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]
        assert (cls[ids == s["id"]] == s["category_id"]).all()
        if inst is not None and s["id"] >= 1000:           # a thing's agent: the instance image's value
            assert (inst[ids == s["id"]] == s["track_id"]).all()


def test_png_segments_match_their_pixels_exactly(tmp_path):
    cls, inst = scene()
    builder = PanopticBuilder("test")
    segments = write_panoptic(tmp_path, "front", 4, cls, inst, labels_ignoring(3), image_id=17,
                              image_file="images/front/000004.png", builder=builder)
    assert png_path("front", 4) == "panoptic/front/000004.png"
    ids = read_ids(tmp_path / "panoptic/front/000004.png")
    check_segments(ids, segments, cls, inst)
    by_id = {s["id"]: s for s in segments}
    # things: class·1000 + k; the ignored person and the unowned car pixels are crowds; stuff by class id
    assert {i: s["iscrowd"] for i, s in by_id.items()} == {
        ROAD: 0, SKY: 0, MARKING: 0, CAR: 1, 26000: 0, 26001: 0, 24000: 1, 25000: 0, 32000: 0, 35000: 0}
    assert by_id[25000]["category_id"] == RIDER and by_id[32000]["category_id"] == MOTO
    assert by_id[35000]["category_id"] == CONE and by_id[24000]["category_id"] == PERSON


@pytest.mark.parametrize("seed", range(6))
def test_random_frames(seed):
    cls, inst = random_scene(np.random.default_rng(seed))
    ids, segments = panoptic_segments(cls, inst)
    check_segments(decode_ids(encode_ids(ids)).astype(np.int64), segments, cls)
    for s in segments:
        thing = BY_ID[s["category_id"]].has_instances
        assert s["iscrowd"] == int(thing and s["id"] < 1000)


def test_id_encoding_round_trips_every_byte():
    ids = np.array([[0, 1, 255, 256, 65535], [65536, 26001, 37999, 2 ** 24 - 1, 123456]], np.uint32)
    rgb = encode_ids(ids)
    assert rgb.dtype == np.uint8 and rgb.shape == (2, 5, 3)
    assert rgb[1, 3].tolist() == [255, 255, 255] and rgb[0, 3].tolist() == [0, 1, 0]
    np.testing.assert_array_equal(decode_ids(rgb), ids)


def test_categories_agree_with_the_taxonomy():
    cats = categories()
    assert [c["id"] for c in cats] == [c.id for c in CLASSES if c.id != 0]
    for c in cats:
        assert c["isthing"] == int(BY_ID[c["id"]].has_instances)
        assert tuple(c["color"]) == BY_ID[c["id"]].color and c["supercategory"] == BY_ID[c["id"]].category
    assert {c["name"] for c in cats if not c["isthing"]} >= {"road", "sidewalk", "building", "sky", "lane_marking"}


def test_document_keeps_the_given_image_ids(tmp_path):
    cls, inst = scene()
    builder = PanopticBuilder("test")
    for image_id, k in [(5, 0), (9, 1)]:
        write_panoptic(tmp_path, "front", k, cls, inst, None, image_id, f"images/front/{k:06d}.png", builder)
    write_panoptic_json(tmp_path, builder)
    doc = json.loads((tmp_path / "annotations/panoptic.json").read_text())
    assert list(doc) == ["info", "licenses", "images", "annotations", "categories"]
    assert [im["id"] for im in doc["images"]] == [5, 9] == [a["image_id"] for a in doc["annotations"]]
    assert doc["images"][1] == {"id": 9, "file_name": "images/front/000001.png", "width": 40, "height": 24}
    assert doc["annotations"][1]["file_name"] == "panoptic/front/000001.png"
    assert all(not s["iscrowd"] or s["id"] < 1000 for s in doc["annotations"][0]["segments_info"])


def test_panopticapi_scores_the_ground_truth_perfectly(tmp_path):
    """panopticapi reads what we write (skipped where it is not installed; it is no dependency)."""
    pq_compute = pytest.importorskip("panopticapi.evaluation").pq_compute
    cls, inst = scene()
    builder = PanopticBuilder("test")
    write_panoptic(tmp_path, "front", 0, cls, inst, labels_ignoring(3), 1, "images/front/000000.png", builder)
    write_panoptic_json(tmp_path, builder)
    gt = str(tmp_path / "annotations/panoptic.json")
    result = pq_compute(gt, gt, gt_folder=str(tmp_path), pred_folder=str(tmp_path))
    assert result["All"]["pq"] == pytest.approx(1.0)
