"""KITTI object labels and calibration, one pair of text files per camera frame.

Layout (``LAYOUT``), per camera, ids = the frame index::

    kitti/<camera>/label_2/%06d.txt   15 columns per object, devkit print format
    kitti/<camera>/calib/%06d.txt     P0 P1 P2 P3 R0_rect Tr_velo_to_cam Tr_imu_to_velo

``image_2`` is not written: the images are ``images/<camera>/%06d.png`` (same ids). A tool that wants
the devkit folder can link it: ``ln -s ../../images/<camera> kitti/<camera>/image_2``. No image is
copied and no link is written (links break on some file systems, archives and copies).

Conventions (KITTI devkit readme, docs reference §1):

- ``bbox`` (left top right bottom) is in the coordinates P2 projects to: OpenCV pixel coordinates,
  where pixel (i, j) has its *centre* at (i, j). Our boxes are continuous with pixel i spanning
  [i, i + 1] (COCO), so every edge moves by −0.5: ``left = x0 − 0.5``, ``right = x1 − 0.5`` (and
  the same for y), and the result is clipped to KITTI's image range [0, W − 1] × [0, H − 1] (the
  range KITTI's own truncated boxes reach). Width and height stay x1 − x0 and y1 − y0, the way the
  devkit measures them (evaluate_object.cpp: area = (x2 − x1)·(y2 − y1), height = y2 − y1, no +1);
  projecting the 3D box with P2 lands on the box exactly where it is not clipped, given that
  ObjectLabels.amodal follows its own convention (the projected corners' OpenCV extent + 0.5).
  The box is the *amodal* box (the whole projected 3D box) clipped to the image, as KITTI's boxes
  are; ignored objects get their clipped amodal box as a DontCare region.
- ``occluded`` bins the visible share of the object's in-image part, 1 − occlusion: ≥ 0.95 → 0,
  ≥ 0.5 → 1, > 0 → 2, and 0 (nothing shows) → 3 "unknown", which the devkit evaluation ignores at
  every difficulty. ``truncated`` is the share of the object outside the image, 0..1.
- Types: car → Car, truck → Truck, person → Pedestrian, bicycle / motorcycle (always ridden in
  scenariosim) and rider → Cyclist; bus → Misc (KITTI has no bus: Truck would mix two classes and
  Tram is a rail vehicle); cones, barriers, debris and every other class → Misc.
- Calibration: a monocular camera, so P0 = P1 = P2 = P3 = K·[I | 0] and R0_rect = I. The "velodyne"
  frame is the camera's own centre with KITTI velo axes (x forward along the optical axis, y left,
  z up), so Tr_velo_to_cam is the fixed axis permutation BODY_TO_CV with no translation, unless the
  caller passes another one; Tr_imu_to_velo = [I | 0]. Lens distortion is not representable in a
  KITTI calib file (KITTI images are rectified): for a distorted camera the file is written the same
  way, boxes are measured in the distorted image, and consumers must take the distortion
  coefficients from the manifest's camera entry.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from scenariosim.dataset.files import write_text_atomic
from scenariosim.labels.objects import ObjectLabels
from scenariosim.sensors.camera import BODY_TO_CV, Camera
from scenariosim.sensors.frame import Frame
from scenariosim.taxonomy import BY_NAME

#: manifest layout strings, {camera} and {frame} filled in as the other layout entries are
LAYOUT = {
    "kitti_label": "kitti/{camera}/label_2/{frame:06d}.txt (KITTI object labels; image_2 = images/{camera})",
    "kitti_calib": "kitti/{camera}/calib/{frame:06d}.txt (KITTI calibration: P0..P3 = K[I|0], R0_rect = I, "
                   "velodyne = camera centre with x forward, y left, z up)",
}

#: our class id → KITTI type; a class not listed is Misc
KITTI_TYPE: dict[int, str] = {
    BY_NAME["car"].id: "Car",
    BY_NAME["truck"].id: "Truck",
    BY_NAME["bus"].id: "Misc",
    BY_NAME["person"].id: "Pedestrian",
    BY_NAME["rider"].id: "Cyclist",
    BY_NAME["bicycle"].id: "Cyclist",
    BY_NAME["motorcycle"].id: "Cyclist",
}
MISC = "Misc"

#: visible-share thresholds of the occlusion bins 0 and 1 (docs reference §1 "Occlusion bins")
FULLY_VISIBLE, PARTLY_OCCLUDED = 0.95, 0.5

#: devkit label print format (writeLabels.m) and the DontCare line around its box
LABEL_FORMAT = "%s %.2f %d %.2f %.2f %.2f %.2f %.2f %.2f %.2f %.2f %.2f %.2f %.2f %.2f"
DONTCARE_FORMAT = "DontCare -1 -1 -10 %.2f %.2f %.2f %.2f -1 -1 -1 -1000 -1000 -1000 -10"

#: calibration keys, in file order
CALIB_KEYS = ("P0", "P1", "P2", "P3", "R0_rect", "Tr_velo_to_cam", "Tr_imu_to_velo")

#: Tr_velo_to_cam (3, 4) when the velodyne frame sits at the camera centre: axes permuted, no translation
VELO_TO_CAM = np.hstack([BODY_TO_CV, np.zeros((3, 1))])


def kitti_type(class_id: int) -> str:
    """The KITTI type of one of our class ids (taxonomy.py); Misc for classes KITTI lacks."""
    return KITTI_TYPE.get(int(class_id), MISC)


def occlusion_bins(occlusion: np.ndarray) -> np.ndarray:
    """(K,) float64 hidden share of the in-image part (ObjectLabels.occlusion) → (K,) int64 KITTI
    ``occluded``: visible share ≥ 0.95 → 0, ≥ 0.5 → 1, > 0 → 2, 0 → 3 (unknown)."""
    visible = 1.0 - np.asarray(occlusion, dtype=np.float64)
    return np.select([visible >= FULLY_VISIBLE, visible >= PARTLY_OCCLUDED, visible > 0.0], [0, 1, 2], 3)


def kitti_boxes(amodal_clipped: np.ndarray, width: int, height: int) -> np.ndarray:
    """(K, 4) float64 continuous boxes [px] (x0, y0, x1, y1; pixel i spans [i, i + 1]) → (K, 4) float64
    KITTI boxes (left, top, right, bottom) in P2's pixel coordinates (pixel centres at integers):
    every edge − 0.5, clipped to [0, W − 1] × [0, H − 1]."""
    lo = np.zeros(4)
    hi = np.array([width - 1, height - 1, width - 1, height - 1], dtype=np.float64)
    return np.clip(np.asarray(amodal_clipped, dtype=np.float64).reshape(-1, 4) - 0.5, lo, hi)


#: [rad] a camera tilted further than this from level (its y axis from straight down) gets no 3D boxes:
#: KITTI's boxes turn about the camera's y axis only, so they cannot describe the scene (bird's-eye views)
MAX_TILT = 0.35


def camera_tilt(camera: Camera) -> float:
    """[rad] angle between the camera's y axis (down in the image) and the world's −z."""
    return float(np.arccos(np.clip(-camera.R[1, 2], -1.0, 1.0)))


def label_lines(labels: ObjectLabels, width: int, height: int, boxes_3d: bool = True) -> list[str]:
    """The label file's lines for a W × H image: labelled objects in instance order, then one DontCare
    line per ignored object (KITTI lists DontCare last). Without ``boxes_3d`` the 3D fields carry the
    devkit's unknown values (alpha −10, dimensions −1, location −1000, rotation_y −10)."""
    boxes = kitti_boxes(labels.amodal_clipped, width, height)
    if not np.all(np.isfinite(boxes)):
        bad = labels.instance[~np.all(np.isfinite(boxes), axis=1)].tolist()
        raise ValueError(f"instances {bad} have no finite amodal box")
    bins = occlusion_bins(labels.occlusion)
    truncated = np.clip(labels.truncation, 0.0, 1.0)
    lines, dontcare = [], []
    for k in range(len(labels.instance)):
        if labels.ignore[k]:
            dontcare.append(DONTCARE_FORMAT % tuple(boxes[k]))
            continue
        h, w, length = labels.dimensions[k] if boxes_3d else (-1.0, -1.0, -1.0)
        x, y, z = labels.location[k] if boxes_3d else (-1000.0, -1000.0, -1000.0)
        alpha, ry = (labels.alpha[k], labels.rotation_y[k]) if boxes_3d else (-10.0, -10.0)
        lines.append(LABEL_FORMAT % (
            kitti_type(labels.class_id[k]), truncated[k], bins[k], alpha, *boxes[k], h, w, length, x, y, z, ry))
    return lines + dontcare


