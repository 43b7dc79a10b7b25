"""scenariosim's own per-frame JSON: every ObjectLabels field of every object, who hides whom, the camera.

Deterministic: keys in a fixed order, floats rounded to fixed decimals (``DECIMALS``):

- pixels (amodal boxes): 3 decimals; tight boxes and pixel counts are integers;
- metres, radians, metres per second (location, dimensions, rotation_y, alpha, speed): 6 decimals;
- fractions (occlusion, truncation, visibility): 6 decimals;
- camera calibration (K, dist, R, t) and time [s]: 9 decimals.

−0.0 is written as 0.0; a non-finite float (NaN, ±inf) as null, which reads back as NaN.
Document layout::

    {"format": "scenariosim-frame", "version": 1, "camera": name, "frame": index, "time_s": t,
     "calibration": {"width", "height", "K" (3×3), "dist" (k1, k2, p1, p2, k3), "R" (3×3), "t" (3,)},
     "objects": [{"track_id", "class_id", "class_name", "name", "box", "amodal", "amodal_clipped",
                  "visible", "unoccluded", "total", "occlusion", "truncation", "visibility",
                  "location", "dimensions", "rotation_y", "alpha", "speed", "lane", "behavior", "ignore"}, …],
     "occluders": [{"occluder", "occluded", "pixels"}, …],           # occluder 0 = the static scene
     "cityscapes_instances": [{"track_id", "class_id", "k", "instance_id", "pixels"}, …] or null}

``cityscapes_instances`` is the table of cityscapes.instance_ids: which Cityscapes instance id (and COCO
panoptic segment id, the same number) each (class, track) pair got in this frame; null when not written.
Boxes are (x0, y0, x1, y1) in COCO's continuous convention; camera-frame values follow OpenCV/KITTI
(ObjectLabels documents each field).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from scenariosim.dataset import files
from scenariosim.labels.objects import ObjectLabels
from scenariosim.sensors.camera import Camera
from scenariosim.taxonomy import BY_ID

#: manifest layout entry (path template, then a description in brackets)
LAYOUT = {"frames": "frames/{camera}/{frame:06d}.json (scenariosim per-frame labels: objects, occluders, camera)"}
FORMAT = "scenariosim-frame"
VERSION = 1
#: decimals kept per kind of value
DECIMALS = {"px": 3, "m": 6, "fraction": 6, "calibration": 9, "time": 9}


def path(camera: str, index: int) -> str:
    """The frame JSON of one frame, relative to the dataset root."""
    return LAYOUT["frames"].split(" (")[0].format(camera=camera, frame=index)


def _num(x, decimals: int):
    x = float(x)
    if not math.isfinite(x):
        return None
    return round(x, decimals) + 0.0          # + 0.0 turns −0.0 into 0.0


def _nums(a, decimals: int) -> list:
    """A nested list of rounded floats from an array of any shape."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return _num(a, decimals)
    return [_nums(row, decimals) for row in a]


def _float(x) -> float:
    return math.nan if x is None else float(x)


def camera_document(camera: Camera) -> dict:
    d = DECIMALS["calibration"]
    return {"width": int(camera.width), "height": int(camera.height), "K": _nums(camera.K, d),
            "dist": _nums(camera.dist, d), "R": _nums(camera.R, d), "t": _nums(camera.t, d)}


def object_rows(labels: ObjectLabels) -> list[dict]:
    """One dict per ObjectLabels row, keys in the documented order."""
    px, m, fr = DECIMALS["px"], DECIMALS["m"], DECIMALS["fraction"]
    visibility = labels.visibility
    rows = []
    for k in range(len(labels.instance)):
        cid = int(labels.class_id[k])
        rows.append({
            "track_id": int(labels.instance[k]), "class_id": cid,
            "class_name": BY_ID[cid].name if cid in BY_ID else "", "name": str(labels.name[k]),
            "box": [int(v) for v in labels.box[k]],
            "amodal": _nums(labels.amodal[k], px), "amodal_clipped": _nums(labels.amodal_clipped[k], px),
            "visible": int(labels.visible[k]), "unoccluded": int(labels.unoccluded[k]), "total": int(labels.total[k]),
            "occlusion": _num(labels.occlusion[k], fr), "truncation": _num(labels.truncation[k], fr),
            "visibility": _num(visibility[k], fr),
            "location": _nums(labels.location[k], m), "dimensions": _nums(labels.dimensions[k], m),
            "rotation_y": _num(labels.rotation_y[k], m), "alpha": _num(labels.alpha[k], m),
            "speed": _num(labels.speed[k], m), "lane": int(labels.lane[k]), "behavior": str(labels.behavior[k]),
            "ignore": bool(labels.ignore[k]),
        })
    return rows


