"""The sun's shadow maps: orthographic views along the sunlight over a square ahead of the camera (plain
numpy, no GL). The square's centre snaps to a SHADOW_SNAP grid, so while the camera moves within one cell
the map of the static scene stays valid (the renderer keeps it) and only the actors are drawn again."""
from __future__ import annotations

import numpy as np

from scenariosim.sensors.camera import Camera

SHADOW_SIZE = 1024          # [px] shadow map side
SHADOW_EXTENT = 160.0       # [m] side of the square the map covers (16 cm per texel)
SHADOW_AHEAD = 0.4          # the square's centre lies this fraction of its side ahead of the camera
SHADOW_DEPTH = 600.0        # [m] half the depth range along the sunlight (tall buildings, low sun)
SHADOW_SNAP = 16.0          # [m] grid the square's centre snaps to


def shadow_centre(camera: Camera, extent: float = SHADOW_EXTENT) -> np.ndarray:
    """World point (3,) [m] the shadow square is centred on: SHADOW_AHEAD of its side ahead of the camera
    along its horizontal view direction, snapped to the SHADOW_SNAP grid (z = 0)."""
    forward = camera.R[2].copy()                                     # optical axis, world frame
    forward[2] = 0.0
    if np.hypot(forward[0], forward[1]) < 1e-6:                      # looking straight down: image up
        forward = -camera.R[1].copy()
        forward[2] = 0.0
    forward /= max(float(np.hypot(forward[0], forward[1])), 1e-12)
    centre = camera.position + SHADOW_AHEAD * extent * forward
    centre[:2] = np.round(centre[:2] / SHADOW_SNAP) * SHADOW_SNAP
    centre[2] = 0.0
    return centre


def shadow_matrix(camera: Camera, sun: np.ndarray, extent: float = SHADOW_EXTENT,
                  depth: float = SHADOW_DEPTH) -> np.ndarray:
    """(4, 4) map from camera-relative positions (world − camera centre) [m] to the shadow map's clip
    space: x, y ∈ [−1, 1] across the square of side ``extent`` [m] around shadow_centre, z ∈ [−1, 1]
    along the sunlight over ±``depth`` [m] (smaller z is nearer the sun). ``sun`` (3,) is the unit vector
    towards the sun."""
    along = -np.asarray(sun, dtype=np.float64)                       # the way sunlight travels
    horizontal = float(np.hypot(along[0], along[1]))
    if horizontal < 1e-6:                                            # sun at the zenith
        right = np.array([1.0, 0.0, 0.0])
    else:
        right = np.array([along[1], -along[0], 0.0]) / horizontal   # along × z, normalised
    up = np.array([right[1] * along[2] - right[2] * along[1],        # right × along
                   right[2] * along[0] - right[0] * along[2],
                   right[0] * along[1] - right[1] * along[0]])
    centre = shadow_centre(camera, extent) - camera.position         # camera-relative
    m = np.eye(4)
    m[0, :3], m[1, :3], m[2, :3] = right * (2.0 / extent), up * (2.0 / extent), along / depth
    m[:3, 3] = -m[:3, :3] @ centre
    return m
