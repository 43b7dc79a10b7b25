"""Depth files: float32 .npy in metres (exact) and 16-bit PNG in millimetres (compact, lossy).

The PNG holds ``round(depth · 1000)`` as uint16, so 1 mm steps up to 65.535 m (error ≤ 0.5 mm). A pixel
with no valid value holds 0, as in KITTI's depth maps: sky (inf), anything whose millimetres round beyond
65535 (depth ≥ 65.5355 m; 65.5354 m is still 65535), NaN, and depths that round to 0 mm or below.
Note the range: on a highway much of the road lies beyond 65 m; the .npy keeps every depth (inf on sky).
KITTI's own depth PNGs use 1/256 m steps (up to 256 m); change ``PNG_SCALE`` for that trade-off.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from scenariosim.dataset import files

#: manifest layout entries (path template, then a description in brackets)
LAYOUT = {
    "depth": "depth/{camera}/{frame:06d}.npy (float32 m along the optical axis, inf = sky)",
    "depth_png": "depth_png/{camera}/{frame:06d}.png (uint16 mm along the optical axis; 0 = invalid: sky or beyond 65.535 m)",
}

#: PNG units per metre
PNG_SCALE = 1000.0
#: the PNG value of a pixel without depth
INVALID = 0
PNG_MAX = np.iinfo(np.uint16).max


def paths(camera: str, index: int) -> dict[str, str]:
    """Relative path of each depth file of one frame, keyed like ``LAYOUT``."""
    return {key: value.split(" (")[0].format(camera=camera, frame=index) for key, value in LAYOUT.items()}


def depth_to_png(depth: np.ndarray) -> np.ndarray:
    """(H, W) float [m] → (H, W) uint16 [mm], 0 where invalid (inf, NaN, ≤ 0, or over 65.535 m after rounding)."""
    with np.errstate(invalid="ignore", over="ignore"):
        mm = np.rint(np.asarray(depth, dtype=np.float64) * PNG_SCALE)
        valid = np.isfinite(mm) & (mm >= 1) & (mm <= PNG_MAX)
    return np.where(valid, mm, INVALID).astype(np.uint16)


def depth_from_png(png: np.ndarray) -> np.ndarray:
    """(H, W) uint16 [mm] → (H, W) float32 [m]; invalid pixels stay 0."""
    return (png.astype(np.float64) / PNG_SCALE).astype(np.float32)


def write_depth(root: Path, camera: str, index: int, depth: np.ndarray, png: bool = True) -> None:
    """Write frame ``index`` of ``camera``: the float32 .npy [m] and, with ``png``, the uint16 PNG [mm]."""
    p = paths(camera, index)
    files.write_npy(root / p["depth"], np.asarray(depth, dtype=np.float32))
    if png:
        files.write_png(root / p["depth_png"], depth_to_png(depth))