def label_text(labels: ObjectLabels, camera: Camera) -> str:
    """The whole label file: one line per object, each ending in a newline; "" for no objects. A camera
    tilted more than MAX_TILT from level gets the unknown values instead of 3D boxes."""
    lines = label_lines(labels, camera.width, camera.height, boxes_3d=camera_tilt(camera) <= MAX_TILT)
    return "".join(line + "\n" for line in lines)


def _row(matrix: np.ndarray) -> str:
    """Row-major values in KITTI's calib number format (%.12e)."""
    return " ".join(f"{v:.12e}" for v in np.asarray(matrix, dtype=np.float64).ravel())


def calib_matrices(camera: Camera, velo_to_cam: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The seven KITTI calibration matrices: P0..P3 (3, 4) = K·[I | 0]; R0_rect (3, 3) = I;
    Tr_velo_to_cam (3, 4) = ``velo_to_cam`` or VELO_TO_CAM (velodyne at the camera centre, x forward,
    y left, z up); Tr_imu_to_velo (3, 4) = [I | 0]."""
    P = np.hstack([np.asarray(camera.K, dtype=np.float64), np.zeros((3, 1))])
    tr = VELO_TO_CAM if velo_to_cam is None else np.asarray(velo_to_cam, dtype=np.float64)
    if tr.shape != (3, 4):
        raise ValueError(f"velo_to_cam must be a (3, 4) [R|t], not {tr.shape}")
    return {"P0": P, "P1": P, "P2": P, "P3": P, "R0_rect": np.eye(3), "Tr_velo_to_cam": tr,
            "Tr_imu_to_velo": np.hstack([np.eye(3), np.zeros((3, 1))])}


def calib_text(camera: Camera, velo_to_cam: np.ndarray | None = None) -> str:
    """The calib file: ``key: values`` lines in CALIB_KEYS order, 12/12/12/12/9/12/12 values."""
    m = calib_matrices(camera, velo_to_cam)
    return "".join(f"{key}: {_row(m[key])}\n" for key in CALIB_KEYS)


def label_path(root: Path, camera_name: str, index: int) -> Path:
    return Path(root) / "kitti" / camera_name / "label_2" / f"{index:06d}.txt"


def calib_path(root: Path, camera_name: str, index: int) -> Path:
    return Path(root) / "kitti" / camera_name / "calib" / f"{index:06d}.txt"


def write_kitti_frame(root: Path, camera_name: str, index: int, frame: Frame, labels: ObjectLabels,
                      velo_to_cam: np.ndarray | None = None) -> None:
    """Write frame ``index`` of camera ``camera_name``: its label file (empty when no object is in view)
    and its calib file, under ``root`` (a staging folder)."""
    camera = frame.camera
    for path, text in ((label_path(root, camera_name, index), label_text(labels, camera)),
                       (calib_path(root, camera_name, index), calib_text(camera, velo_to_cam))):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text)

