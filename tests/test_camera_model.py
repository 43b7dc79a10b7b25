"""Camera model: Brown–Conrady distortion against OpenCV, and cameras built from a CameraSpec."""
from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from scenariosim.sensors.camera import Camera, camera_from_spec, intrinsics, mounted_camera
from scenariosim.spec.scenario import CameraSpec


def random_camera(rng: np.random.Generator, dist) -> Camera:
    R = cv2.Rodrigues(rng.normal(0.0, 0.5, 3))[0]
    return Camera(K=intrinsics(math.radians(80.0), 640, 480), R=R, t=rng.normal(0.0, 3.0, 3),
                  width=640, height=480, dist=np.asarray(dist, dtype=np.float64))


def random_distortion(rng: np.random.Generator) -> np.ndarray:
    """Coefficients of real lenses' magnitude, barrel or pincushion."""
    return rng.uniform([-0.35, -0.1, -0.01, -0.01, -0.02], [0.3, 0.1, 0.01, 0.01, 0.02])


def points_in_view(camera: Camera, rng: np.random.Generator, n: int = 200) -> np.ndarray:
    """World points (n, 3) whose undistorted normalized coordinates lie within the image's field of view."""
    xn = rng.uniform([-0.85, -0.6], [0.85, 0.6], (n, 2))
    pc = np.c_[xn, np.ones(n)] * rng.uniform(0.5, 80.0, (n, 1))
    return (pc - camera.t) @ camera.R


def test_default_camera_has_no_distortion():
    cam = Camera(K=intrinsics(1.0, 64, 48), R=np.eye(3), t=np.zeros(3), width=64, height=48)
    assert cam.dist.shape == (5,) and cam.dist.dtype == np.float64 and not cam.dist.any()
    assert not cam.distorted


@pytest.mark.parametrize("seed", range(8))
def test_project_matches_opencv_with_distortion(seed):
    rng = np.random.default_rng(seed)
    cam = random_camera(rng, random_distortion(rng) if seed else np.zeros(5))
    X = points_in_view(cam, rng)
    ours = cam.project(X)
    ref = cv2.projectPoints(X, cv2.Rodrigues(cam.R)[0], cam.t, cam.K, cam.dist)[0][:, 0]
    # where the lens folds over (some random lenses do, in the corners) project gives nan; OpenCV does not
    pc = cam.to_camera(X)
    folded = np.sum(pc[:, :2] ** 2, axis=1) / pc[:, 2] ** 2 >= cam.fold_radius2
    assert folded.mean() < 0.1
    np.testing.assert_array_equal(np.isnan(ours).any(axis=1), folded)
    np.testing.assert_allclose(ours[~folded], ref[~folded], atol=1e-6, rtol=0)


def test_project_gives_nan_behind_the_camera():
    cam = Camera(K=intrinsics(1.0, 64, 48), R=np.eye(3), t=np.zeros(3), width=64, height=48,
                 dist=np.array([-0.2, 0.05, 0.001, 0.001, 0.0]))
    uv = cam.project(np.array([[0.0, 0.0, -1.0], [0.0, 0.0, 0.0], [0.1, 0.1, 2.0]]))
    assert np.isnan(uv[:2]).all() and np.isfinite(uv[2]).all()


@pytest.mark.parametrize("seed", range(8))
def test_undistort_inverts_distort_and_matches_opencv(seed):
    rng = np.random.default_rng(100 + seed)
    cam = random_camera(rng, random_distortion(rng))
    xn = rng.uniform([-0.85, -0.6], [0.85, 0.6], (300, 2))
    xd = cam.distort(xn)
    back = cam.undistort(xd)
    np.testing.assert_allclose(back, xn, atol=1e-10, rtol=0)
    np.testing.assert_allclose(cam.distort(back), xd, atol=1e-11, rtol=0)
    uv = cam.normalized_to_pixels(xd)
    criteria = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 200, 1e-15)
    ref = cv2.undistortPoints(uv[:, None, :], cam.K, cam.dist, None, None, None, criteria)[:, 0]
    np.testing.assert_allclose(back, ref, atol=1e-9, rtol=0)
    np.testing.assert_allclose(cam.rays(uv), xn, atol=1e-10, rtol=0)


