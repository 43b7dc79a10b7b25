"""Post-processing of rendered frames: lens distortion of every channel, weather and sensor effects.

Render-free: frames are synthetic arrays with known geometry."""
from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np
import pytest

from scenariosim.errors import RenderError
from scenariosim.render import postprocess as pp
from scenariosim.sensors.camera import Camera, camera_from_spec
from scenariosim.sensors.frame import Frame
from scenariosim.spec.scenario import CameraSpec, EnvironmentSpec

MM_PER_HOUR = 1e-3 / 3600.0          # [m/s] of 1 mm/h
BARREL = (-0.28, 0.07, 0.002, -0.001, -0.005)
PINCUSHION = (0.22, 0.03, -0.002, 0.001, 0.0)


def forward_camera(width=320, height=200, fov_deg=90.0, dist=(0.0,) * 5) -> Camera:
    """At the origin looking along +x (world), level."""
    spec = CameraSpec(name="c", position=(0.0, 0.0, 0.0), fov=math.radians(fov_deg), width=width, height=height,
                      distortion=tuple(dist))
    return camera_from_spec(spec, None)


def make_frame(camera: Camera, depth=None, rgb=None, seed=0) -> Frame:
    """A frame of camera's size: random colours and ids, depth as given (scalar or (H, W)), default inf."""
    rng = np.random.default_rng(seed)
    h, w = camera.height, camera.width
    instance = rng.integers(0, 2 ** 32, (h, w), dtype=np.uint32)
    return Frame(
        rgb=rng.integers(0, 256, (h, w, 3), dtype=np.uint8) if rgb is None else rgb,
        class_id=(instance % 251).astype(np.uint8),
        instance=instance,
        depth=np.broadcast_to(np.float32(np.inf if depth is None else depth), (h, w)).astype(np.float32),
        normal=rng.normal(size=(h, w, 3)).astype(np.float16),
        camera=camera, time=1.5)


# ----------------------------------------------------------------------------------------------
# lens distortion

def test_no_distortion_is_the_identity():
    cam = forward_camera()
    assert pp.render_camera(cam) is cam
    frame = make_frame(cam)
    assert pp.distort_frame(frame, cam, None) is frame
    assert pp.distort_frame(frame, cam, (np.zeros((200, 320), np.float32),) * 2) is frame


@pytest.mark.parametrize("dist", [BARREL, PINCUSHION, (0.0, 0.0, 0.01, -0.01, 0.0)])
def test_render_camera_covers_every_ray(dist):
    cam = forward_camera(dist=dist)
    rc = pp.render_camera(cam)
    assert not rc.distorted
    np.testing.assert_array_equal(rc.R, cam.R)
    np.testing.assert_array_equal(rc.t, cam.t)
    assert (rc.K[0, 0], rc.K[1, 1]) == (cam.K[0, 0], cam.K[1, 1])
    map_x, map_y = pp.distortion_maps(cam, rc)
    assert map_x.shape == map_y.shape == (cam.height, cam.width) and map_x.dtype == np.float32
    # bilinear support of every source point inside the drawn image
    assert map_x.min() >= 0 and map_x.max() <= rc.width - 2
    assert map_y.min() >= 0 and map_y.max() <= rc.height - 2
    # and the padding is tight: the margin is PAD_MARGIN pixels on each side
    assert map_x.min() < pp.PAD_MARGIN + 1 and map_x.max() > rc.width - 2 - pp.PAD_MARGIN
    if dist == BARREL:
        assert rc.width > cam.width and rc.height > cam.height


