"""Check a written dataset against its manifest.json and the format rules; list every violation.

``validate_dataset(folder)`` returns messages ``"<file relative to the folder>: <why>"`` in the order found
(manifest, then every frame's files in frame order, then counts, then each format), at most
``MAX_VIOLATIONS`` of them plus a last "… and N more". An empty list means the dataset is valid.

What it reads from the manifest:

- ``cameras``: ``{name: {"width", "height", …}}``; an optional ``"frames"`` per camera (a count, frames
  0..n−1, or a list of frame numbers) says which frames exist; without it the COCO images (their
  ``camera`` and ``frame`` keys) do, and without those the files under the ``images`` layout entry.
- ``layout``: ``{key: "path/{camera}/{frame:06d}.ext (description)"}``; the path is the text before " (".
  Every entry's file must exist for every frame (entries without ``{frame}``: once); every PNG and .npy
  among them must have its camera's size.
- ``frames`` and ``annotations``: must equal the frames found and the COCO annotations.
- ``formats``: the formats written, each checked by ``CHECKS[name]``. Without the key: ``coco`` when the
  layout names it, plus every format one of whose layout keys (``FORMAT_KEYS``) the layout names. A name
  without a check is only checked for its layout's files.

Each check is a function ``check(ds: Dataset) -> None`` that reports through ``ds.report(path, message)``.
It finds its files by its layout key in the manifest, else by its default templates (``DEFAULTS``: the
first whose first frame's file exists). The KITTI and YOLO checks are deliberately minimal (field counts
and value ranges); adapt ``DEFAULTS`` and the two functions to the final layouts.
"""
from __future__ import annotations

import contextlib
import io
import json
import math
import re
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from scenariosim.dataset import cityscapes, depth, frame_json, panoptic
from scenariosim.dataset.files import DATASET_FORMAT, MANIFEST
from scenariosim.taxonomy import BY_ID

MAX_VIOLATIONS = 50

#: layout keys that belong to each format (used to infer ``formats`` when the manifest has no list)
FORMAT_KEYS: dict[str, tuple[str, ...]] = {
    "coco": ("coco",),
    "cityscapes": tuple(cityscapes.LAYOUT),
    "panoptic": tuple(panoptic.LAYOUT),
    "depth": ("depth_png",),
    "frames": tuple(frame_json.LAYOUT),
    "kitti": ("kitti_label", "kitti_calib"),
    "yolo": ("yolo", "yolo_seg", "yolo_data"),
}

#: default path templates per layout key, tried in order, for keys the manifest's layout does not name
DEFAULTS: dict[str, tuple[str, ...]] = {
    "images": ("images/{camera}/{frame:06d}.png",),
    "semantic": ("semantic/{camera}/{frame:06d}.png",),
    "instance": ("instance/{camera}/{frame:06d}.png",),
    "depth": ("depth/{camera}/{frame:06d}.npy",),
    "coco": ("annotations/instances.json",),
    **{k: (v.split(" (")[0],) for k, v in {**cityscapes.LAYOUT, **panoptic.LAYOUT, **depth.LAYOUT,
                                            **frame_json.LAYOUT}.items()},
    "kitti_label": ("kitti/{camera}/label_2/{frame:06d}.txt", "kitti/{camera}/training/label_2/{frame:06d}.txt"),
    "kitti_calib": ("kitti/{camera}/calib/{frame:06d}.txt", "kitti/{camera}/training/calib/{frame:06d}.txt"),
    "yolo": ("labels/{camera}/{frame:06d}.txt", "yolo/labels/{camera}/{frame:06d}.txt", "yolo/{camera}/{frame:06d}.txt"),
    "yolo_seg": ("labels_seg/{camera}/{frame:06d}.txt", "yolo/labels_seg/{camera}/{frame:06d}.txt"),
}

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _template(value) -> str | None:
    """The path part of a layout value ("path (description)")."""
    return value.split(" (")[0].strip() if isinstance(value, str) and value.strip() else None


class Dataset:
    """A dataset folder being validated: its manifest, cameras, frames, layout, and the violations so far."""

    def __init__(self, root: Path, manifest: dict) -> None:
        self.root = root
        self.manifest = manifest
        self.violations: list[str] = []
        self.cameras: dict[str, tuple[int, int]] = {}       # name → (width, height)
        self.frames: list[tuple[str, int]] = []              # (camera, frame), in order
        layout = manifest.get("layout") if isinstance(manifest.get("layout"), dict) else {}
        self.layout: dict[str, str] = {k: t for k, v in layout.items() if (t := _template(v))}
        self.coco: dict | None = None
        self._missing: set[str] = set()

    # ------------------------------------------------------------------ reporting and paths
    def report(self, path, message: str) -> None:
        self.violations.append(f"{self.rel(path)}: {message}")

    def rel(self, path) -> str:
        p = Path(path)
        try:
            return p.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def template(self, key: str) -> str | None:
        """The layout template of ``key``: the manifest's, else the first default whose first frame exists."""
        if key in self.layout:
            return self.layout[key]
        candidates = DEFAULTS.get(key, ())
        for t in candidates:
            if self.frames and "{frame" in t:
                camera, k = self.frames[0]
                if self.path(t, camera, k).exists():
                    return t
            elif (self.root / t).exists():
                return t
        return candidates[0] if candidates else None

    def path(self, template: str, camera: str = "", frame: int = 0) -> Path:
        return self.root / template.format(camera=camera, frame=frame)

    def exists(self, path: Path, why: str = "") -> bool:
        """Whether ``path`` is a file; reports each missing file once."""
        if path.is_file():
            return True
        rel = self.rel(path)
        if rel not in self._missing:
            self._missing.add(rel)
            self.report(path, "missing" + (f" ({why})" if why else ""))
        return False

    def load_json(self, path: Path, why: str = ""):
        """The parsed JSON file, or None (reported) when missing or invalid."""
        if not self.exists(path, why):
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as err:
            self.report(path, f"not UTF-8 text: {err}")
        except json.JSONDecodeError as err:
            self.report(path, f"not valid JSON (truncated or corrupt?): {err.msg} at line {err.lineno} column {err.colno}")
        return None

    def read_image(self, path: Path, why: str = "") -> np.ndarray | None:
        """The decoded PNG (colour as RGB), or None (reported) when missing or unreadable."""
        if not self.exists(path, why):
            return None
        image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if image is None:
            self.report(path, "cannot be decoded as an image")
            return None
        if image.ndim == 3 and image.shape[2] == 3:
            image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        return image

    def check_shape(self, path: Path, image: np.ndarray, camera: str, dtype, channels: int | None = None) -> bool:
        """Report a wrong dtype, channel count or size; True when all are right."""
        w, h = self.cameras[camera]
        ok = True
        if image.dtype != np.dtype(dtype):
            self.report(path, f"dtype {image.dtype}, expected {np.dtype(dtype)}")
            ok = False
        got_channels = None if image.ndim == 2 else image.shape[2]
        if got_channels != channels:
            self.report(path, f"{got_channels or 1} channel(s), expected {channels or 1}")
            ok = False
        if image.shape[:2] != (h, w):
            self.report(path, f"size {image.shape[1]}×{image.shape[0]}, camera '{camera}' is {w}×{h}")
            ok = False
        return ok