def test_undistort_is_nan_where_the_lens_folds_over():
    # r·(1 − 0.5 r²) peaks at 0.544 (r = 0.816): a distorted radius of 0.8 has no preimage
    cam = Camera(K=intrinsics(1.0, 64, 48), R=np.eye(3), t=np.zeros(3), width=64, height=48,
                 dist=np.array([-0.5, 0.0, 0.0, 0.0, 0.0]))
    out = cam.undistort(np.array([[0.8, 0.0], [0.2, 0.1]]))
    assert np.isnan(out[0]).all()
    np.testing.assert_allclose(cam.distort(out[1:]), [[0.2, 0.1]], atol=1e-12)


def test_pixels_and_normalized_round_trip():
    rng = np.random.default_rng(3)
    cam = random_camera(rng, np.zeros(5))
    uv = rng.uniform(0, 640, (50, 2))
    np.testing.assert_allclose(cam.normalized_to_pixels(cam.pixels_to_normalized(uv)), uv, atol=1e-9)


def test_moved_translates_the_centre_only():
    rng = np.random.default_rng(4)
    cam = random_camera(rng, random_distortion(rng))
    moved = cam.moved(np.array([1.0, -2.0, 0.5]))
    np.testing.assert_allclose(moved.position, cam.position + [1.0, -2.0, 0.5], atol=1e-12)
    np.testing.assert_array_equal(moved.R, cam.R)
    np.testing.assert_array_equal(moved.dist, cam.dist)


# ----------------------------------------------------------------------------------------------
# cameras from a spec

def test_mounted_camera_matches_camera_from_spec_and_adds_elevation():
    spec = CameraSpec(name="front", mount="ego", position=(1.6, 0.2, 1.4), yaw=0.1, pitch=-0.05,
                      distortion=(-0.1, 0.01, 0.0, 0.0, 0.0))
    a = mounted_camera(spec, 10.0, 5.0, 0.7)
    b = camera_from_spec(spec, (10.0, 5.0, 0.0, 0.7))
    np.testing.assert_array_equal(a.R, b.R)
    np.testing.assert_array_equal(a.t, b.t)
    np.testing.assert_array_equal(a.dist, [-0.1, 0.01, 0.0, 0.0, 0.0])
    raised = camera_from_spec(spec, (10.0, 5.0, 3.0, 0.7))
    np.testing.assert_allclose(raised.position, a.position + [0.0, 0.0, 3.0], atol=1e-12)
    # the mount offset turns with the heading: 1.6 m forward, 0.2 m left, 1.4 m up
    h = 0.7
    expected = [10.0 + 1.6 * math.cos(h) - 0.2 * math.sin(h), 5.0 + 1.6 * math.sin(h) + 0.2 * math.cos(h), 1.4]
    np.testing.assert_allclose(a.position, expected, atol=1e-12)


def test_mounted_perspective_camera_looks_along_the_heading():
    spec = CameraSpec(name="front", mount="ego")
    cam = camera_from_spec(spec, (0.0, 0.0, 0.0, math.pi / 2))          # heading north
    np.testing.assert_allclose(cam.R[2], [0.0, 1.0, 0.0], atol=1e-12)   # optical axis
    uv = cam.project(np.array([[0.0, 100.0, 1.4], [-5.0, 100.0, 1.4]]))  # ahead; ahead and to the west
    np.testing.assert_allclose(uv[0], [cam.K[0, 2], cam.K[1, 2]], atol=1e-9)
    assert uv[1, 0] < uv[0, 0]                                          # west is left when facing north


