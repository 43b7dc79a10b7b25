"""COCO panoptic segmentation: one RGB PNG per frame plus ``annotations/panoptic.json``.

Segment ids are the Cityscapes instanceIds values (cityscapes.instance_ids), so the two exports name the
same segments alike, as cityscapesScripts' ``createPanopticImgs`` does:

- a thing (class with instances) of one agent: ``class_id · 1000 + k``, ``iscrowd`` 0, or 1 when the
  agent's ObjectLabels row has ``ignore`` set (below the visibility thresholds); a motorcycle's or
  bicycle's rider is its own segment of class rider, with the agent's ignore flag;
- thing pixels that belong to no agent, or beyond the 1000th agent of a class in the image: one segment
  per class, id = the class id, ``iscrowd`` 1 (a group);
- stuff (road, sidewalk, building, …, sky, lane_marking): one segment per class present, id = the class
  id, ``iscrowd`` 0;
- unlabeled (class 0) and any id taxonomy.py does not know: void, id 0, in no segment.

PNG: (H, W, 3) uint8 RGB with ``id = R + 256·G + 256²·B``. ``segments_info`` rows are sorted by id;
``bbox`` is ``[x, y, w, h]`` in COCO's continuous convention (pixel columns i..j give x = i, w = j − i + 1),
``area`` the pixel count. Annotation ``file_name`` is the PNG's path relative to the dataset root, so
panopticapi's ``pq_compute`` takes the dataset root as ``gt_folder``. Category ids are the class ids
(the COCO instances file uses the same ids); ``isthing`` is taxonomy's ``has_instances``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import ndimage

from scenariosim.dataset import files
from scenariosim.dataset.cityscapes import INSTANCE_FACTOR, instance_ids
from scenariosim.labels.objects import ObjectLabels
from scenariosim.taxonomy import BY_ID, CLASSES, UNLABELED

#: manifest layout entries (path template, then a description in brackets)
LAYOUT = {
    "panoptic": "panoptic/{camera}/{frame:06d}.png (COCO panoptic ids, id = R + 256·G + 256²·B, 0 = void)",
    "panoptic_json": "annotations/panoptic.json",
}
PANOPTIC_JSON = "annotations/panoptic.json"


def png_path(camera: str, index: int) -> str:
    """The panoptic PNG of one frame, relative to the dataset root."""
    return LAYOUT["panoptic"].split(" (")[0].format(camera=camera, frame=index)


def categories() -> list[dict]:
    """Every class but unlabeled, in taxonomy order: ``{id, name, supercategory, isthing, color}``."""
    return [{"id": c.id, "name": c.name, "supercategory": c.category, "isthing": int(c.has_instances),
             "color": list(c.color)} for c in CLASSES if c.id != UNLABELED]


def encode_ids(ids: np.ndarray) -> np.ndarray:
    """(H, W) segment ids (< 2²⁴) → (H, W, 3) uint8 RGB with id = R + 256·G + 256²·B."""
    ids = np.asarray(ids, dtype=np.uint32)
    return np.stack([ids & 0xFF, (ids >> 8) & 0xFF, (ids >> 16) & 0xFF], axis=-1).astype(np.uint8)


def decode_ids(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB → (H, W) uint32 segment ids, R + 256·G + 256²·B."""
    rgb = rgb.astype(np.uint32)
    return rgb[..., 0] + (rgb[..., 1] << 8) + (rgb[..., 2] << 16)


def segment_stats(ids: np.ndarray) -> list[tuple[int, int, list[int]]]:
    """(id, area, bbox [x, y, w, h]) of every non-zero id of the (H, W) id image, sorted by id."""
    if ids.size == 0:
        return []
    values, compact = np.unique(ids, return_inverse=True)
    compact = compact.reshape(ids.shape) + 1                     # 1.. for find_objects
    areas = np.bincount(compact.ravel(), minlength=len(values) + 1)
    boxes = ndimage.find_objects(compact)
    out = []
    for i, v in enumerate(values.tolist()):
        if v == 0:
            continue
        ys, xs = boxes[i]
        out.append((int(v), int(areas[i + 1]), [xs.start, ys.start, xs.stop - xs.start, ys.stop - ys.start]))
    return out