#: format name → check function
Check = Callable[[Dataset], None]


# ---------------------------------------------------------------------------------------------- helpers
def _png_size(path: Path) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR chunk, None when the file is not a PNG."""
    with open(path, "rb") as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != _PNG_SIGNATURE or head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _frame_why(camera: str, frame: int) -> str:
    return f"frame {frame} of camera '{camera}'"


# ---------------------------------------------------------------------------------------------- manifest
def _read_cameras(ds: Dataset) -> bool:
    cams = ds.manifest.get("cameras")
    if not isinstance(cams, dict) or not cams:
        ds.report(MANIFEST, "no 'cameras' table")
        return False
    for name, entry in cams.items():
        w, h = (entry.get("width"), entry.get("height")) if isinstance(entry, dict) else (None, None)
        if not (_is_int(w) and _is_int(h) and w > 0 and h > 0):
            ds.report(MANIFEST, f"camera '{name}' has no positive integer width and height")
            continue
        ds.cameras[name] = (w, h)
    return bool(ds.cameras)


def _frames_from_files(ds: Dataset, camera: str) -> list[int]:
    template = ds.template("images")
    if template is None or "{frame" not in template:
        return []
    head, _, tail = template.partition("{frame")
    tail = tail.partition("}")[2]
    folder_pattern = head.format(camera=camera)
    pattern = re.compile(re.escape(folder_pattern) + r"(\d+)" + re.escape(tail.format(camera=camera)) + "$")
    parent = (ds.root / folder_pattern).parent if not folder_pattern.endswith("/") else ds.root / folder_pattern
    if not parent.is_dir():
        return []
    found = []
    for p in parent.rglob("*"):
        m = pattern.match(ds.rel(p))
        if m:
            found.append(int(m.group(1)))
    return sorted(found)


def _list_frames(ds: Dataset) -> None:
    """Which frames each camera has: the manifest's per-camera list, else the COCO images, else the files."""
    cams = ds.manifest["cameras"]
    from_coco: dict[str, set[int]] = {}
    if ds.coco is not None:
        for image in ds.coco.get("images", []) if isinstance(ds.coco.get("images"), list) else []:
            if isinstance(image, dict) and image.get("camera") in ds.cameras and _is_int(image.get("frame")):
                from_coco.setdefault(image["camera"], set()).add(image["frame"])
    for name in ds.cameras:
        listed = cams[name].get("frames", (ds.manifest.get("frames_per_camera") or {}).get(name))
        if _is_int(listed) and listed >= 0:
            frames = list(range(listed))
        elif isinstance(listed, list) and all(_is_int(k) for k in listed):
            frames = sorted(set(listed))
        elif name in from_coco:
            frames = sorted(from_coco[name])
        else:
            frames = _frames_from_files(ds, name)
        ds.frames += [(name, k) for k in frames]
    ds.frames.sort(key=lambda ck: (ck[1], list(ds.cameras).index(ck[0])))


def _formats(ds: Dataset) -> list[str]:
    listed = ds.manifest.get("formats")
    if isinstance(listed, list) and all(isinstance(f, str) for f in listed):
        return list(dict.fromkeys(listed))
    if listed is not None:
        ds.report(MANIFEST, "'formats' is not a list of names")
    return [f for f, keys in FORMAT_KEYS.items() if any(k in ds.layout for k in keys)]


def _check_layout_templates(ds: Dataset) -> None:
    """Drop (and report) layout entries that are not path templates over {camera} and {frame}."""
    for key, t in list(ds.layout.items()):
        try:
            t.format(camera="c", frame=0)
        except (KeyError, IndexError, ValueError):
            ds.report(MANIFEST, f"layout '{key}' is not a path template with {{camera}} and {{frame}}: {t}")
            del ds.layout[key]