def test_distortion_maps_follow_the_lens():
    cam = forward_camera(dist=BARREL)
    rc = pp.render_camera(cam)
    map_x, map_y = pp.distortion_maps(cam, rc)
    rng = np.random.default_rng(0)
    pc = np.c_[rng.uniform(-0.8, 0.8, (50, 2)), np.ones(50)] * 7.0     # camera-frame points
    uv = cam.pixels(pc)
    inside = (uv[:, 0] > 0) & (uv[:, 0] < cam.width - 1) & (uv[:, 1] > 0) & (uv[:, 1] < cam.height - 1)
    src = np.stack([cv2.remap(m, uv[inside, 0].astype(np.float32)[None], uv[inside, 1].astype(np.float32)[None],
                              cv2.INTER_LINEAR)[0] for m in (map_x, map_y)], axis=1)
    np.testing.assert_allclose(src, rc.pixels(pc[inside]), atol=0.02)


def test_a_lens_that_folds_over_is_a_render_error():
    with pytest.raises(RenderError, match="too strong.*folds"):
        pp.render_camera(forward_camera(dist=(-0.6, 0.0, 0.0, 0.0, 0.0)))


def test_too_large_a_padded_image_is_a_render_error(monkeypatch):
    dist = (-0.25, 0.06, 0.0, 0.0, 0.0)                  # needs about 1.45× the width; no other test uses it
    monkeypatch.setattr(pp, "MAX_PADDING", 1.3)
    with pytest.raises(RenderError, match=r"too strong.*more than 1.3×"):
        pp.render_camera(forward_camera(dist=dist))
    monkeypatch.setattr(pp, "MAX_PADDING", 3.0)
    assert pp.render_camera(forward_camera(dist=dist)).width > 1.3 * 320


@pytest.mark.parametrize("dist", [BARREL, PINCUSHION])
def test_a_point_lands_where_the_camera_projects_it(dist):
    cam = forward_camera(dist=dist)
    rc = pp.render_camera(cam)
    maps = pp.distortion_maps(cam, rc)
    rng = np.random.default_rng(1)
    for _ in range(6):
        # a world point somewhere in view, near the corners too
        target = rng.uniform([8, 8], [cam.width - 9, cam.height - 9])
        ray = cam.rays(target[None])[0]
        point = cam.position + cam.R.T @ (np.r_[ray, 1.0] * 12.0)
        # drawn in the pinhole image as a small gaussian blob in colour and a 3×3 labelled patch
        su, sv = rc.project(point[None])[0]
        u, v = np.meshgrid(np.arange(rc.width), np.arange(rc.height))
        blob = np.exp(-((u - su) ** 2 + (v - sv) ** 2) / (2 * 1.2 ** 2))
        rgb = np.repeat((blob * 255).round().astype(np.uint8)[..., None], 3, axis=2)
        patch = (np.abs(u - round(su)) <= 1) & (np.abs(v - round(sv)) <= 1)
        frame = make_frame(rc, depth=np.where(patch, 12.0, np.inf), rgb=rgb)
        frame = frame._replace(instance=np.where(patch, 2 ** 30 + 7, 0).astype(np.uint32),
                               class_id=np.where(patch, 26, 23).astype(np.uint8))
        out = pp.distort_frame(frame, cam, maps)
        assert out.camera is cam and out.time == frame.time
        expected = cam.project(point[None])[0]
        w = out.rgb[..., 0].astype(np.float64)
        w[w < 20] = 0
        ov, ou = np.mgrid[:cam.height, :cam.width]
        centroid = np.array([(w * ou).sum(), (w * ov).sum()]) / w.sum()
        assert np.linalg.norm(centroid - expected) < 0.5
        labelled = out.instance == 2 ** 30 + 7
        assert labelled.any()
        assert np.hypot(ou[labelled].mean() - expected[0], ov[labelled].mean() - expected[1]) < 1.0
        assert np.all(np.hypot(ou[labelled] - expected[0], ov[labelled] - expected[1]) < 3.5)
        np.testing.assert_array_equal(out.class_id == 26, labelled)
        np.testing.assert_array_equal(np.isfinite(out.depth), labelled)
        assert np.all(out.depth[labelled] == np.float32(12.0))          # depth of the same 3D point