def panoptic_segments(class_id: np.ndarray, instance: np.ndarray,
                      labels: ObjectLabels | None = None) -> tuple[np.ndarray, list[dict]]:
    """Segment id image (H, W) uint32 and ``segments_info`` of one frame.

    class_id (H, W) uint8 and instance (H, W) uint32 are the frame's class and instance images; ``labels``
    gives the ignore flag of each track (None: no agent is ignored).
    """
    ids, table = instance_ids(class_id, instance)
    ids = ids.astype(np.uint32)
    known = np.zeros(256, bool)
    known[[c.id for c in CLASSES if c.id != UNLABELED]] = True
    cls = np.where(ids >= INSTANCE_FACTOR, ids // INSTANCE_FACTOR, ids).astype(np.uint8)
    ids[~known[cls]] = 0
    ignored = set() if labels is None else {int(t) for t in np.asarray(labels.instance)[np.asarray(labels.ignore, bool)]}
    crowd_ids = {row["instance_id"] for row in table if row["instance_id"] is not None and row["track_id"] in ignored}
    track_of = {row["instance_id"]: row["track_id"] for row in table if row["instance_id"] is not None}
    segments = []
    for sid, area, bbox in segment_stats(ids):
        category = sid // INSTANCE_FACTOR if sid >= INSTANCE_FACTOR else sid
        thing = BY_ID[category].has_instances
        crowd = thing and (sid < INSTANCE_FACTOR or sid in crowd_ids)
        segment = {"id": sid, "category_id": category, "area": area, "bbox": bbox, "iscrowd": int(crowd)}
        if sid in track_of:                           # the agent, as in every other format (panopticapi ignores it)
            segment["track_id"] = track_of[sid]
        segments.append(segment)
    return ids, segments


class PanopticBuilder:
    """Accumulates panoptic images and annotations; ``document()`` returns the whole panoptic.json dict."""

    def __init__(self, description: str) -> None:
        self.info = {"description": description, "version": "1.0", "contributor": "scenariosim"}
        self.images: list[dict] = []
        self.annotations: list[dict] = []

    def add(self, image_id: int, file_name: str, width: int, height: int, png_file: str,
            segments_info: list[dict]) -> None:
        """Add one image: ``image_id`` and ``file_name`` (the colour image) as in the COCO instances file,
        ``png_file`` the panoptic PNG, both relative to the dataset root."""
        self.images.append({"id": int(image_id), "file_name": file_name, "width": int(width), "height": int(height)})
        self.annotations.append({"image_id": int(image_id), "file_name": png_file, "segments_info": segments_info})

    def document(self) -> dict:
        return {"info": self.info, "licenses": [], "images": self.images, "annotations": self.annotations,
                "categories": categories()}


def write_panoptic(root: Path, camera: str, index: int, class_id: np.ndarray, instance: np.ndarray,
                   labels: ObjectLabels | None, image_id: int, image_file: str,
                   builder: PanopticBuilder) -> list[dict]:
    """Write frame ``index`` of ``camera``'s panoptic PNG under ``root`` and add it to ``builder`` under
    ``image_id`` (the COCO instances image id of the same frame); returns its segments_info."""
    ids, segments = panoptic_segments(class_id, instance, labels)
    png = png_path(camera, index)
    files.write_png(root / png, encode_ids(ids))
    h, w = ids.shape
    builder.add(image_id, image_file, w, h, png, segments)
    return segments


def write_panoptic_json(root: Path, builder: PanopticBuilder) -> None:
    """Write ``annotations/panoptic.json``."""
    files.write_json(root / PANOPTIC_JSON, builder.document())
