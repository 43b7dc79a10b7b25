"""YOLO (Ultralytics) labels: detection rows, segmentation polygons and data.yaml.

Layout (``LAYOUT``), ids = the frame index::

    labels/<camera>/%06d.txt       detection: ``class xc yc w h`` per object
    labels_seg/<camera>/%06d.txt   segmentation: ``class x1 y1 x2 y2 … xn yn`` per object
    data.yaml                      train / val image folders and the class names

Ultralytics finds an image's labels by replacing the last ``/images/`` of its path with ``/labels/``
and the extension with ``.txt``, so ``labels/<camera>/%06d.txt`` beside the dataset's own
``images/<camera>/%06d.png`` is found with no copy: ``yolo detect train data=<dataset>/data.yaml``.
Segmentation labels cannot share that folder (Ultralytics reads one label file per image), so they
sit in ``labels_seg/``; to train a segmentation model, swap it in for ``labels/`` (for example
``mv labels labels_det && mv labels_seg labels``). data.yaml has no ``path`` key on purpose:
without one Ultralytics takes the YAML's own folder as the dataset root, while a relative ``path``
would be resolved against its settings' datasets_dir. scenariosim does not split data, so ``val``
names the same folders as ``train``; split by scenario or seed for a real validation set.

Conventions:

- Every coordinate is normalised to [0, 1] by the image width and height, 6 decimals.
- Boxes are the TIGHT box of the visible pixels (what a detector sees), continuous: pixel i spans
  [i, i + 1], so ``xc = (x0 + x1) / 2 / W`` and ``w = (x1 − x0) / W`` invert to COCO's
  ``[x0, y0, x1 − x0, y1 − y0]``.
- class = 0-based index into CLASS_IDS: our classes that have instances, in taxonomy order (the
  COCO writer's categories, in the same order); data.yaml ``names`` maps index → name. ``rider`` has
  an index but no rows: riders are part of their bicycle or motorcycle.
- Ignored objects are not written (YOLO has no ignore regions), nor objects with no visible pixel.
- Polygons trace the object's visible mask (instance image == id) with cv2.findContours: outer
  boundaries only, so holes are filled in; vertices are the centres of boundary pixels, written as
  ((i + 0.5) / W, (j + 0.5) / H), which Ultralytics' int() truncation rasterises back onto pixel
  (i, j). An object seen in several pieces (split by an occluder) stays ONE row, "one row per
  object" as Ultralytics specifies: the pieces are chained by zero-width bridges between their
  nearest vertices, as Ultralytics' own COCO converter does (merge_multi_segment). Pieces with
  fewer than 3 vertices (one- or two-pixel slivers) are dropped; an object left with none has no
  segmentation row.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from scenariosim.dataset.files import write_text_atomic
from scenariosim.labels.objects import ObjectLabels
from scenariosim.sensors.frame import Frame
from scenariosim.taxonomy import BY_ID, CLASSES

#: manifest layout strings, {camera} and {frame} filled in as the other layout entries are
LAYOUT = {
    "yolo": "labels/{camera}/{frame:06d}.txt (YOLO detection: class xc yc w h, normalised tight visible boxes)",
    "yolo_seg": "labels_seg/{camera}/{frame:06d}.txt (YOLO segmentation: class x1 y1 ... xn yn, normalised)",
    "yolo_data": "data.yaml (Ultralytics dataset file: train/val = images/{camera}, names)",
}

#: YOLO class index → our class id: the classes with instances, in taxonomy order
CLASS_IDS: tuple[int, ...] = tuple(c.id for c in CLASSES if c.has_instances)
#: our class id → YOLO class index
CLASS_INDEX: dict[int, int] = {cid: i for i, cid in enumerate(CLASS_IDS)}

DATA_YAML = "data.yaml"


def names() -> dict[int, str]:
    """YOLO class index → class name, as data.yaml's ``names``."""
    return {i: BY_ID[cid].name for i, cid in enumerate(CLASS_IDS)}


def yolo_class(class_id: int) -> int:
    """The YOLO index of one of our class ids; ValueError for a class without instances."""
    try:
        return CLASS_INDEX[int(class_id)]
    except KeyError:
        raise ValueError(f"class {int(class_id)} has no instances and no YOLO index") from None


def written(labels: ObjectLabels) -> np.ndarray:
    """(K,) bool the objects YOLO gets: not ignored, at least one visible pixel."""
    return ~np.asarray(labels.ignore, dtype=bool) & (np.asarray(labels.visible) > 0)


def detection_lines(labels: ObjectLabels, width: int, height: int) -> list[str]:
    """``class xc yc w h`` per written object, from the tight box (x0, y0, x1, y1) [px] normalised by W, H."""
    lines = []
    for k in np.flatnonzero(written(labels)):
        x0, y0, x1, y1 = (float(v) for v in labels.box[k])
        lines.append("%d %.6f %.6f %.6f %.6f" % (
            yolo_class(labels.class_id[k]), (x0 + x1) / 2 / width, (y0 + y1) / 2 / height,
            (x1 - x0) / width, (y1 - y0) / height))
    return lines


