"""Camera model in the OpenCV convention (x right, y down, z forward). Pure numpy.

A pinhole camera with Brown–Conrady lens distortion (OpenCV order k1, k2, p1, p2, k3). Pixel (u, v) =
(0, 0) is the centre of the top-left pixel, as in OpenCV; a projected point matches
``cv2.projectPoints(X, cv2.Rodrigues(R)[0], t, K, dist)``.

Normalized coordinates are x/z, y/z of a camera-frame point: *undistorted* (pinhole) before the
lens, *distorted* after it; pixels are K applied to distorted normalized coordinates.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from scenariosim.spec.scenario import CameraSpec

#: body frame (x forward, y left, z up) → OpenCV camera axes (x right, y down, z forward)
BODY_TO_CV = np.array([[0.0, -1.0, 0.0], [0.0, 0.0, -1.0], [1.0, 0.0, 0.0]])

#: undistort stops once every point's distorted residual is below this (normalized units)
UNDISTORT_TOLERANCE = 1e-12
UNDISTORT_ITERATIONS = 50


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


def _no_distortion() -> np.ndarray:
    return np.zeros(5)


@dataclass(frozen=True, slots=True)
class Camera:
    """One camera pose, intrinsics and lens. World point X maps to the camera frame as R @ X + t."""

    K: np.ndarray            # (3, 3) float64 intrinsics [px]
    R: np.ndarray            # (3, 3) float64 world → camera rotation
    t: np.ndarray            # (3,) float64 [m] world → camera translation
    width: int               # [px]
    height: int              # [px]
    near: float = 0.1        # [m] nearest depth drawn
    far: float = 3000.0      # [m] farthest depth drawn
    dist: np.ndarray = field(default_factory=_no_distortion)  # (5,) float64 k1, k2, p1, p2, k3 (OpenCV)

    @property
    def position(self) -> np.ndarray:
        """Camera centre (3,) [m] in the world frame."""
        return -self.R.T @ self.t

    @property
    def distorted(self) -> bool:
        """Whether the lens has any distortion coefficient other than 0."""
        return bool(np.any(self.dist))

    def moved(self, dx: np.ndarray) -> Camera:
        """The same camera with its centre moved by dx (3,) [m] in the world frame."""
        return dataclasses.replace(self, t=self.t - self.R @ np.asarray(dx, dtype=np.float64))

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """World points (K, 3) [m] → camera-frame points (K, 3) [m]."""
        return points @ self.R.T + self.t

    def project(self, points: np.ndarray) -> np.ndarray:
        """World points (K, 3) [m] → pixels (K, 2) float64, lens distortion included; points at or
        behind the camera plane (z ≤ 0) give nan."""
        return self.pixels(self.to_camera(np.asarray(points, dtype=np.float64)))

    def pixels(self, pc: np.ndarray) -> np.ndarray:
        """Camera-frame points (K, 3) [m] → pixels (K, 2), lens distortion included; z ≤ 0 gives nan,
        and so does a point beyond the radius where the lens folds over (see fold_radius2)."""
        pc = np.asarray(pc, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            xn = pc[:, :2] / pc[:, 2:3]
        xn[pc[:, 2] <= 0] = np.nan
        if self.distorted:
            xn[np.sum(xn * xn, axis=1) >= self.fold_radius2] = np.nan
        return self.normalized_to_pixels(self.distort(xn))

    @property
    def fold_radius2(self) -> float:
        """Squared undistorted radius where the radial distortion r·(1 + k1·r² + k2·r⁴ + k3·r⁶) stops
        growing (inf if it never does): beyond it the polynomial folds back and would image points
        far outside the field of view inside it."""
        k1, k2, _, _, k3 = (float(c) for c in self.dist)
        # d/dr of the radial polynomial, in s = r²: 1 + 3·k1·s + 5·k2·s² + 7·k3·s³
        roots = np.roots(np.trim_zeros([7.0 * k3, 5.0 * k2, 3.0 * k1, 1.0], "f"))
        real = roots[np.isreal(roots)].real
        real = real[real > 0]
        return float(real.min()) if len(real) else math.inf

    def normalized_to_pixels(self, xd: np.ndarray) -> np.ndarray:
        """Distorted normalized coordinates (K, 2) → pixels (K, 2): K applied."""
        K = self.K
        return np.stack([K[0, 0] * xd[:, 0] + K[0, 1] * xd[:, 1] + K[0, 2],
                         K[1, 1] * xd[:, 1] + K[1, 2]], axis=1)

    def pixels_to_normalized(self, uv: np.ndarray) -> np.ndarray:
        """Pixels (K, 2) → distorted normalized coordinates (K, 2): K inverted."""
        uv = np.asarray(uv, dtype=np.float64)
        K = self.K
        y = (uv[:, 1] - K[1, 2]) / K[1, 1]
        x = (uv[:, 0] - K[0, 2] - K[0, 1] * y) / K[0, 0]
        return np.stack([x, y], axis=1)

    def rays(self, uv: np.ndarray) -> np.ndarray:
        """Pixels (K, 2) → undistorted normalized coordinates (K, 2): the camera-frame ray through each
        pixel is (x, y, 1); nan where the lens maps no ray there (see undistort)."""
        xd = self.pixels_to_normalized(uv)
        return self.undistort(xd) if self.distorted else xd

    def distort(self, xn: np.ndarray) -> np.ndarray:
        """Undistorted normalized coordinates (K, 2) → distorted ones (K, 2) (Brown–Conrady, OpenCV)."""
        xn = np.asarray(xn, dtype=np.float64)
        if not self.distorted:
            return xn.copy()
        k1, k2, p1, p2, k3 = (float(c) for c in self.dist)
        x, y = xn[:, 0], xn[:, 1]
        r2 = x * x + y * y
        radial = 1.0 + r2 * (k1 + r2 * (k2 + r2 * k3))
        xy = x * y
        return np.stack([x * radial + 2.0 * p1 * xy + p2 * (r2 + 2.0 * x * x),
                         y * radial + p1 * (r2 + 2.0 * y * y) + 2.0 * p2 * xy], axis=1)

    def undistort(self, xd: np.ndarray) -> np.ndarray:
        """Distorted normalized coordinates (K, 2) → undistorted ones (K, 2), the inverse of distort.

        Newton's method from xn = xd, until distort(xn) is within 1e-12 of xd. A point the lens cannot
        reach (beyond the fold of a strong barrel distortion) does not converge and gives nan.
        """
        xd = np.asarray(xd, dtype=np.float64)
        if not self.distorted:
            return xd.copy()
        k1, k2, p1, p2, k3 = (float(c) for c in self.dist)
        xn = xd.copy()
        active = np.all(np.isfinite(xd), axis=1)
        for _ in range(UNDISTORT_ITERATIONS):
            idx = np.flatnonzero(active)
            if not len(idx):
                break
            x, y = xn[idx, 0], xn[idx, 1]
            r2 = x * x + y * y
            radial = 1.0 + r2 * (k1 + r2 * (k2 + r2 * k3))
            dradial = k1 + r2 * (2.0 * k2 + 3.0 * k3 * r2)        # d radial / d(r²)
            ex = x * radial + 2.0 * p1 * x * y + p2 * (r2 + 2.0 * x * x) - xd[idx, 0]
            ey = y * radial + p1 * (r2 + 2.0 * y * y) + 2.0 * p2 * x * y - xd[idx, 1]
            done = np.maximum(np.abs(ex), np.abs(ey)) < UNDISTORT_TOLERANCE
            active[idx[done]] = False
            # Jacobian of distort at (x, y)
            a = radial + 2.0 * x * x * dradial + 2.0 * p1 * y + 6.0 * p2 * x
            b = 2.0 * x * y * dradial + 2.0 * p1 * x + 2.0 * p2 * y
            d = radial + 2.0 * y * y * dradial + 6.0 * p1 * y + 2.0 * p2 * x
            with np.errstate(divide="ignore", invalid="ignore"):
                det = a * d - b * b
                step_x = (d * ex - b * ey) / det
                step_y = (a * ey - b * ex) / det
            live = ~done
            xn[idx[live], 0] -= step_x[live]
            xn[idx[live], 1] -= step_y[live]
        xn[active] = np.nan                                        # never converged
        return xn

    def view_matrix_gl(self) -> np.ndarray:
        """(4, 4) world → OpenGL eye space (x right, y up, z backward)."""
        m = np.eye(4)
        m[:3, :3] = np.diag([1.0, -1.0, -1.0]) @ self.R
        m[:3, 3] = np.diag([1.0, -1.0, -1.0]) @ self.t
        return m

    def projection_matrix_gl(self) -> np.ndarray:
        """(4, 4) OpenGL eye → clip space matching K exactly once the read-back image is flipped
        upside down (GL row 0 is the bottom row; OpenCV row 0 the top). Pinhole only: a distorted
        camera is drawn through postprocess.render_camera."""
        fx, fy, cx, cy = self.K[0, 0], self.K[1, 1], self.K[0, 2], self.K[1, 2]
        w, h, n, f = self.width, self.height, self.near, self.far
        return np.array([
            [2 * fx / w, 0.0, 1.0 - 2 * (cx + 0.5) / w, 0.0],
            [0.0, 2 * fy / h, 2 * (cy + 0.5) / h - 1.0, 0.0],
            [0.0, 0.0, -(f + n) / (f - n), -2 * f * n / (f - n)],
            [0.0, 0.0, -1.0, 0.0],
        ])


def _birdseye_to_world(heading: float) -> np.ndarray:
    """(3, 3) OpenCV camera axes → world for a camera looking straight down (optical axis −z) with
    the image top pointing along heading [rad] (CCW from +x)."""
    forward = np.array([math.cos(heading), math.sin(heading), 0.0])
    right = np.array([math.sin(heading), -math.cos(heading), 0.0])
    return np.stack([right, -forward, np.array([0.0, 0.0, -1.0])], axis=1)


def camera_from_spec(spec: CameraSpec, pose: tuple[float, float, float, float] | None = None) -> Camera:
    """The camera of ``spec``, distortion included.

    pose (x, y, z [m], heading [rad]) is the mount's: its footprint centre on the ground, z the ground
    elevation there; spec.position, yaw and pitch are then in the mount's body frame (x forward, y left,
    z up). pose None is a fixed camera: spec.position is in the world frame and yaw a CCW angle from +x.
    A ``birdseye`` view looks straight down (optical axis −z) from the position, image top along the
    mount's heading (fixed camera: north, +y), and ignores yaw and pitch.
    """
    if pose is None and spec.mount is not None:
        raise ValueError(f"camera '{spec.name}' is mounted on '{spec.mount}' and needs the mount's pose")
    x, y, z, heading = pose if pose is not None else (0.0, 0.0, 0.0, 0.0)
    body_to_world = rot_z(heading)
    if spec.view == "birdseye":
        cam_to_world = _birdseye_to_world(heading if pose is not None else math.pi / 2)
    else:
        mount_to_body = rot_z(spec.yaw) @ rot_y(-spec.pitch)   # pitch up tilts +x towards +z
        cam_to_world = body_to_world @ mount_to_body @ BODY_TO_CV.T
    centre = np.array([x, y, z]) + body_to_world @ np.asarray(spec.position, dtype=np.float64)
    R = cam_to_world.T
    return Camera(K=intrinsics(spec.fov, spec.width, spec.height), R=R, t=-R @ centre,
                  width=spec.width, height=spec.height,
                  dist=np.asarray(spec.distortion, dtype=np.float64).reshape(5))


def mounted_camera(spec: CameraSpec, x: float, y: float, heading: float, z: float = 0.0) -> Camera:
    """The camera of ``spec`` on an actor at (x, y, z) [m] with heading [rad] (camera_from_spec)."""
    return camera_from_spec(spec, (x, y, z, heading))