def _check_layout_files(ds: Dataset) -> None:
    """Every layout entry's file exists for every frame; PNGs and .npy arrays have the camera's size."""
    per_frame = {k: t for k, t in ds.layout.items() if "{frame" in t}
    for key, t in ds.layout.items():
        if "{frame" not in t and "{camera" not in t:
            ds.exists(ds.root / t, f"layout '{key}'")
        elif "{frame" not in t:
            for camera in ds.cameras:
                ds.exists(ds.path(t, camera), f"layout '{key}' of camera '{camera}'")
    for camera, k in ds.frames:
        w, h = ds.cameras[camera]
        for key, t in per_frame.items():
            p = ds.path(t, camera, k)
            if not ds.exists(p, _frame_why(camera, k)):
                continue
            if p.suffix == ".png":
                size = _png_size(p)
                if size is None:
                    ds.report(p, "not a PNG file")
                elif size != (w, h):
                    ds.report(p, f"size {size[0]}×{size[1]}, camera '{camera}' is {w}×{h}")
            elif p.suffix == ".npy":
                try:
                    shape = np.load(p, mmap_mode="r", allow_pickle=False).shape
                except (ValueError, OSError) as err:
                    ds.report(p, f"not a readable .npy array: {err}")
                    continue
                if shape[:2] != (h, w):
                    ds.report(p, f"array shape {shape}, camera '{camera}' is {w}×{h}")
    _check_extra_files(ds)


def _check_extra_files(ds: Dataset) -> None:
    """Image files the frame list does not know (frames left over from another run, or a wrong count)."""
    t = ds.layout.get("images")
    if not t or "{frame" not in t:
        return
    for camera in ds.cameras:
        listed = {k for c, k in ds.frames if c == camera}
        found = set(_frames_from_files(ds, camera))
        extra = sorted(found - listed)
        if extra:
            ds.report(ds.path(t, camera, extra[0]),
                      f"not a listed frame of camera '{camera}'" + (f" (and {len(extra) - 1} more)" if len(extra) > 1 else ""))


def _check_counts(ds: Dataset) -> None:
    frames = ds.manifest.get("frames")
    if frames is not None and frames != len(ds.frames):
        ds.report(MANIFEST, f"'frames' is {frames} but {len(ds.frames)} frames are listed")
    if ds.coco is not None and isinstance(ds.coco.get("images"), list):
        if len(ds.coco["images"]) != len(ds.frames):
            ds.report(ds.template("coco"), f"{len(ds.coco['images'])} images but {len(ds.frames)} frames are listed")
        annotations = ds.manifest.get("annotations")
        if annotations is not None and isinstance(ds.coco.get("annotations"), list) \
                and annotations != len(ds.coco["annotations"]):
            ds.report(MANIFEST, f"'annotations' is {annotations} but {ds.template('coco')} holds "
                                f"{len(ds.coco['annotations'])}")


# ---------------------------------------------------------------------------------------------- COCO
def _rle_stats(segmentation: dict, h: int, w: int) -> tuple[int, list[float]] | None:
    """(pixel count, bbox [x, y, w, h]) of an RLE mask; None when it cannot be decoded."""
    try:
        from pycocotools import mask as coco_mask
    except ImportError:                       # pycocotools is a test extra: decode uncompressed RLE here
        counts = segmentation.get("counts")
        if not isinstance(counts, list):
            return None
        flat = np.repeat(np.arange(len(counts)) % 2, counts).astype(bool)
        if flat.size != h * w:
            raise ValueError(f"RLE counts sum to {flat.size}, not {h}×{w}")
        mask = flat.reshape((h, w), order="F")
        ys, xs = np.nonzero(mask)
        if not len(xs):
            return 0, [0.0, 0.0, 0.0, 0.0]
        return int(len(xs)), [float(xs.min()), float(ys.min()), float(xs.max() - xs.min() + 1),
                              float(ys.max() - ys.min() + 1)]
    counts = segmentation.get("counts")
    if isinstance(counts, list) and sum(counts) != h * w:
        raise ValueError(f"RLE counts sum to {sum(counts)}, not {h}×{w}")
    if isinstance(counts, list):
        rle = coco_mask.frPyObjects(segmentation, h, w)
    elif isinstance(counts, (str, bytes)):          # compressed RLE, as COCO's own files write it
        rle = {"size": [h, w], "counts": counts.encode("ascii") if isinstance(counts, str) else counts}
    else:
        raise TypeError(f"RLE counts are {type(counts).__name__}, not a list or a string")
    return int(coco_mask.area(rle)), [float(v) for v in coco_mask.toBbox(rle)]


def _index_with_pycocotools(ds: Dataset, path: Path, doc: dict) -> None:
    try:
        from pycocotools.coco import COCO
    except ImportError:
        return
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            coco = COCO()
            coco.dataset = doc
            coco.createIndex()
    except Exception as err:                  # pycocotools raises bare KeyErrors and TypeErrors
        ds.report(path, f"pycocotools cannot index it: {type(err).__name__} {err}")


