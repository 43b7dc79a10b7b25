"""COCO instances JSON: images, annotations with uncompressed RLE masks, Cityscapes-id categories."""
from __future__ import annotations

import numpy as np

from scenariosim.labels.boxes import Labels
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


class CocoBuilder:
    """Accumulates images and annotations; ``document()`` returns the whole COCO dict."""

    def __init__(self, description: str) -> None:
        self.info = {"description": description, "version": "1.0", "contributor": "scenariosim"}
        self.images: list[dict] = []
        self.annotations: list[dict] = []

    def add(self, file_name: str, instance: np.ndarray, labels: Labels, **extra) -> int:
        """Add one image (H, W) with its labels; returns the image id. ``extra`` keys go on the image."""
        image_id = len(self.images) + 1
        h, w = instance.shape
        self.images.append({"id": image_id, "file_name": file_name, "width": int(w), "height": int(h), **extra})
        for k in range(len(labels.instance)):
            x0, y0, x1, y1 = (int(v) for v in labels.box[k])
            self.annotations.append({
                "id": len(self.annotations) + 1, "image_id": image_id,
                "category_id": int(labels.class_id[k]),
                "bbox": [x0, y0, x1 - x0, y1 - y0], "area": int(labels.pixels[k]), "iscrowd": 0,
                "segmentation": rle_encode(instance == labels.instance[k]),
                "track_id": int(labels.instance[k]),
            })
        return image_id

    def document(self) -> dict:
        return {"info": self.info, "licenses": [], "images": self.images,
                "annotations": self.annotations, "categories": categories()}
