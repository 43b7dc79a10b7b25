"""Cityscapes gtFine-style masks: label ids, instance ids, colours and train ids, one set per frame.

Files per frame (``LAYOUT``), as cityscapesScripts writes them (``json2labelImg``, ``json2instanceImg``,
``createTrainIdLabelImgs``):

- ``*_gtFine_labelIds.png``: (H, W) uint8 label ids = our semantic class image, which already uses
  Cityscapes label ids. Our own classes (ids ≥ 34: lane_marking, traffic_cone, barrier, debris; see
  taxonomy.py) stay as they are by default. Beware: cityscapesScripts does *not* treat unknown ids as
  void (checked in 2.3.0): ``evalPixelLevelSemanticLabeling`` stops with "Unknown label with id 34" on a
  ground-truth pixel whose id is not in its table (0..33), and ``createPanopticImgs`` raises KeyError 34.
  Pass ``void_extra_ids=True`` to write lane markings as road (Cityscapes counts markings as road) and
  our other classes as 0 (unlabeled) in the labelIds and instanceIds files instead, which the official
  tools accept (the colour and trainId files follow the labelIds).
- ``*_gtFine_instanceIds.png``: (H, W) uint16. A pixel of a class with instances (taxonomy
  ``has_instances``) that belongs to an agent holds ``class_id · 1000 + k``; every other pixel holds its plain
  class id (as Cityscapes does for stuff and for thing groups it cannot split). ``k`` numbers the
  (class, agent) pairs of one class within the image from 0, in ascending track id (track id = agent
  index + 1 = the instance image's value). An agent can hold pixels of two classes (a motorcycle and its
  rider share one track id): each class gets its own instance, as in Cityscapes. Only 1000 instances of
  one class fit one image; the 1001st and later (in track order) are written as a group (the plain class
  id), and their table row has ``k`` None. ``instance_ids`` returns the table; frame_json writes it.
- ``*_gtFine_color.png``: (H, W, 3) uint8 RGB colour of each label id (Cityscapes colours; ours from
  taxonomy.py; black for ids we do not know).
- ``*_gtFine_labelTrainIds.png``: (H, W) uint8 Cityscapes trainIds (the 19 training classes 0..18,
  every other id, ours included, 255 = ignore).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from scenariosim.dataset import files
from scenariosim.taxonomy import CLASSES, LANE_MARKING, ROAD

#: manifest layout entries (path template, then a description in brackets)
LAYOUT = {
    "cityscapes_labelIds": "cityscapes/{camera}/{frame:06d}_gtFine_labelIds.png (uint8 Cityscapes label ids; ours ≥ 34 kept)",
    "cityscapes_instanceIds": "cityscapes/{camera}/{frame:06d}_gtFine_instanceIds.png "
                              "(uint16: class id·1000 + k for instances, k from 0 per class in track order; else the class id)",
    "cityscapes_color": "cityscapes/{camera}/{frame:06d}_gtFine_color.png (RGB Cityscapes colours)",
    "cityscapes_labelTrainIds": "cityscapes/{camera}/{frame:06d}_gtFine_labelTrainIds.png (uint8 trainIds, 255 = ignore)",
}

#: Cityscapes instance ids are class id · INSTANCE_FACTOR + k
INSTANCE_FACTOR = 1000
#: label ids Cityscapes knows (0..33); ours start here
FIRST_EXTRA_ID = 34

#: Cityscapes label id → trainId for the 19 training classes; every other id maps to IGNORE_TRAIN_ID
TRAIN_IDS = {7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9, 23: 10, 24: 11, 25: 12,
             26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18}
IGNORE_TRAIN_ID = 255


def _lut(values: dict[int, object], default, dtype, shape=()) -> np.ndarray:
    lut = np.full((256, *shape), default, dtype)
    for k, v in values.items():
        lut[k] = v
    return lut


#: (256,) bool: class id → whether its pixels form instances
HAS_INSTANCES = _lut({c.id: c.has_instances for c in CLASSES}, False, bool)
#: (256, 3) uint8: class id → RGB colour (black for unknown ids)
COLORS = _lut({c.id: c.color for c in CLASSES}, 0, np.uint8, (3,))
#: (256,) uint8: class id → Cityscapes trainId
TRAIN_ID_LUT = _lut(TRAIN_IDS, IGNORE_TRAIN_ID, np.uint8)


def paths(camera: str, index: int) -> dict[str, str]:
    """Relative path of each Cityscapes file of one frame, keyed like ``LAYOUT``."""
    return {key: value.split(" (")[0].format(camera=camera, frame=index) for key, value in LAYOUT.items()}


def label_ids(class_id: np.ndarray, void_extra_ids: bool = False) -> np.ndarray:
    """(H, W) uint8 labelIds from the class image (H, W) uint8: a copy; with ``void_extra_ids`` lane
    markings become road and our other ids ≥ 34 become 0."""
    out = np.array(class_id, dtype=np.uint8, copy=True)
    if void_extra_ids:
        out[out == LANE_MARKING] = ROAD
        out[out >= FIRST_EXTRA_ID] = 0
    return out


def instance_ids(class_id: np.ndarray, instance: np.ndarray,
                 void_extra_ids: bool = False) -> tuple[np.ndarray, list[dict]]:
    """Cityscapes instanceIds (H, W) uint16 and its table, from the class image (H, W) uint8 and the
    instance image (H, W) uint32 (0 = none, else track id).

    The table has one row per (class, track) pair present, sorted by class id then track id:
    ``{"track_id", "class_id", "k", "instance_id", "pixels"}``; ``k`` and ``instance_id`` are None for a
    pair beyond the 1000th of its class, whose pixels hold the plain class id.
    """
    if class_id.shape != instance.shape:
        raise ValueError(f"class image {class_id.shape} and instance image {instance.shape} differ in shape")
    labels = label_ids(class_id, void_extra_ids)
    out = labels.astype(np.uint16)
    mask = (instance != 0) & HAS_INSTANCES[labels]
    keys = (labels[mask].astype(np.uint64) << np.uint64(32)) | instance[mask].astype(np.uint64)
    pairs, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    cls = (pairs >> np.uint64(32)).astype(np.int64)
    track = (pairs & np.uint64(0xFFFFFFFF)).astype(np.int64)
    k = np.arange(len(pairs)) - np.searchsorted(cls, cls, side="left")   # rank within its class
    split = k < INSTANCE_FACTOR
    value = np.where(split, cls * INSTANCE_FACTOR + k, cls)
    out[mask] = value[inverse.ravel()].astype(np.uint16)
    table = [{"track_id": int(track[i]), "class_id": int(cls[i]),
              "k": int(k[i]) if split[i] else None,
              "instance_id": int(value[i]) if split[i] else None,
              "pixels": int(counts[i])} for i in range(len(pairs))]
    return out, table


def colorize(labels: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB colour image of a label id image (H, W) uint8."""
    return COLORS[labels]


def train_ids(labels: np.ndarray) -> np.ndarray:
    """(H, W) uint8 Cityscapes trainIds of a label id image (H, W) uint8; 255 = ignore."""
    return TRAIN_ID_LUT[labels]


def write_cityscapes(root: Path, camera: str, index: int, class_id: np.ndarray, instance: np.ndarray,
                     void_extra_ids: bool = False) -> list[dict]:
    """Write the four gtFine files of frame ``index`` of ``camera`` under ``root``; returns the
    instance table of ``instance_ids`` (for the frame JSON)."""
    labels = label_ids(class_id, void_extra_ids)
    ids, table = instance_ids(class_id, instance, void_extra_ids)
    p = paths(camera, index)
    files.write_png(root / p["cityscapes_labelIds"], labels)
    files.write_png(root / p["cityscapes_instanceIds"], ids)
    files.write_png(root / p["cityscapes_color"], colorize(labels))
    files.write_png(root / p["cityscapes_labelTrainIds"], train_ids(labels))
    return table