def frame_document(labels: ObjectLabels, camera: Camera, *, camera_name: str, index: int, time: float,
                   cityscapes: list[dict] | None = None) -> dict:
    """The whole frame JSON as a dict (see the module doc); ``time`` [s] simulation time."""
    return {
        "format": FORMAT, "version": VERSION, "camera": camera_name, "frame": int(index),
        "time_s": _num(time, DECIMALS["time"]), "calibration": camera_document(camera),
        "objects": object_rows(labels),
        "occluders": [{"occluder": int(a), "occluded": int(b), "pixels": int(n)}
                      for a, b, n in np.asarray(labels.occluders, dtype=np.int64).reshape(-1, 3)],
        "cityscapes_instances": None if cityscapes is None else [
            {"track_id": int(r["track_id"]), "class_id": int(r["class_id"]),
             "k": None if r["k"] is None else int(r["k"]),
             "instance_id": None if r["instance_id"] is None else int(r["instance_id"]),
             "pixels": int(r["pixels"])} for r in cityscapes],
    }


def write_frame_json(root: Path, camera_name: str, index: int, labels: ObjectLabels, camera: Camera,
                     time: float, cityscapes: list[dict] | None = None) -> str:
    """Write ``frames/<camera>/%06d.json`` under ``root``; returns its path relative to ``root``."""
    rel = path(camera_name, index)
    files.write_json(root / rel, frame_document(labels, camera, camera_name=camera_name, index=index,
                                                time=time, cityscapes=cityscapes))
    return rel


def labels_from_document(doc: dict) -> ObjectLabels:
    """ObjectLabels back from a frame JSON dict (floats as rounded when written; null → NaN)."""
    objs = doc["objects"]

    def floats(key, width=None):
        if width is None:
            return np.array([_float(o[key]) for o in objs], dtype=np.float64)
        return np.array([[_float(v) for v in o[key]] for o in objs], dtype=np.float64).reshape(-1, width)

    occ = np.array([[r["occluder"], r["occluded"], r["pixels"]] for r in doc["occluders"]], dtype=np.int64)
    return ObjectLabels(
        instance=np.array([o["track_id"] for o in objs], dtype=np.uint32),
        class_id=np.array([o["class_id"] for o in objs], dtype=np.uint8),
        name=tuple(o["name"] for o in objs),
        box=np.array([o["box"] for o in objs], dtype=np.int64).reshape(-1, 4),
        amodal=floats("amodal", 4), amodal_clipped=floats("amodal_clipped", 4),
        visible=np.array([o["visible"] for o in objs], dtype=np.int64),
        unoccluded=np.array([o["unoccluded"] for o in objs], dtype=np.int64),
        total=np.array([o["total"] for o in objs], dtype=np.int64),
        occlusion=floats("occlusion"), truncation=floats("truncation"),
        location=floats("location", 3), dimensions=floats("dimensions", 3),
        rotation_y=floats("rotation_y"), alpha=floats("alpha"), speed=floats("speed"),
        lane=np.array([o["lane"] for o in objs], dtype=np.int64),
        behavior=tuple(o["behavior"] for o in objs),
        ignore=np.array([o["ignore"] for o in objs], dtype=bool),
        occluders=occ.reshape(-1, 3))


def camera_from_document(doc: dict) -> Camera:
    """The Camera of a frame JSON dict (near/far planes are not stored: defaults)."""
    c = doc["calibration"]
    return Camera(K=np.array(c["K"], dtype=np.float64), R=np.array(c["R"], dtype=np.float64),
                  t=np.array(c["t"], dtype=np.float64), width=int(c["width"]), height=int(c["height"]),
                  dist=np.array(c["dist"], dtype=np.float64))


def read_frame_json(path: Path) -> tuple[ObjectLabels, dict]:
    """(ObjectLabels, the whole document) of a frame JSON file."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    return labels_from_document(doc), doc