def check_coco(ds: Dataset) -> None:
    """COCO instances: structure, unique ids, files, sizes, boxes inside the image, area = mask pixels."""
    t = ds.template("coco")
    path = ds.root / t
    doc = ds.coco
    if doc is None:
        return                                # missing or invalid JSON: reported when loaded
    if not isinstance(doc, dict) or not all(isinstance(doc.get(k), list) for k in ("images", "annotations", "categories")):
        ds.report(path, "needs lists 'images', 'annotations' and 'categories'")
        return
    _index_with_pycocotools(ds, path, doc)
    categories = {c.get("id") for c in doc["categories"] if isinstance(c, dict)}
    if len(categories) != len(doc["categories"]):
        ds.report(path, "category ids are not unique")
    images: dict[int, tuple[int, int, str]] = {}
    for image in doc["images"]:
        iid = image.get("id") if isinstance(image, dict) else None
        if not _is_int(iid):
            ds.report(path, f"image without an integer id: {str(image)[:80]}")
            continue
        if iid in images:
            ds.report(path, f"image id {iid} is not unique")
            continue
        w, h, name = image.get("width"), image.get("height"), image.get("file_name")
        images[iid] = (w, h, name)
        if not isinstance(name, str):
            ds.report(path, f"image {iid} has no file_name")
        elif not (ds.root / name).is_file():
            ds.report(path, f"image {iid}: its file {name} is missing")
        camera = image.get("camera")
        if camera in ds.cameras and (w, h) != ds.cameras[camera]:
            ds.report(path, f"image {iid} ({name}) is {w}×{h}, camera '{camera}' is "
                            f"{ds.cameras[camera][0]}×{ds.cameras[camera][1]}")
    seen: set[int] = set()
    for ann in doc["annotations"]:
        if not isinstance(ann, dict):
            ds.report(path, f"annotation is not an object: {str(ann)[:80]}")
            continue
        aid = ann.get("id")
        where = f"annotation {aid}"
        if not _is_int(aid) or aid in seen:
            ds.report(path, f"{where}: id is not a unique integer")
        seen.add(aid)
        if ann.get("image_id") not in images:
            ds.report(path, f"{where}: unknown image_id {ann.get('image_id')}")
            continue
        w, h, name = images[ann["image_id"]]
        where += f" (image {ann['image_id']}, {name})"
        if ann.get("category_id") not in categories:
            ds.report(path, f"{where}: unknown category_id {ann.get('category_id')}")
        if ann.get("iscrowd", 0) not in (0, 1):
            ds.report(path, f"{where}: iscrowd {ann.get('iscrowd')} is not 0 or 1")
        bbox, area = ann.get("bbox"), ann.get("area")
        if not (isinstance(bbox, list) and len(bbox) == 4 and all(_is_num(v) for v in bbox)):
            ds.report(path, f"{where}: bbox {bbox} is not 4 numbers")
            bbox = None
        elif not (bbox[2] > 0 and bbox[3] > 0 and bbox[0] >= 0 and bbox[1] >= 0
                  and bbox[0] + bbox[2] <= w and bbox[1] + bbox[3] <= h):
            ds.report(path, f"{where}: bbox {bbox} is empty or leaves the {w}×{h} image")
        if not (_is_num(area) and area >= 0):
            ds.report(path, f"{where}: area {area} is not a non-negative number")
            area = None
        _check_segmentation(ds, path, where, ann.get("segmentation"), w, h, bbox, area, ann.get("iscrowd", 0))


def _check_segmentation(ds, path, where, seg, w, h, bbox, area, iscrowd) -> None:
    if seg is None:
        return
    if isinstance(seg, dict):
        if seg.get("size") != [h, w]:
            ds.report(path, f"{where}: RLE size {seg.get('size')} is not [height, width] = [{h}, {w}]")
            return
        try:
            stats = _rle_stats(seg, h, w)
        except (ValueError, TypeError, KeyError) as err:
            ds.report(path, f"{where}: RLE cannot be decoded: {err}")
            return
        if stats is None:
            return
        pixels, mask_box = stats
        if area is not None and area != pixels:
            ds.report(path, f"{where}: area {area} but its RLE mask has {pixels} pixels")
        if bbox is not None and not iscrowd and pixels and [float(v) for v in bbox] != mask_box:
            ds.report(path, f"{where}: bbox {bbox} but its RLE mask spans {[int(v) for v in mask_box]}")
    elif isinstance(seg, list):
        for poly in seg:
            if not (isinstance(poly, list) and len(poly) >= 6 and len(poly) % 2 == 0 and all(_is_num(v) for v in poly)):
                ds.report(path, f"{where}: a polygon is not an even list of ≥ 6 numbers")
                return
            xs, ys = poly[0::2], poly[1::2]
            if min(xs) < 0 or min(ys) < 0 or max(xs) > w or max(ys) > h:
                ds.report(path, f"{where}: a polygon leaves the {w}×{h} image")
                return
    else:
        ds.report(path, f"{where}: segmentation is neither an RLE object nor a list of polygons")


# ---------------------------------------------------------------------------------------------- Cityscapes
def check_cityscapes(ds: Dataset) -> None:
    """labelIds equal the semantic image (ours ≥ 34 kept or voided), instanceIds decode to the label ids
    and to one id per (class, track), colours and trainIds follow the label ids."""
    keys = ("cityscapes_labelIds", "cityscapes_instanceIds", "cityscapes_color", "cityscapes_labelTrainIds")
    templates = {k: ds.template(k) for k in keys}
    if "cityscapes_labelTrainIds" not in ds.layout and not any(
            ds.path(templates["cityscapes_labelTrainIds"], c, k).exists() for c, k in ds.frames[:1]):
        templates.pop("cityscapes_labelTrainIds")          # optional unless the layout names it
    sem_t, inst_t = ds.layout.get("semantic"), ds.layout.get("instance")
    for camera, k in ds.frames:
        why = _frame_why(camera, k)
        p = {key: ds.path(t, camera, k) for key, t in templates.items()}
        labels = ds.read_image(p["cityscapes_labelIds"], why)
        if labels is None or not ds.check_shape(p["cityscapes_labelIds"], labels, camera, np.uint8):
            continue
        if sem_t and (sem_p := ds.path(sem_t, camera, k)).is_file():
            sem = cv2.imread(str(sem_p), cv2.IMREAD_UNCHANGED)
            if sem is not None and sem.shape == labels.shape and not (
                    np.array_equal(labels, sem) or np.array_equal(labels, cityscapes.label_ids(sem, True))):
                ds.report(p["cityscapes_labelIds"], f"differs from {ds.rel(sem_p)} in "
                                                    f"{int(np.count_nonzero(labels != sem))} pixels")
        ids = ds.read_image(p["cityscapes_instanceIds"], why)
        if ids is not None and ds.check_shape(p["cityscapes_instanceIds"], ids, camera, np.uint16):
            _check_instance_ids(ds, p["cityscapes_instanceIds"], ids, labels,
                                ds.path(inst_t, camera, k) if inst_t else None)
        color = ds.read_image(p["cityscapes_color"], why)
        if color is not None and ds.check_shape(p["cityscapes_color"], color, camera, np.uint8, 3):
            bad = np.count_nonzero(np.any(color != cityscapes.colorize(labels), axis=-1))
            if bad:
                ds.report(p["cityscapes_color"], f"{bad} pixels do not have their label id's colour")
        if "cityscapes_labelTrainIds" in p:
            train = ds.read_image(p["cityscapes_labelTrainIds"], why)
            if train is not None and ds.check_shape(p["cityscapes_labelTrainIds"], train, camera, np.uint8):
                bad = np.count_nonzero(train != cityscapes.train_ids(labels))
                if bad:
                    ds.report(p["cityscapes_labelTrainIds"], f"{bad} pixels do not hold their label id's trainId")


