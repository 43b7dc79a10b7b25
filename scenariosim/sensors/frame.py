"""Frame: everything one camera saw at one instant, from one draw."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from scenariosim.sensors.camera import Camera

#: instance id of pixels that belong to no agent
NO_INSTANCE = 0


class Coverage(NamedTuple):
    """Per actor in view of one frame (M rows, sorted by instance id), counted in the drawn pinhole image
    (before any lens distortion): what the renderer's coverage pass measures for occlusion and truncation."""

    instance: np.ndarray     # (M,) uint32 agent index + 1
    visible: np.ndarray      # (M,) int64 pixels showing in the drawn image
    inside: np.ndarray       # (M,) int64 pixels it would cover inside the drawn image if nothing hid it
    total: np.ndarray        # (M,) int64 pixels it would cover, the image's margin included (see Renderer)
    occluders: np.ndarray    # (P, 3) int64 rows (occluder instance, 0 = static scene; occluded instance; pixels)


class Frame(NamedTuple):
    rgb: np.ndarray          # (H, W, 3) uint8 sRGB colour
    class_id: np.ndarray     # (H, W) uint8 semantic class (Cityscapes ids; scenariosim/taxonomy.py)
    instance: np.ndarray     # (H, W) uint32; 0 = no agent, else agent index + 1
    depth: np.ndarray        # (H, W) float32 [m] along the optical axis; inf where nothing (sky)
    normal: np.ndarray       # (H, W, 3) float16 unit surface normal in the camera frame (OpenCV axes); 0 for sky
    camera: Camera
    time: float              # [s] simulation time
    coverage: Coverage | None = None   # actors' unoccluded pixel counts (Renderer.render(coverage=True))
