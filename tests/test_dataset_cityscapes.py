"""Cityscapes gtFine masks: label ids, instance ids decoded back to classes and agents, colours, trainIds."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from scenariosim.dataset.cityscapes import (LAYOUT, colorize, instance_ids, label_ids, paths, train_ids,
                                            write_cityscapes)
from scenariosim.taxonomy import BY_ID, BY_NAME

ROAD, SKY, CAR, TRUCK, PERSON, RIDER, MOTO = (BY_NAME[n].id for n in (
    "road", "sky", "car", "truck", "person", "rider", "motorcycle"))
MARKING, CONE = BY_NAME["lane_marking"].id, BY_NAME["traffic_cone"].id


def scene(h=24, w=40):
    """A hand-made frame: sky over road with a marking, two cars (track 5 hides part of track 2), a
    motorcycle (track 7) with its rider, a cone (track 9), a person (track 3), and car pixels of no agent."""
    cls = np.full((h, w), SKY, np.uint8)
    cls[10:] = ROAD
    cls[20, :] = MARKING
    inst = np.zeros((h, w), np.uint32)
    for track, c, (y0, y1, x0, x1) in [(2, CAR, (8, 16, 2, 14)), (5, CAR, (10, 18, 10, 20)), (7, MOTO, (12, 18, 24, 28)),
                                       (7, RIDER, (8, 12, 24, 27)), (9, CONE, (19, 22, 30, 32)), (3, PERSON, (6, 14, 34, 36))]:
        cls[y0:y1, x0:x1] = c
        inst[y0:y1, x0:x1] = track
    cls[0:3, 0:4] = CAR                       # a car group nobody owns: instance 0
    cls[0, w - 1] = 0                         # an unlabeled pixel
    return cls, inst


def random_scene(rng, h=30, w=45, tracks=12):
    classes = np.array([CAR, TRUCK, PERSON, RIDER, MOTO, CONE])
    cls = rng.choice(np.array([ROAD, SKY, MARKING, 0]), size=(h, w)).astype(np.uint8)
    inst = np.zeros((h, w), np.uint32)
    for track in rng.permutation(np.arange(1, tracks + 1)):
        y0, x0 = rng.integers(0, h - 2), rng.integers(0, w - 2)
        y1, x1 = rng.integers(y0 + 1, h + 1), rng.integers(x0 + 1, w + 1)
        cls[y0:y1, x0:x1] = rng.choice(classes)
        inst[y0:y1, x0:x1] = track
    loose = rng.random((h, w)) < 0.05           # thing pixels of no agent
    cls[loose], inst[loose] = CAR, 0
    return cls, inst


def read(path):
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB) if image.ndim == 3 else image


def check_decodes(ids, table, cls, inst):
    """id // 1000 (or the id below 1000) is the class everywhere; each (class, agent) pair of a thing
    class is exactly one id, and k counts each class's agents from 0 in track order."""
    big = ids >= 1000
    np.testing.assert_array_equal(np.where(big, ids // 1000, ids), cls)
    thing = (inst != 0) & np.isin(cls, [c for c in BY_ID if BY_ID[c].has_instances])
    np.testing.assert_array_equal(big, thing)
    pairs = {(int(c), int(t)) for c, t in zip(cls[thing], inst[thing])}
    assert len(table) == len(pairs)
    for row in table:
        mask = (cls == row["class_id"]) & (inst == row["track_id"])
        assert mask.sum() == row["pixels"] > 0
        assert np.array_equal(ids == row["instance_id"], mask)      # the partition, exactly
        assert row["instance_id"] == row["class_id"] * 1000 + row["k"]
    for c in {row["class_id"] for row in table}:
        rows = [r for r in table if r["class_id"] == c]
        assert [r["k"] for r in rows] == list(range(len(rows)))
        assert [r["track_id"] for r in rows] == sorted(r["track_id"] for r in rows)


def test_files_decode_to_the_class_image_and_the_instance_partition(tmp_path):
    cls, inst = scene()
    table = write_cityscapes(tmp_path, "front", 3, cls, inst)
    p = paths("front", 3)
    assert p["cityscapes_instanceIds"] == "cityscapes/front/000003_gtFine_instanceIds.png"
    assert set(p) == set(LAYOUT)
    labels = read(tmp_path / p["cityscapes_labelIds"])
    ids = read(tmp_path / p["cityscapes_instanceIds"])
    assert labels.dtype == np.uint8 and ids.dtype == np.uint16
    np.testing.assert_array_equal(labels, cls)               # labelIds = our class image, ours ≥ 34 kept
    check_decodes(ids, table, cls, inst)
    assert {(r["track_id"], r["class_id"]): r["instance_id"] for r in table} == {
        (2, CAR): 26000, (5, CAR): 26001, (3, PERSON): 24000, (7, RIDER): 25000, (7, MOTO): 32000, (9, CONE): 35000}
    assert (ids[0:3, 0:4] == CAR).all()                      # the unowned car pixels: the plain id, a group
    assert ids[20, 0] == MARKING and ids[0, -1] == 0


@pytest.mark.parametrize("seed", range(8))
def test_random_frames_decode_exactly(seed):
    cls, inst = random_scene(np.random.default_rng(seed))
    ids, table = instance_ids(cls, inst)
    check_decodes(ids, table, cls, inst)


def test_colours_and_train_ids_follow_the_cityscapes_table(tmp_path):
    cls, inst = scene()
    write_cityscapes(tmp_path, "front", 0, cls, inst)
    p = paths("front", 0)
    color = read(tmp_path / p["cityscapes_color"])
    assert color.shape == cls.shape + (3,)
    # colours and trainIds as cityscapesScripts' labels.py lists them
    for cid, rgb, train in [(ROAD, (128, 64, 128), 0), (SKY, (70, 130, 180), 10), (CAR, (0, 0, 142), 13),
                            (PERSON, (220, 20, 60), 11), (RIDER, (255, 0, 0), 12), (MOTO, (0, 0, 230), 17)]:
        assert (color[cls == cid] == rgb).all(), BY_ID[cid].name
        assert (read(tmp_path / p["cityscapes_labelTrainIds"])[cls == cid] == train).all()
    assert (color[cls == MARKING] == BY_ID[MARKING].color).all()
    assert (read(tmp_path / p["cityscapes_labelTrainIds"])[cls >= 34] == 255).all()
    assert (color[cls == 0] == 0).all()
    np.testing.assert_array_equal(colorize(cls), color)
    np.testing.assert_array_equal(train_ids(np.array([[7, 11, 34, 0, 33]], np.uint8)), [[0, 2, 255, 255, 18]])


def test_void_extra_ids_writes_markings_as_road_and_our_other_classes_as_unlabeled():
    cls, inst = scene()
    cls[0, :3] = MARKING
    labels = label_ids(cls, void_extra_ids=True)
    ours = (cls >= 34) & (cls != MARKING)
    assert (labels[ours] == 0).all() and (labels[cls < 34] == cls[cls < 34]).all()
    assert (labels[cls == MARKING] == ROAD).all()
    ids, table = instance_ids(cls, inst, void_extra_ids=True)
    assert (ids[ours] == 0).all() and (ids[cls == MARKING] == ROAD).all()
    assert CONE not in {r["class_id"] for r in table}
    check_decodes(ids, table, labels, inst)


def test_more_than_1000_agents_of_a_class_become_a_group():
    cls = np.full((1, 1003), CAR, np.uint8)
    inst = np.arange(1, 1004, dtype=np.uint32)[None, :]
    ids, table = instance_ids(cls, inst)
    assert ids[0, 999] == 26999 and ids[0, 1000] == CAR and ids[0, 1002] == CAR
    assert table[1000] == {"track_id": 1001, "class_id": CAR, "k": None, "instance_id": None, "pixels": 1}


def test_deterministic_bytes(tmp_path):
    cls, inst = scene()
    write_cityscapes(tmp_path / "a", "c", 0, cls, inst)
    write_cityscapes(tmp_path / "b", "c", 0, cls, inst)
    for rel in paths("c", 0).values():
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="differ in shape"):
        instance_ids(np.zeros((2, 3), np.uint8), np.zeros((3, 2), np.uint32))