def test_labels_come_from_one_source_pixel_and_ids_stay_exact():
    cam = forward_camera(dist=BARREL)
    rc = pp.render_camera(cam)
    frame = make_frame(rc, seed=3)
    rng = np.random.default_rng(3)
    depth = rng.uniform(1, 100, (rc.height, rc.width)).astype(np.float32)
    frame = frame._replace(depth=depth)
    maps = pp.distortion_maps(cam, rc)
    out = pp.distort_frame(frame, cam, maps)
    assert out.instance.dtype == np.uint32 and out.class_id.dtype == np.uint8
    assert out.depth.dtype == np.float32 and out.normal.dtype == np.float16
    assert out.rgb.shape == (cam.height, cam.width, 3) and out.normal.shape == (cam.height, cam.width, 3)
    assert (out.instance > 2 ** 24).mean() > 0.9                        # ids a float32 cannot hold exactly
    # every output pixel is the nearest source pixel, the same one in every channel
    iy, ix = np.rint(maps[1]).astype(int), np.rint(maps[0]).astype(int)
    np.testing.assert_array_equal(out.instance, frame.instance[iy, ix])
    np.testing.assert_array_equal(out.class_id, frame.class_id[iy, ix])
    np.testing.assert_array_equal(out.depth, frame.depth[iy, ix])
    np.testing.assert_array_equal(out.normal, frame.normal[iy, ix])
    np.testing.assert_array_equal(out.class_id, (out.instance % 251).astype(np.uint8))


# ----------------------------------------------------------------------------------------------
# vignetting and noise

def srgb_to_linear(c):
    """The renderer's 8-bit encoding undone: γ 2.2 (shaders/shade.frag.glsl)."""
    return (np.asarray(c, dtype=np.float64) / 255.0) ** 2.2


def linear_to_srgb(x):
    return 255.0 * np.clip(x, 0.0, 1.0) ** (1 / 2.2)