def _pieces(mask: np.ndarray, offset: tuple[int, int]) -> list[np.ndarray]:
    """Outer contours (n, 2) int64 [px] (x, y) of a boolean mask with ≥ 3 vertices each, shifted by
    offset (x, y), sorted by their top-left vertex (y, then x) so the order never depends on OpenCV."""
    padded = np.pad(mask, 1).astype(np.uint8)          # a 1-px frame: pieces never touch the border
    contours, _ = cv2.findContours(padded, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    shift = np.array([offset[0] - 1, offset[1] - 1])
    pieces = [c.reshape(-1, 2).astype(np.int64) + shift for c in contours if len(c) >= 3]
    return sorted(pieces, key=_top_left)


def _top_left(piece: np.ndarray) -> tuple[int, int]:
    """(y, x) of a piece's topmost vertex, leftmost among equals."""
    top = int(piece[:, 1].min())
    return top, int(piece[piece[:, 1] == top, 0].min())


def _nearest(a: np.ndarray, b: np.ndarray) -> tuple[int, int]:
    """Indices (i, j) of the closest pair a[i], b[j] (first such pair in row-major order)."""
    d = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
    i, j = np.unravel_index(int(np.argmin(d)), d.shape)
    return int(i), int(j)


def merge_pieces(pieces: Sequence[np.ndarray]) -> np.ndarray:
    """One (n, 2) polygon through every piece: piece k + 1 hangs off piece k by a zero-width bridge
    between their nearest vertices, walked there and back, so the pieces' areas are unchanged."""
    if len(pieces) == 1:
        return pieces[0]
    exits, entries = [0] * len(pieces), [0] * len(pieces)
    for k in range(len(pieces) - 1):
        exits[k], entries[k + 1] = _nearest(pieces[k], pieces[k + 1])
    path = None
    for k in range(len(pieces) - 1, -1, -1):        # innermost (last) piece first
        ring = np.roll(pieces[k], -entries[k], axis=0)
        ring = np.vstack([ring, ring[:1]])            # closed: back to the entry vertex
        if path is not None:
            at = (exits[k] - entries[k]) % len(pieces[k])
            ring = np.vstack([ring[:at + 1], path, ring[at:]])
        path = ring
    return path[:-1]                                  # the outermost ring's closing vertex is implicit


def object_polygon(instance: np.ndarray, instance_id: int, box: np.ndarray) -> np.ndarray | None:
    """(n, 2) int64 [px] polygon (x, y) of boundary-pixel centres of the object ``instance_id`` in the
    (H, W) uint32 instance image, searched inside its tight box (x0, y0, x1, y1); None if no piece has
    3 vertices."""
    x0, y0, x1, y1 = (int(v) for v in box)
    pieces = _pieces(instance[y0:y1, x0:x1] == instance_id, (x0, y0))
    return merge_pieces(pieces) if pieces else None


def segmentation_lines(instance: np.ndarray, labels: ObjectLabels) -> list[str]:
    """``class x1 y1 … xn yn`` per written object with a polygon; vertex (i, j) → ((i + 0.5)/W, (j + 0.5)/H)."""
    h, w = instance.shape
    lines = []
    for k in np.flatnonzero(written(labels)):
        poly = object_polygon(instance, int(labels.instance[k]), labels.box[k])
        if poly is None:
            continue
        xy = (poly + 0.5) / np.array([w, h], dtype=np.float64)
        lines.append(f"{yolo_class(labels.class_id[k])} " + " ".join("%.6f" % v for v in xy.ravel()))
    return lines


def _text(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def detection_path(root: Path, camera_name: str, index: int) -> Path:
    return Path(root) / "labels" / camera_name / f"{index:06d}.txt"


def segmentation_path(root: Path, camera_name: str, index: int) -> Path:
    return Path(root) / "labels_seg" / camera_name / f"{index:06d}.txt"


def write_yolo_frame(root: Path, camera_name: str, index: int, frame: Frame, labels: ObjectLabels) -> None:
    """Write frame ``index`` of camera ``camera_name``: its detection and segmentation label files
    (empty when no object is written), under ``root`` (a staging folder)."""
    h, w = frame.instance.shape
    for path, lines in ((detection_path(root, camera_name, index), detection_lines(labels, w, h)),
                        (segmentation_path(root, camera_name, index), segmentation_lines(frame.instance, labels))):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, _text(lines))


def data_yaml_text(cameras: Sequence[str]) -> str:
    """data.yaml for the dataset root: ``train`` and ``val`` list images/<camera> for every camera (in
    the order given), ``nc`` and ``names`` {index: name}. Strings are JSON-quoted, which YAML reads as
    double-quoted scalars; no ``path`` key (the YAML's folder is the root)."""
    folders = "[" + ", ".join(json.dumps(f"images/{c}") for c in cameras) + "]"
    lines = ["# scenariosim YOLO dataset (Ultralytics). No 'path': the root is this file's folder.",
             "# Detection labels: labels/<camera>/; segmentation labels: labels_seg/<camera>/.",
             f"train: {folders}", f"val: {folders}", f"nc: {len(CLASS_IDS)}", "names:"]
    lines += [f"  {i}: {json.dumps(name)}" for i, name in names().items()]
    return _text(lines)


def write_data_yaml(root: Path, cameras: Sequence[str]) -> None:
    """Write ``root``/data.yaml (data_yaml_text)."""
    path = Path(root) / DATA_YAML
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, data_yaml_text(cameras))
