"""Pinhole camera model in the OpenCV convention (x right, y down, z forward). Pure numpy.

Pixel (u, v) = (0, 0) is the centre of the top-left pixel, as in OpenCV; a projected point matches
``cv2.projectPoints(X, rvec(R), t, K, None)``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scenariosim.spec.scenario import CameraSpec

#: body frame (x forward, y left, z up) → OpenCV camera axes (x right, y down, z forward)
BODY_TO_CV = np.array([[0.0, -1.0, 0.0], [0.0, 0.0, -1.0], [1.0, 0.0, 0.0]])


def rot_z(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def rot_y(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def intrinsics(fov: float, width: int, height: int) -> np.ndarray:
    """K (3, 3) for a horizontal field of view fov [rad], square pixels, centred principal point."""
    f = (width / 2.0) / math.tan(fov / 2.0)
    return np.array([[f, 0.0, (width - 1) / 2.0], [0.0, f, (height - 1) / 2.0], [0.0, 0.0, 1.0]])


@dataclass(frozen=True, slots=True)
class Camera:
    """One camera pose and intrinsics. World point X maps to the camera frame as R @ X + t."""

    K: np.ndarray            # (3, 3) float64 intrinsics [px]
    R: np.ndarray            # (3, 3) float64 world → camera rotation
    t: np.ndarray            # (3,) float64 [m] world → camera translation
    width: int               # [px]
    height: int              # [px]
    near: float = 0.1        # [m] nearest depth drawn
    far: float = 3000.0      # [m] farthest depth drawn

    @property
    def position(self) -> np.ndarray:
        """Camera centre (3,) [m] in the world frame."""
        return -self.R.T @ self.t

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """World points (K, 3) [m] → camera-frame points (K, 3) [m]."""
        return points @ self.R.T + self.t

    def project(self, points: np.ndarray) -> np.ndarray:
        """World points (K, 3) [m] → pixels (K, 2); points behind the camera give nan."""
        pc = self.to_camera(points)
        with np.errstate(divide="ignore", invalid="ignore"):
            uv = (pc @ self.K.T)[:, :2] / pc[:, 2:3]
        uv[pc[:, 2] <= 0] = np.nan
        return uv

    def view_matrix_gl(self) -> np.ndarray:
        """(4, 4) world → OpenGL eye space (x right, y up, z backward)."""
        m = np.eye(4)
        m[:3, :3] = np.diag([1.0, -1.0, -1.0]) @ self.R
        m[:3, 3] = np.diag([1.0, -1.0, -1.0]) @ self.t
        return m

    def projection_matrix_gl(self) -> np.ndarray:
        """(4, 4) OpenGL eye → clip space matching K exactly once the read-back image is flipped
        upside down (GL row 0 is the bottom row; OpenCV row 0 the top)."""
        fx, fy, cx, cy = self.K[0, 0], self.K[1, 1], self.K[0, 2], self.K[1, 2]
        w, h, n, f = self.width, self.height, self.near, self.far
        return np.array([
            [2 * fx / w, 0.0, 1.0 - 2 * (cx + 0.5) / w, 0.0],
            [0.0, 2 * fy / h, 2 * (cy + 0.5) / h - 1.0, 0.0],
            [0.0, 0.0, -(f + n) / (f - n), -2 * f * n / (f - n)],
            [0.0, 0.0, -1.0, 0.0],
        ])


def mounted_camera(spec: CameraSpec, x: float, y: float, heading: float) -> Camera:
    """The camera of ``spec`` on an actor at (x, y) [m] with heading [rad], on flat ground (z = 0)."""
    body_to_world = rot_z(heading)
    mount_to_body = rot_z(spec.yaw) @ rot_y(-spec.pitch)   # pitch up tilts +x towards +z
    cam_to_world = body_to_world @ mount_to_body @ BODY_TO_CV.T
    centre = np.array([x, y, 0.0]) + body_to_world @ np.asarray(spec.position, dtype=np.float64)
    R = cam_to_world.T
    return Camera(K=intrinsics(spec.fov, spec.width, spec.height), R=R, t=-R @ centre,
                  width=spec.width, height=spec.height)