def test_vignetting_gain_is_one_at_the_centre_and_one_minus_amount_at_the_corners():
    gain = pp.vignetting_gain(0.4, 101, 61)
    assert gain[30, 50] == 1.0
    for corner in (gain[0, 0], gain[0, -1], gain[-1, 0], gain[-1, -1]):
        assert corner == pytest.approx(0.6, abs=1e-15)
    diagonal = gain[np.arange(31), np.arange(31) * 50 // 30]
    assert np.all(np.diff(diagonal[::-1]) < 0)                           # falls off monotonically outwards


@pytest.mark.parametrize("amount", [0.25, 0.6, 1.0])
def test_vignette_scales_light_exactly_at_centre_and_corners(amount):
    rgb = np.full((61, 101, 3), 200, np.uint8)
    rgb[..., 1] = 90
    out = pp.vignette(rgb, amount)
    np.testing.assert_array_equal(out[30, 50], rgb[30, 50])
    expected = np.rint(linear_to_srgb(srgb_to_linear([200, 90, 200]) * (1 - amount))).astype(np.uint8)
    for corner in (out[0, 0], out[0, -1], out[-1, 0], out[-1, -1]):
        np.testing.assert_array_equal(corner, expected)
    # between, light falls as the gain, quantized to 256 levels (± half a level) and rounded to 8 bits
    gain = pp.vignetting_gain(amount, 101, 61)
    half_level = amount / 255 / 2
    lo = np.rint(linear_to_srgb(srgb_to_linear(200) * (gain - half_level)))
    hi = np.rint(linear_to_srgb(srgb_to_linear(200) * (gain + half_level)))
    assert np.all(out[..., 0] >= lo) and np.all(out[..., 0] <= hi)
    assert pp.vignette(rgb, 0.0) is rgb


def test_noise_has_the_requested_sigma_and_no_bias():
    rgb = np.full((400, 500, 3), 128, np.uint8)
    out = pp.sensor_noise(rgb, 0.03, np.random.default_rng(0))
    diff = out.astype(np.float64) - 128
    assert diff.std() == pytest.approx(0.03 * 255, rel=0.05)
    assert abs(diff.mean()) < 0.05
    # independent per pixel and channel
    assert abs(np.corrcoef(diff[:, :-1].ravel(), diff[:, 1:].ravel())[0, 1]) < 0.02
    assert abs(np.corrcoef(diff[..., 0].ravel(), diff[..., 1].ravel())[0, 1]) < 0.02
    assert pp.sensor_noise(rgb, 0.0, np.random.default_rng(0)) is rgb


def test_shot_noise_grows_with_the_signal():
    rng = np.random.default_rng(1)
    dark, bright = np.full((300, 300, 3), 40, np.uint8), np.full((300, 300, 3), 200, np.uint8)
    s_dark = (pp.sensor_noise(dark, 0.005, rng, shot=0.2).astype(float) - 40).std()
    s_bright = (pp.sensor_noise(bright, 0.005, rng, shot=0.2).astype(float) - 200).std()
    assert s_dark == pytest.approx(math.sqrt(1.275 ** 2 + 0.2 * 40), rel=0.05)
    assert s_bright == pytest.approx(math.sqrt(1.275 ** 2 + 0.2 * 200), rel=0.05)


# ----------------------------------------------------------------------------------------------
# rain and snow

def test_rain_count_is_proportional_to_the_rate():
    cam = forward_camera(640, 360)
    counts = [len(pp.particles(cam, pp.RAIN, r * MM_PER_HOUR, 1 / 60, np.random.default_rng(0)).a)
              for r in (5.0, 20.0, 80.0)]
    assert 0 < counts[0] < counts[1] < counts[2]
    assert counts[1] / counts[0] == pytest.approx(4.0, rel=0.2)
    assert counts[2] / counts[1] == pytest.approx(4.0, rel=0.1)
    assert len(pp.particles(cam, pp.RAIN, 0.0, 1 / 60, np.random.default_rng(0)).a) == 0


def test_more_rain_covers_more_pixels():
    cam = forward_camera(640, 360)
    frame = make_frame(cam, rgb=np.full((360, 640, 3), 60, np.uint8))
    changed = []
    for r in (2.5, 10.0, 50.0):
        out = pp.precipitation(frame.rgb, frame.depth, cam, pp.RAIN, r * MM_PER_HOUR, 1 / 60, np.random.default_rng(0))
        changed.append(int((out != frame.rgb).any(axis=2).sum()))
    assert 0 < changed[0] < changed[1] < changed[2]


def test_streaks_are_light_grey_and_semi_transparent():
    cam = forward_camera(640, 360)
    rgb = np.full((360, 640, 3), 40, np.uint8)
    out = pp.precipitation(rgb, np.full((360, 640), np.inf, np.float32), cam, pp.RAIN, 50 * MM_PER_HOUR, 1 / 60,
                           np.random.default_rng(0))
    touched = (out != rgb).any(axis=2)
    assert touched.mean() > 0.01
    assert out.max() < 200 and out[touched].min() >= 40                # lighter, never opaque
    # streaks fall: in a level camera they are close to vertical and several pixels long
    p = pp.particles(cam, pp.RAIN, 50 * MM_PER_HOUR, 1 / 60, np.random.default_rng(0))
    d = p.b - p.a
    assert np.mean(np.abs(d[:, 1]) > 3 * np.abs(d[:, 0])) > 0.9
    assert np.all(d[:, 1] > 0)                                          # from a (earlier) down to b
    assert np.median(np.abs(d[:, 1])) > 3


def test_streak_length_follows_fall_speed_and_exposure():
    cam = forward_camera(640, 360)
    for exposure in (1 / 250, 1 / 30):
        p = pp.particles(cam, pp.RAIN, 20 * MM_PER_HOUR, exposure, np.random.default_rng(0))
        length = np.linalg.norm(p.b - p.a, axis=1)
        f = cam.K[0, 0]
        # a drop falls 6–9 m/s (plus a little drift) over the exposure, seen at depth zb
        lo, hi = f * 6.0 * exposure / p.zb, f * math.hypot(9.0, 1.5) * exposure / np.minimum(p.za, p.zb)
        assert np.all(length >= 0.9 * lo) and np.all(length <= 1.1 * hi)


@pytest.mark.parametrize("kind", [pp.RAIN, pp.SNOW])
def test_a_near_wall_hides_all_precipitation(kind):
    cam = forward_camera(320, 200)
    rgb = np.full((200, 320, 3), 70, np.uint8)
    depth = np.full((200, 320), 0.5, np.float32)
    depth[:, 160:] = np.inf                                             # a wall at 0.5 m on the left only
    out = pp.precipitation(rgb, depth, cam, kind, 100 * MM_PER_HOUR if kind is pp.RAIN else 5 * MM_PER_HOUR,
                           1 / 60, np.random.default_rng(0))
    np.testing.assert_array_equal(out[:, :160], rgb[:, :160])
    assert (out[:, 161:] != rgb[:, 161:]).any()


def test_occlusion_is_tested_per_pixel_against_the_particle_depth():
    # two vertical streaks crossing a wall at 5 m: the one at 3 m shows over it, the one at 8 m does not
    depth = np.full((100, 100), np.inf, np.float32)
    depth[40:60] = 5.0
    p = pp.Particles(a=np.array([[20.0, 10.0], [70.0, 10.0]]), b=np.array([[20.0, 90.0], [70.0, 90.0]]),
                     za=np.array([3.0, 8.0]), zb=np.array([3.0, 8.0]), radius=np.array([0.5, 0.5]),
                     alpha=np.array([0.5, 0.5]))
    alpha = pp.particle_alpha(p, depth)
    assert np.all(alpha[10:91, 20] == pytest.approx(0.5))
    assert np.all(alpha[40:60, 70] == 0) and np.all(alpha[10:40, 70] > 0.49) and np.all(alpha[60:91, 70] > 0.49)
    assert alpha[:, [19, 21, 69, 71]].max() == 0                        # one pixel wide on pixel centres


def test_particles_combine_as_layers_and_stay_within_opacity():
    p = pp.Particles(a=np.array([[10.0, 5.0], [10.0, 5.0]]), b=np.array([[10.0, 25.0], [10.0, 25.0]]),
                     za=np.array([2.0, 2.0]), zb=np.array([2.0, 2.0]), radius=np.array([0.5, 3.0]),
                     alpha=np.array([0.5, 0.5]))
    alpha = pp.particle_alpha(p, np.full((30, 30), np.inf, np.float32))
    assert alpha[15, 10] == pytest.approx(0.75, abs=1e-3)              # 1 − (1 − ½)(1 − ½)
    assert alpha.max() <= 0.75 + 1e-6 and alpha[15, 12] == pytest.approx(0.5, abs=1e-3)


def test_snow_is_white_and_denser_with_the_rate():
    cam = forward_camera(640, 360)
    rgb = np.full((360, 640, 3), 60, np.uint8)
    depth = np.full((360, 640), np.inf, np.float32)
    light = pp.precipitation(rgb, depth, cam, pp.SNOW, 0.5 * MM_PER_HOUR, 1 / 60, np.random.default_rng(0))
    heavy = pp.precipitation(rgb, depth, cam, pp.SNOW, 2.5 * MM_PER_HOUR, 1 / 60, np.random.default_rng(0))
    assert 0 < (light != rgb).any(axis=2).sum() < (heavy != rgb).any(axis=2).sum()
    assert heavy.max() >= 230                                           # opaque white flakes
    p = pp.particles(cam, pp.SNOW, 1.0 * MM_PER_HOUR, 1 / 60, np.random.default_rng(0))
    r = pp.particles(cam, pp.RAIN, 1.0 * MM_PER_HOUR, 1 / 60, np.random.default_rng(0))
    # slower than rain: a shorter path at the same depth
    assert np.median(np.linalg.norm(p.b - p.a, axis=1) * p.zb) < np.median(np.linalg.norm(r.b - r.a, axis=1) * r.zb) / 3
    assert np.median(p.radius[p.zb < 2]) > 1.5 * np.median(r.radius[r.zb < 2])   # and larger


# ----------------------------------------------------------------------------------------------
# motion blur

def edge_frame(cam: Camera, depth: float) -> Frame:
    """A wall at ``depth`` [m]: black on the left half of the image, white on the right."""
    rgb = np.zeros((cam.height, cam.width, 3), np.uint8)
    rgb[:, cam.width // 2:] = 255
    return make_frame(cam, depth=depth, rgb=rgb)


def test_static_camera_leaves_the_image_unchanged():
    cam = forward_camera(320, 200)
    frame = edge_frame(cam, 10.0)
    out = pp.motion_blur(frame.rgb, frame.depth, cam, cam)
    np.testing.assert_array_equal(out, frame.rgb)
    # a pose equal up to round-off goes through the motion computation and still changes nothing
    nearly = dataclasses.replace(cam, t=cam.t + 1e-12)
    np.testing.assert_array_equal(pp.motion_blur(frame.rgb, frame.depth, cam, nearly), frame.rgb)


@pytest.mark.parametrize("dist", [(0.0,) * 5, BARREL])
@pytest.mark.parametrize("shift", [0.05, 0.2])
def test_sideways_motion_spreads_a_vertical_edge(dist, shift):
    cam = forward_camera(400, 240, dist=dist)
    z = 10.0
    frame = edge_frame(cam, z)
    # the camera moved to its right (−y in the world, +x in the camera) by `shift` during the exposure
    before = cam.moved(np.array([0.0, shift, 0.0]))
    out = pp.motion_blur(frame.rgb, frame.depth, cam, before)
    row = out[cam.height // 2, :, 0].astype(int)
    spread = f_motion = cam.K[0, 0] * shift / z
    # pixels more than 2 % away from both sides (each remap round's bilinear resampling adds a little
    # smoothing, under a pixel, to the box of the motion path)
    blurred = np.flatnonzero((row > 5) & (row < 250))
    assert abs(len(blurred) - spread) <= 1
    # the edge, now at the centre column, was f·Δx/z px to the right when the exposure began
    edge = cam.width // 2
    assert blurred.min() >= edge - 1 and blurred.max() <= edge + f_motion + 1
    # far from the edge nothing changes
    assert (row[:edge - 2] == 0).all() and (row[int(edge + f_motion + 2):] == 255).all()


def test_motion_blur_keeps_the_mean_of_a_uniform_image():
    cam = forward_camera(200, 120)
    rgb = np.full((120, 200, 3), 77, np.uint8)
    out = pp.motion_blur(rgb, np.full((120, 200), 4.0, np.float32), cam, cam.moved(np.array([-0.5, 0.1, 0.0])))
    np.testing.assert_array_equal(out, rgb)


def test_image_motion_of_a_turn_is_the_same_at_every_depth():
    cam = forward_camera(200, 120)
    delta = math.radians(2.0)
    # a moment ago the camera looked delta further left (north): what is ahead now was right of centre then
    before = camera_from_spec(CameraSpec(name="c", position=(0.0, 0.0, 0.0), yaw=delta, width=200, height=120), None)
    depth = np.random.default_rng(0).uniform(1.0, 200.0, (120, 200)).astype(np.float32)
    depth[:10] = np.inf
    du, dv = pp.image_motion(depth, cam, before)
    cx, cy = int(cam.K[0, 2]), int(cam.K[1, 2])
    np.testing.assert_allclose(du[cy, cx], cam.K[0, 0] * math.tan(delta), rtol=1e-3)
    np.testing.assert_allclose(du[:, cx], du[cy, cx], rtol=2e-3)        # the same for near, far and sky
    assert np.abs(dv[cy]).max() < 0.05                                   # (row cy is ½ px off the horizon)


def test_points_behind_the_earlier_camera_do_not_move():
    cam = forward_camera(200, 120)
    ahead = cam.moved(np.array([2.0, 0.0, 0.0]))                       # reversing: it was 2 m further on
    du, dv = pp.image_motion(np.full((120, 200), 1.0, np.float32), cam, ahead)
    assert not du.any() and not dv.any()
    du, dv = pp.image_motion(np.full((120, 200), 5.0, np.float32), cam, ahead)
    assert np.abs(du).max() > 1                                         # 3 m in front of it: they move


def test_image_motion_of_the_sky_ignores_translation():
    cam = forward_camera(200, 120)
    du, dv = pp.image_motion(np.full((120, 200), np.inf, np.float32), cam, cam.moved(np.array([0.0, 3.0, 0.0])))
    assert np.abs(du).max() < 0.1 and np.abs(dv).max() < 0.1


# ----------------------------------------------------------------------------------------------
# all together

def effect_spec(**kw) -> CameraSpec:
    base = dict(name="c", width=320, height=200, shutter=1 / 30, vignetting=0.3, noise=0.02)
    return CameraSpec(**{**base, **kw})


def test_apply_effects_is_deterministic_per_seed():
    cam = forward_camera(320, 200)
    frame = make_frame(cam, depth=np.linspace(1.0, 50.0, 320, dtype=np.float32)[None].repeat(200, 0))
    env = EnvironmentSpec(rain=20 * MM_PER_HOUR, snow=1.0 * MM_PER_HOUR)
    before = cam.moved(np.array([0.0, 0.1, 0.0]))
    a = pp.apply_effects(frame, effect_spec(), env, np.random.default_rng(5), before)
    b = pp.apply_effects(frame, effect_spec(), env, np.random.default_rng(5), before)
    c = pp.apply_effects(frame, effect_spec(), env, np.random.default_rng(6), before)
    assert a.rgb.tobytes() == b.rgb.tobytes()
    assert a.rgb.tobytes() != c.rgb.tobytes()


def test_effects_never_touch_labels_or_depth():
    cam = forward_camera(320, 200)
    frame = make_frame(cam, depth=3.0)
    copies = [a.copy() for a in (frame.class_id, frame.instance, frame.depth, frame.normal)]
    out = pp.apply_effects(frame, effect_spec(), EnvironmentSpec(rain=50 * MM_PER_HOUR, snow=2 * MM_PER_HOUR),
                           np.random.default_rng(0), cam.moved(np.array([0.0, 0.2, 0.0])))
    assert out.rgb is not frame.rgb and (out.rgb != frame.rgb).any()
    for before, after, original in zip(copies, (out.class_id, out.instance, out.depth, out.normal),
                                       (frame.class_id, frame.instance, frame.depth, frame.normal)):
        assert after is original
        np.testing.assert_array_equal(after, before)
    assert out.camera is frame.camera and out.time == frame.time


def test_nothing_happens_when_every_effect_is_off():
    cam = forward_camera(320, 200)
    frame = make_frame(cam, depth=3.0)
    spec = effect_spec(shutter=0.0, vignetting=0.0, noise=0.0)
    assert pp.apply_effects(frame, spec, EnvironmentSpec(), np.random.default_rng(0),
                            cam.moved(np.array([0.0, 1.0, 0.0]))) is frame
    # a shutter without the earlier camera blurs nothing either
    assert pp.apply_effects(frame, effect_spec(vignetting=0.0, noise=0.0), EnvironmentSpec(),
                            np.random.default_rng(0)) is frame


def test_one_effect_does_not_change_the_randomness_of_another():
    cam = forward_camera(320, 200)
    frame = make_frame(cam, depth=0.5, rgb=np.full((200, 320, 3), 100, np.uint8))   # the wall hides all rain
    spec = effect_spec(shutter=0.0, vignetting=0.0)
    dry = pp.apply_effects(frame, spec, EnvironmentSpec(), np.random.default_rng(9))
    wet = pp.apply_effects(frame, spec, EnvironmentSpec(rain=30 * MM_PER_HOUR), np.random.default_rng(9))
    np.testing.assert_array_equal(dry.rgb, wet.rgb)