def _check_instance_ids(ds, path, ids, labels, instance_path) -> None:
    big = ids >= cityscapes.INSTANCE_FACTOR
    cls = np.where(big, ids // cityscapes.INSTANCE_FACTOR, ids)
    bad = np.count_nonzero(cls != labels)
    if bad:
        ds.report(path, f"{bad} pixels decode (id // 1000, or the id below 1000) to another class than labelIds")
        return
    no_instances = big & ~cityscapes.HAS_INSTANCES[labels]
    if no_instances.any():
        ds.report(path, f"{int(np.count_nonzero(no_instances))} pixels hold instance ids of classes without instances")
    if instance_path is None or not instance_path.is_file():
        return
    inst = cv2.imread(str(instance_path), cv2.IMREAD_UNCHANGED)
    if inst is None or inst.shape != ids.shape:
        return
    pairs = np.unique(np.stack([ids[big].astype(np.int64), inst[big].astype(np.int64)]), axis=1)
    if (pairs[1] == 0).any():
        ds.report(path, f"instance ids on pixels of no agent in {ds.rel(instance_path)}")
    if len(np.unique(pairs[0])) != pairs.shape[1]:
        ds.report(path, f"an instance id spans several agents of {ds.rel(instance_path)}")
    thing = (inst != 0) & cityscapes.HAS_INSTANCES[labels]
    key = labels[thing].astype(np.int64) << 32 | inst[thing].astype(np.int64)
    per_pair = np.unique(np.stack([key, ids[thing].astype(np.int64)]), axis=1)
    if len(np.unique(per_pair[0])) != per_pair.shape[1]:
        ds.report(path, f"one agent's pixels of one class hold several ids (agents from {ds.rel(instance_path)})")


# ---------------------------------------------------------------------------------------------- panoptic
def check_panoptic(ds: Dataset) -> None:
    """panoptic.json: categories agree with the taxonomy, image ids with the COCO file; each PNG's
    segments have exactly the listed ids, areas and boxes."""
    path = ds.root / ds.template("panoptic_json")
    doc = ds.load_json(path, "panoptic format listed")
    if doc is None:
        return
    if not isinstance(doc, dict) or not all(isinstance(doc.get(k), list) for k in ("images", "annotations", "categories")):
        ds.report(path, "needs lists 'images', 'annotations' and 'categories'")
        return
    cats: dict[int, int] = {}
    for c in doc["categories"]:
        cid = c.get("id") if isinstance(c, dict) else None
        if not _is_int(cid) or cid in cats:
            ds.report(path, f"category id {cid} is not a unique integer")
            continue
        cats[cid] = c.get("isthing")
        if cid in BY_ID and c.get("isthing") != int(BY_ID[cid].has_instances):
            ds.report(path, f"category {cid} ({BY_ID[cid].name}): isthing {c.get('isthing')}, the taxonomy says "
                            f"{int(BY_ID[cid].has_instances)}")
    images = {im.get("id"): im for im in doc["images"] if isinstance(im, dict)}
    if len(images) != len(doc["images"]):
        ds.report(path, "image ids are not unique")
    if ds.coco is not None and isinstance(ds.coco.get("images"), list):
        coco_images = {im.get("id"): im.get("file_name") for im in ds.coco["images"] if isinstance(im, dict)}
        if set(coco_images) != set(images):
            ds.report(path, f"image ids differ from {ds.template('coco')}: "
                            f"{len(set(images) - set(coco_images))} extra, {len(set(coco_images) - set(images))} missing")
        for iid, im in images.items():
            if iid in coco_images and coco_images[iid] != im.get("file_name"):
                ds.report(path, f"image {iid} is {im.get('file_name')}, in {ds.template('coco')} {coco_images[iid]}")
    if len(doc["annotations"]) != len(ds.frames):
        ds.report(path, f"{len(doc['annotations'])} annotations but {len(ds.frames)} frames are listed")
    annotated = set()
    for ann in doc["annotations"]:
        if not isinstance(ann, dict) or ann.get("image_id") not in images:
            ds.report(path, f"annotation of unknown image_id {ann.get('image_id') if isinstance(ann, dict) else ann}")
            continue
        if ann["image_id"] in annotated:
            ds.report(path, f"image {ann['image_id']} is annotated twice")
        annotated.add(ann["image_id"])
        _check_panoptic_png(ds, path, ann, images[ann["image_id"]], cats)


def _check_panoptic_png(ds, json_path, ann, image, cats) -> None:
    where = f"image {ann['image_id']}"
    name, segments = ann.get("file_name"), ann.get("segments_info")
    if not isinstance(name, str) or not isinstance(segments, list):
        ds.report(json_path, f"{where}: needs file_name and segments_info")
        return
    png_path = ds.root / name
    rgb = ds.read_image(png_path, f"{where} of {ds.rel(json_path)}")
    if rgb is None:
        return
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        ds.report(png_path, f"not an 8-bit RGB PNG (shape {rgb.shape}, {rgb.dtype})")
        return
    if (rgb.shape[1], rgb.shape[0]) != (image.get("width"), image.get("height")):
        ds.report(png_path, f"size {rgb.shape[1]}×{rgb.shape[0]}, its image is {image.get('width')}×{image.get('height')}")
    ids = panoptic.decode_ids(rgb)
    stats = {sid: (area, bbox) for sid, area, bbox in panoptic.segment_stats(ids)}
    listed = {}
    for s in segments:
        sid = s.get("id") if isinstance(s, dict) else None
        if not _is_int(sid) or sid <= 0 or sid in listed:
            ds.report(json_path, f"{where}: segment id {sid} is not a unique positive integer")
            continue
        listed[sid] = s
        if s.get("category_id") not in cats:
            ds.report(json_path, f"{where}: segment {sid} has unknown category_id {s.get('category_id')}")
        if s.get("iscrowd", 0) not in (0, 1):
            ds.report(json_path, f"{where}: segment {sid} iscrowd {s.get('iscrowd')} is not 0 or 1")
        if sid not in stats:
            ds.report(png_path, f"segment {sid} listed in {ds.rel(json_path)} has no pixels")
            continue
        area, bbox = stats[sid]
        if s.get("area") != area:
            ds.report(json_path, f"{where}: segment {sid} area {s.get('area')} but {area} pixels in {name}")
        if s.get("bbox") != bbox:
            ds.report(json_path, f"{where}: segment {sid} bbox {s.get('bbox')} but its pixels span {bbox} in {name}")
    unlisted = sorted(set(stats) - set(listed))
    if unlisted:
        ds.report(png_path, f"{len(unlisted)} segment id(s) not in segments_info, e.g. {unlisted[0]}")


# ---------------------------------------------------------------------------------------------- depth
def check_depth(ds: Dataset) -> None:
    """Depth .npy float32 (H, W); depth PNG uint16 (H, W) equal to the .npy in millimetres."""
    npy_t, png_t = ds.template("depth"), ds.template("depth_png")
    for camera, k in ds.frames:
        why = _frame_why(camera, k)
        npy_p, png_p = ds.path(npy_t, camera, k), ds.path(png_t, camera, k)
        arr = None
        if ds.exists(npy_p, why):
            try:
                arr = np.load(npy_p, allow_pickle=False)
            except (ValueError, OSError) as err:
                ds.report(npy_p, f"not a readable .npy array: {err}")
            if arr is not None and not ds.check_shape(npy_p, arr, camera, np.float32):
                arr = None
        png = ds.read_image(png_p, why)
        if png is None or not ds.check_shape(png_p, png, camera, np.uint16):
            continue
        if arr is not None:
            bad = np.count_nonzero(png != depth.depth_to_png(arr))
            if bad:
                ds.report(png_p, f"{bad} pixels differ from {ds.rel(npy_p)} in millimetres")


# ---------------------------------------------------------------------------------------------- frame JSON
def check_frames(ds: Dataset) -> None:
    """Frame JSON: parses, names its camera and frame, the camera's size; boxes inside the image;
    visible ≤ unoccluded ≤ total; visible = the instance image's pixels of the track; occluders known."""
    t = ds.template("frames")
    inst_t = ds.layout.get("instance")
    for camera, k in ds.frames:
        p = ds.path(t, camera, k)
        doc = ds.load_json(p, _frame_why(camera, k))
        if doc is None:
            continue
        if not isinstance(doc, dict) or not isinstance(doc.get("objects"), list):
            ds.report(p, "needs an 'objects' list")
            continue
        if doc.get("camera") != camera or doc.get("frame") != k:
            ds.report(p, f"names camera {doc.get('camera')!r} frame {doc.get('frame')}, expected '{camera}' {k}")
        w, h = ds.cameras[camera]
        calib = doc.get("calibration") or {}
        if (calib.get("width"), calib.get("height")) != (w, h):
            ds.report(p, f"calibration {calib.get('width')}×{calib.get('height')}, camera '{camera}' is {w}×{h}")
        try:
            labels = frame_json.labels_from_document(doc)
        except (KeyError, TypeError, ValueError) as err:
            ds.report(p, f"objects or occluders malformed: {type(err).__name__} {err}")
            continue
        for i, tid in enumerate(labels.instance.tolist()):
            x0, y0, x1, y1 = labels.box[i].tolist()
            if labels.visible[i] and not (0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h):
                ds.report(p, f"track {tid}: box {[x0, y0, x1, y1]} is empty or leaves the {w}×{h} image")
            # with a lens, visible counts the camera's own pixels and unoccluded/total the drawn image's
            lens = any(calib.get("dist") or [])
            if not (0 <= labels.unoccluded[i] <= labels.total[i]) or (
                    not lens and not 0 <= labels.visible[i] <= labels.unoccluded[i]):
                ds.report(p, f"track {tid}: visible {labels.visible[i]} ≤ unoccluded {labels.unoccluded[i]} ≤ "
                             f"total {labels.total[i]} does not hold")
            if not (0.0 <= labels.occlusion[i] <= 1.0 and 0.0 <= labels.truncation[i] <= 1.0):
                ds.report(p, f"track {tid}: occlusion {labels.occlusion[i]} or truncation {labels.truncation[i]} "
                             f"is outside 0..1")
        known = set(labels.instance.tolist()) | {0}
        for a, b, _ in labels.occluders.tolist():
            if a not in known or b not in known or b == 0:
                ds.report(p, f"occluders row ({a}, {b}) names a track that is not an object")
                break
        if inst_t and (ip := ds.path(inst_t, camera, k)).is_file():
            inst = cv2.imread(str(ip), cv2.IMREAD_UNCHANGED)
            if inst is not None:
                counts = np.bincount(inst.ravel(), minlength=int(labels.instance.max(initial=0)) + 1)
                for i, tid in enumerate(labels.instance.tolist()):
                    if counts[tid] != labels.visible[i]:
                        ds.report(p, f"track {tid}: visible {labels.visible[i]} but {counts[tid]} pixels in {ds.rel(ip)}")
                present = set(np.flatnonzero(counts).tolist()) - known
                if present:
                    ds.report(p, f"tracks {sorted(present)[:5]} show in {ds.rel(ip)} but are not objects")


# ---------------------------------------------------------------------------------------------- KITTI / YOLO
KITTI_TYPES = {"Car", "Van", "Truck", "Pedestrian", "Person_sitting", "Cyclist", "Tram", "Misc", "DontCare"}
KITTI_CALIB_KEYS = {"P0": 12, "P1": 12, "P2": 12, "P3": 12, "R0_rect": 9, "Tr_velo_to_cam": 12, "Tr_imu_to_velo": 12}


def _floats(fields: list[str]) -> list[float] | None:
    try:
        return [float(f) for f in fields]
    except ValueError:
        return None


def check_kitti(ds: Dataset) -> None:
    """KITTI label_2: 15 fields a line, a type name, values in their ranges (or the devkit's unknown
    defaults), box inside the image; calib: the 7 keys with 12 or 9 numbers."""
    label_t, calib_t = ds.template("kitti_label"), ds.template("kitti_calib")
    for camera, k in ds.frames:
        why, (w, h) = _frame_why(camera, k), ds.cameras[camera]
        p = ds.path(label_t, camera, k)
        if ds.exists(p, why):
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
                problem = _kitti_line_problem(line, w, h)
                if problem:
                    ds.report(p, f"line {n}: {problem}")
        p = ds.path(calib_t, camera, k)
        if ds.exists(p, why):
            found = {}
            for line in p.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    key, _, values = line.partition(":")
                    found[key.strip()] = _floats(values.split())
            for key, count in KITTI_CALIB_KEYS.items():
                if key not in found:
                    ds.report(p, f"no '{key}:' line")
                elif found[key] is None or len(found[key]) != count:
                    ds.report(p, f"'{key}' needs {count} numbers")


def _kitti_line_problem(line: str, w: int, h: int) -> str | None:
    fields = line.split()
    if not fields:
        return "empty line"
    if len(fields) != 15:
        return f"{len(fields)} fields, KITTI labels have 15"
    if fields[0] not in KITTI_TYPES:
        return f"type {fields[0]!r} is not one of KITTI's ({', '.join(sorted(KITTI_TYPES))})"
    v = _floats(fields[1:])
    if v is None:
        return "14 numbers expected after the type"
    trunc, occ, alpha, x0, y0, x1, y1, hh, ww, ll = v[:10]
    ry = v[13]
    if not (0 <= trunc <= 1 or trunc == -1):
        return f"truncated {trunc} not in [0, 1]"
    if occ not in (0, 1, 2, 3, -1):
        return f"occluded {occ} not 0, 1, 2 or 3"
    if not (abs(alpha) <= math.pi + 0.01 or alpha == -10):
        return f"alpha {alpha} not in [−π, π]"
    if not (ry == -10 or abs(ry) <= math.pi + 0.01):
        return f"rotation_y {ry} not in [−π, π]"
    if not (-0.01 <= x0 <= x1 <= w + 0.01 and -0.01 <= y0 <= y1 <= h + 0.01):
        return f"box {x0} {y0} {x1} {y1} not inside the {w}×{h} image"
    if min(hh, ww, ll) < 0 and (hh, ww, ll) != (-1, -1, -1):
        return "negative dimensions"
    return None


def _yolo_class_count() -> int | None:
    try:
        from scenariosim.dataset.yolo import CLASS_IDS
    except ImportError:
        return None
    return len(CLASS_IDS)


def check_yolo(ds: Dataset) -> None:
    """YOLO: one file per frame (empty when nothing shows); detection rows ``class cx cy w h``,
    segmentation rows ``class x1 y1 … xn yn`` (n ≥ 3; checked when the layout names ``yolo_seg``), class an
    integer index into yolo.CLASS_IDS, coordinates in [0, 1]."""
    nc = _yolo_class_count()
    kinds = [("yolo", True)] + ([("yolo_seg", False)] if "yolo_seg" in ds.layout else [])
    for key, boxes in kinds:
        t = ds.template(key)
        for camera, k in ds.frames:
            p = ds.path(t, camera, k)
            if ds.exists(p, _frame_why(camera, k)):
                for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
                    problem = _yolo_line_problem(line.split(), boxes, nc)
                    if problem:
                        ds.report(p, f"line {n}: {problem}")


def _yolo_line_problem(fields: list[str], boxes: bool, nc: int | None) -> str | None:
    if not fields:
        return "empty line"
    if boxes and len(fields) != 5:
        return f"{len(fields)} fields, a box row has 5 (class xc yc w h)"
    if not boxes and (len(fields) < 7 or len(fields) % 2 == 0):
        return f"{len(fields)} fields, a polygon row has the class and ≥ 3 x y pairs"
    if not fields[0].isdigit() or (nc is not None and int(fields[0]) >= nc):
        return f"class {fields[0]!r} is not an index 0..{'' if nc is None else nc - 1}"
    v = _floats(fields[1:])
    if v is None or not all(0.0 <= x <= 1.0 for x in v):
        return "coordinates are not numbers in [0, 1]"
    if boxes and (v[2] <= 0 or v[3] <= 0):
        return "empty box"
    return None


def check_agreement(ds: Dataset) -> None:
    """The formats agree with the frame JSON, which holds every label: per frame, COCO has one annotation per
    object with pixels in the image (category = class, iscrowd = ignore, box = tight box when it shows),
    KITTI one line per object (DontCare exactly for the ignored ones, the type of its class), YOLO the rows
    yolo.detection_lines makes from the labels."""
    from scenariosim.dataset import kitti, yolo

    frames_t = ds.template("frames")
    if frames_t is None:
        return
    coco_path = ds.root / ds.template("coco") if ds.template("coco") else MANIFEST
    coco_images = {}
    if ds.coco is not None and isinstance(ds.coco.get("images"), list):
        for image in ds.coco["images"]:
            if isinstance(image, dict):
                coco_images[(image.get("camera"), image.get("frame"))] = image.get("id")
    annotations: dict[object, list[dict]] = {}
    for ann in (ds.coco or {}).get("annotations", []) if isinstance((ds.coco or {}).get("annotations"), list) else []:
        if isinstance(ann, dict):
            annotations.setdefault(ann.get("image_id"), []).append(ann)
    for camera, k in ds.frames:
        path = ds.path(frames_t, camera, k)
        try:
            labels, _ = frame_json.read_frame_json(path)
        except (OSError, ValueError, KeyError, TypeError):
            continue                                          # reported by check_frames
        w, h = ds.cameras[camera]
        if (camera, k) in coco_images:
            anns = {a.get("track_id"): a for a in annotations.get(coco_images[(camera, k)], [])}
            for i, tid in enumerate(labels.instance.tolist()):
                a = anns.pop(tid, None)
                if a is None:
                    if labels.visible[i] > 0:
                        ds.report(coco_path, f"{camera} frame {k}: track {tid} shows but has no annotation")
                    continue
                x0, y0, x1, y1 = labels.box[i].tolist()
                if a.get("category_id") != int(labels.class_id[i]) or a.get("iscrowd") != int(labels.ignore[i]) or (
                        labels.visible[i] > 0 and a.get("bbox") != [x0, y0, x1 - x0, y1 - y0]):
                    ds.report(coco_path, f"{camera} frame {k}: track {tid}'s annotation disagrees with "
                                            f"{ds.rel(path)} (category, iscrowd or box)")
            for tid in anns:
                ds.report(coco_path, f"{camera} frame {k}: annotation of track {tid}, which {ds.rel(path)} lacks")
        if "kitti_label" in ds.layout:
            kp = ds.path(ds.template("kitti_label"), camera, k)
            if kp.is_file():
                rows = [r.split() for r in kp.read_text(encoding="utf-8").splitlines() if r.strip()]
                expected = sorted([kitti.kitti_type(c) for c, ig in zip(labels.class_id, labels.ignore) if not ig])
                got = sorted(r[0] for r in rows if r and r[0] != "DontCare")
                if got != expected or sum(r[0] == "DontCare" for r in rows if r) != int(labels.ignore.sum()):
                    ds.report(kp, f"its objects ({len(got)} and {sum(r[0] == 'DontCare' for r in rows if r)} "
                                  f"DontCare) disagree with {ds.rel(path)}")
        if "yolo" in ds.layout:
            yp = ds.path(ds.template("yolo"), camera, k)
            if yp.is_file():
                expected = yolo.detection_lines(labels, w, h)
                if yp.read_text(encoding="utf-8").splitlines() != expected:
                    ds.report(yp, f"its rows disagree with {ds.rel(path)}")


#: format name → its check
CHECKS: dict[str, Check] = {
    "coco": check_coco, "cityscapes": check_cityscapes, "panoptic": check_panoptic, "depth": check_depth,
    "frames": check_frames, "kitti": check_kitti, "yolo": check_yolo, "agreement": check_agreement,
}


# ---------------------------------------------------------------------------------------------- entry
def _capped(violations: list[str], cap: int) -> list[str]:
    if len(violations) <= cap:
        return violations
    return violations[:cap] + [f"… and {len(violations) - cap} more"]


def validate_dataset(folder: Path, max_violations: int = MAX_VIOLATIONS) -> list[str]:
    """Every violation found in the dataset at ``folder`` (see the module doc); [] when it is valid."""
    root = Path(folder)
    if not root.is_dir():
        return [f"{root}: not a folder"]
    ds = Dataset(root, {})
    manifest = ds.load_json(root / MANIFEST)
    if manifest is None:
        return ds.violations
    if not isinstance(manifest, dict):
        return [f"{MANIFEST}: not a JSON object"]
    ds = Dataset(root, manifest)
    if manifest.get("format") != DATASET_FORMAT:
        ds.report(MANIFEST, f"format is {manifest.get('format')!r}, not {DATASET_FORMAT!r}")
    _check_layout_templates(ds)
    if not _read_cameras(ds):
        return _capped(ds.violations, max_violations)
    formats = _formats(ds)
    if "coco" in formats or "coco" in ds.layout:
        ds.coco = ds.load_json(ds.root / ds.template("coco"), "COCO instances")
    _list_frames(ds)
    if not ds.frames:
        ds.report(MANIFEST, "lists no frames")
    _check_layout_files(ds)
    _check_counts(ds)
    for name, check in ((name, CHECKS[name]) for name in formats if name in CHECKS):
        try:
            check(ds)
        except Exception as err:              # a check must never hide the other checks' findings
            ds.report(MANIFEST, f"format '{name}' could not be checked: {type(err).__name__} {err}")
    return _capped(ds.violations, max_violations)
