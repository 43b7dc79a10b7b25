"""COCO instances JSON: images, annotations with uncompressed RLE masks, Cityscapes-id categories.

An object below the label filter (ObjectLabels.ignore) is a crowd region (iscrowd 1: COCOeval neither
rewards nor punishes detections there): its visible pixels, or the image part of its amodal box when none
shows. Every annotation carries ``attributes`` (amodal box, occlusion, truncation, visibility, distance)
and ``track_id``, which pycocotools ignores.
"""
from __future__ import annotations

import numpy as np

from scenariosim.labels.objects import ObjectLabels
from scenariosim.taxonomy import CLASSES


def rle_encode(mask: np.ndarray) -> dict:
    """COCO uncompressed RLE of a boolean mask (H, W): column-major run lengths, starting with zeros."""
    flat = mask.ravel(order="F").astype(np.int8)
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate(([0], change, [flat.size]))
    counts = np.diff(bounds).tolist()
    if flat.size and flat[0]:
        counts.insert(0, 0)
    return {"size": [int(mask.shape[0]), int(mask.shape[1])], "counts": counts}


def categories() -> list[dict]:
    """One COCO category per class that has instances; ids are Cityscapes label ids."""
    return [{"id": c.id, "name": c.name, "supercategory": c.category} for c in CLASSES if c.has_instances]


def attributes(labels: ObjectLabels, k: int) -> dict:
    """What COCO has no field for, of object k: its name, amodal box (COCO x, y, w, h, unclipped),
    occlusion, truncation, visibility and distance [m]."""
    x0, y0, x1, y1 = (float(v) for v in labels.amodal[k])
    return {"name": labels.name[k], "bbox_amodal": [round(x0, 3), round(y0, 3), round(x1 - x0, 3), round(y1 - y0, 3)],
            "occlusion": round(float(labels.occlusion[k]), 4), "truncation": round(float(labels.truncation[k]), 4),
            "visibility": round(float(labels.visibility[k]), 4),
            "distance_m": round(float(np.linalg.norm(labels.location[k])), 3)}


class CocoBuilder:
    """Accumulates images and annotations; ``document()`` returns the whole COCO dict."""

    def __init__(self, description: str) -> None:
        self.info = {"description": description, "version": "1.0", "contributor": "scenariosim"}
        self.images: list[dict] = []
        self.annotations: list[dict] = []

    def add(self, file_name: str, instance: np.ndarray, labels: ObjectLabels, **extra) -> int:
        """Add one image (H, W) with its labels; returns the image id. ``extra`` keys go on the image."""
        image_id = len(self.images) + 1
        h, w = instance.shape
        self.images.append({"id": image_id, "file_name": file_name, "width": int(w), "height": int(h), **extra})
        for k in range(len(labels.instance)):
            mask = instance == labels.instance[k]
            if labels.visible[k] == 0:                       # hidden: its amodal box's part in the image
                x0, y0, x1, y1 = (int(round(v)) for v in labels.amodal_clipped[k])
                mask = np.zeros_like(mask)
                mask[y0:y1, x0:x1] = True
                if not mask.any():
                    continue
                ys, xs = np.nonzero(mask)
                box = [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1]
            else:
                box = [int(v) for v in labels.box[k]]
            self.annotations.append({
                "id": len(self.annotations) + 1, "image_id": image_id,
                "category_id": int(labels.class_id[k]),
                "bbox": [box[0], box[1], box[2] - box[0], box[3] - box[1]], "area": int(mask.sum()),
                "iscrowd": int(labels.ignore[k]),
                "segmentation": rle_encode(mask),
                "track_id": int(labels.instance[k]),
                "attributes": attributes(labels, k),
            })
        return image_id

    def document(self) -> dict:
        return {"info": self.info, "licenses": [], "images": self.images,
                "annotations": self.annotations, "categories": categories()}