def test_birdseye_mounted_looks_down_with_the_heading_up():
    spec = CameraSpec(name="top", mount="ego", position=(0.0, 0.0, 30.0), view="birdseye",
                      yaw=1.0, pitch=0.3)                                # ignored by a birdseye view
    heading = math.radians(30.0)
    cam = camera_from_spec(spec, (100.0, 50.0, 2.0, heading))
    np.testing.assert_allclose(cam.R[2], [0.0, 0.0, -1.0], atol=1e-12)  # optical axis straight down
    np.testing.assert_allclose(cam.position, [100.0, 50.0, 32.0], atol=1e-12)
    forward = np.array([math.cos(heading), math.sin(heading), 0.0])
    left = np.array([-math.sin(heading), math.cos(heading), 0.0])
    ground = np.array([100.0, 50.0, 2.0])
    centre, ahead, to_left = cam.project(np.stack([ground, ground + 10 * forward, ground + 10 * left]))
    cx, cy = cam.K[0, 2], cam.K[1, 2]
    np.testing.assert_allclose(centre, [cx, cy], atol=1e-9)
    assert ahead[1] < cy - 100 and abs(ahead[0] - cx) < 1e-9            # ahead is up the image
    assert to_left[0] < cx - 100 and abs(to_left[1] - cy) < 1e-9        # left is left


def test_fixed_camera_yaw_90_looks_north():
    spec = CameraSpec(name="pole", position=(0.0, 0.0, 10.0), yaw=math.radians(90.0))
    cam = camera_from_spec(spec, None)
    np.testing.assert_allclose(cam.position, [0.0, 0.0, 10.0], atol=1e-12)
    np.testing.assert_allclose(cam.R[2], [0.0, 1.0, 0.0], atol=1e-12)
    uv = cam.project(np.array([[0.0, 50.0, 10.0], [0.0, 50.0, 0.0], [10.0, 50.0, 10.0]]))
    np.testing.assert_allclose(uv[0], [cam.K[0, 2], cam.K[1, 2]], atol=1e-9)
    assert uv[1, 1] > cam.K[1, 2]                                       # the ground is below the centre
    assert uv[2, 0] > cam.K[0, 2]                                       # east is right when facing north


def test_fixed_camera_pitch_tilts_up():
    cam = camera_from_spec(CameraSpec(name="pole", position=(0.0, 0.0, 5.0), pitch=math.radians(10.0)), None)
    np.testing.assert_allclose(cam.R[2], [math.cos(math.radians(10)), 0.0, math.sin(math.radians(10))], atol=1e-12)


def test_fixed_birdseye_has_north_up_and_equals_a_camera_pitched_straight_down():
    cam = camera_from_spec(CameraSpec(name="sky", position=(5.0, 6.0, 40.0), view="birdseye"), None)
    np.testing.assert_allclose(cam.R[2], [0.0, 0.0, -1.0], atol=1e-12)
    north, east = cam.project(np.array([[5.0, 16.0, 0.0], [15.0, 6.0, 0.0]]))
    assert north[1] < cam.K[1, 2] and abs(north[0] - cam.K[0, 2]) < 1e-9
    assert east[0] > cam.K[0, 2] and abs(east[1] - cam.K[1, 2]) < 1e-9
    down = camera_from_spec(CameraSpec(name="sky", position=(5.0, 6.0, 40.0), yaw=math.pi / 2,
                                       pitch=-math.pi / 2), None)
    np.testing.assert_allclose(cam.R, down.R, atol=1e-12)


def test_mounted_spec_without_a_pose_is_an_error():
    with pytest.raises(ValueError, match="needs the mount's pose"):
        camera_from_spec(CameraSpec(name="front", mount="ego"), None)


def test_points_beyond_the_fold_of_the_lens_are_not_imaged():
    # r·(1 − 0.3 r²) stops growing at r² = 1/0.9: a point 60° off axis (r = 1.73) would fold back inside
    cam = Camera(K=intrinsics(math.radians(90.0), 640, 480), R=np.eye(3), t=np.zeros(3), width=640, height=480,
                 dist=np.array([-0.3, 0.0, 0.0, 0.0, 0.0]))
    assert cam.fold_radius2 == pytest.approx(1 / 0.9)
    uv = cam.project(np.array([[math.sqrt(3.0), 0.0, 1.0], [0.5, 0.2, 1.0]]))
    assert np.isnan(uv[0]).all() and np.isfinite(uv[1]).all()
    assert Camera(K=cam.K, R=cam.R, t=cam.t, width=640, height=480,
                  dist=np.array([0.1, 0.01, 0.0, 0.0, 0.0])).fold_radius2 == math.inf
