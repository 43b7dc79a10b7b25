"""The renderer against analytic geometry: projection, depth, sky, ids, determinism, fog, markings."""
from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from scenariosim.errors import RenderError
from scenariosim.render import Renderer
from scenariosim.render.lighting import fog_beta, sun_vector
from scenariosim.render.meshes import MARKING_Z, TERRAIN_Z
from scenariosim.roads import build
from scenariosim.roads.geometry import dash_intervals
from scenariosim.spec import EnvironmentSpec, SunSpec
from scenariosim.taxonomy import BY_ID, LANE_MARKING, ROAD, SKY, TERRAIN
from scenes import look_at, make_spec, make_world

CLEAR = EnvironmentSpec()




def scene(actors=(("a", "car", 2, 100.0, 20.0),)):
    spec = make_spec(list(actors))
    world, info = make_world(spec)
    return build(spec.roads), world.vehicles, info


def render(network, vehicles, info, camera, environment=CLEAR):
    with Renderer(camera.width, camera.height) as r:
        r.set_road(network)
        return r.render(vehicles, info, environment, camera, 0.0)


def pixel_rays(camera):
    """(H, W, 3) world-frame ray directions through pixel centres, scaled to unit optical depth."""
    v, u = np.mgrid[0:camera.height, 0:camera.width].astype(np.float64)
    pix = np.stack([u, v, np.ones_like(u)], -1)
    return pix @ np.linalg.inv(camera.K).T @ camera.R


def ground_hits(camera, z):
    """Per pixel: optical depth [m] of the ray's hit with the plane at height z, and the hit (H, W, 3)."""
    rays = pixel_rays(camera)
    with np.errstate(divide="ignore"):
        depth = (z - camera.position[2]) / rays[..., 2]
    depth[rays[..., 2] >= 0] = np.inf
    return depth, camera.position + depth[..., None] * rays


def box_corners(v, i):
    """(8, 3) corners [m] of vehicle i's box."""
    c, s = math.cos(v.heading[i]), math.sin(v.heading[i])
    lx, ly = np.meshgrid([-0.5, 0.5], [-0.5, 0.5])
    lx, ly = np.tile(lx.ravel() * v.length[i], 2), np.tile(ly.ravel() * v.width[i], 2)
    z = np.repeat([0.0, v.height[i]], 4)
    return np.stack([v.x[i] + c * lx - s * ly, v.y[i] + s * lx + c * ly, z], 1)


@pytest.mark.gl
@pytest.mark.parametrize("pitch_deg", [0.0, -8.0])
def test_instance_mask_matches_the_projected_box(pitch_deg):
    """Every pixel of the car lies in the box of its 8 projected corners (cv2.projectPoints), and the
    car's silhouette spans most of that box (a sedan: rounded off at the roof and the bumpers)."""
    network, v, info = scene((("a", "car", 2, 100.0, 20.0),))
    eye = np.array([88.0, 2.4, 1.4])
    target = eye + [12.0, 2.4, 12.0 * math.tan(math.radians(pitch_deg))]
    cam = look_at(eye, target, 160, 120, 60.0)
    frame = render(network, v, info, cam)
    rvec, _ = cv2.Rodrigues(cam.R)
    uv, _ = cv2.projectPoints(box_corners(v, 0), rvec, cam.t, cam.K, None)
    (u0, v0), (u1, v1) = uv[:, 0].min(0), uv[:, 0].max(0)
    rows, cols = np.nonzero(frame.instance == 1)
    assert len(rows) > 200
    assert u0 - 0.1 <= cols.min() and cols.max() <= u1 + 0.1
    assert v0 - 0.1 <= rows.min() and rows.max() <= v1 + 0.1
    assert cols.max() - cols.min() + 1 >= 0.9 * (u1 - u0) and rows.max() - rows.min() + 1 >= 0.8 * (v1 - v0)


@pytest.mark.gl
def test_ground_depth_is_the_analytic_distance_along_the_optical_axis():
    network, v, info = scene((("far", "car", 1, 900.0, 20.0),))
    cam = look_at([60.0, 4.0, 1.4], [80.0, 6.0, 0.0], 160, 120, 70.0)
    frame = render(network, v, info, cam)
    assert np.sum(frame.class_id == ROAD) > 2000
    for cls, z in ((ROAD, 0.0), (LANE_MARKING, MARKING_Z), (TERRAIN, TERRAIN_Z)):
        mask = frame.class_id == cls
        assert mask.any()
        expected, _ = ground_hits(cam, z)
        np.testing.assert_allclose(frame.depth[mask], expected[mask], rtol=1e-3)


@pytest.mark.gl
def test_static_depth_is_the_pixel_rays_meeting_with_the_plane_to_float_precision():
    """Depth on the static mesh is where the pixel centre's ray meets its triangle's plane (float32: a few
    1e-6 relative, even one row below the horizon), not a value interpolated across the triangle, which
    inherits the rasteriser's sub-pixel snapping of the vertices (here 2e-5 on llvmpipe, 2.3e-3 on an
    H100). A wrong u_frag_to_ray makes every pixel fall back to the interpolated value and fails too."""
    network, v, info = scene((("far", "car", 1, 900.0, 20.0),))
    cam = look_at([60.0, 4.0, 1.4], [80.0, 6.0, 0.0], 160, 120, 70.0)
    frame = render(network, v, info, cam)
    for cls, z in ((ROAD, 0.0), (LANE_MARKING, MARKING_Z), (TERRAIN, TERRAIN_Z)):
        mask = frame.class_id == cls
        expected, _ = ground_hits(cam, z)
        assert expected[mask].max() > 60.0
        np.testing.assert_allclose(frame.depth[mask], expected[mask], rtol=5e-6)


@pytest.mark.gl
def test_sky_pixels_are_sky_with_no_instance_and_infinite_depth():
    network, v, info = scene((("a", "car", 2, 100.0, 20.0), ("b", "truck", 2, 130.0, 20.0)))
    cam = look_at([90.0, 5.25, 1.4], [100.0, 5.25, 1.4], 96, 64, 90.0)
    frame = render(network, v, info, cam)
    assert np.all(frame.class_id[0] == SKY)
    sky = frame.class_id == SKY
    assert np.all(frame.instance[sky] == 0) and np.all(np.isposinf(frame.depth[sky]))
    assert np.all(np.isfinite(frame.depth[~sky])) and np.all(frame.depth[~sky] > cam.near)
    assert not sky[cam.height // 2 + 2:].any()     # below the horizon: ground and vehicles
    assert frame.rgb.shape == (64, 96, 3) and frame.rgb.dtype == np.uint8
    assert frame.class_id.dtype == np.uint8 and frame.instance.dtype == np.uint32
    assert frame.depth.dtype == np.float32


@pytest.mark.gl
def test_classes_are_known_and_instances_carry_their_vehicle_class():
    actors = (("a", "car", 2, 100.0, 20.0), ("b", "truck", 1, 115.0, 20.0), ("c", "car", 3, 112.0, 20.0))
    network, v, info = scene(actors)
    cam = look_at([92.0, 5.25, 1.6], [110.0, 4.0, 1.0], 128, 96, 80.0)
    frame = render(network, v, info, cam)
    assert set(np.unique(frame.class_id)) <= set(BY_ID)
    assert {ROAD, SKY, TERRAIN, LANE_MARKING, 26, 27} <= set(np.unique(frame.class_id))
    inst = frame.instance
    assert set(np.unique(inst)) == {0, 1, 2, 3}
    assert np.array_equal(frame.class_id[inst > 0], info.class_ids[inst[inst > 0] - 1])
    assert not np.isin(frame.class_id[inst == 0], info.class_ids).any()


@pytest.mark.gl
def test_rendering_is_byte_identical_and_independent_of_other_renderers():
    network, v, info = scene((("a", "car", 2, 100.0, 20.0), ("b", "truck", 2, 130.0, 20.0)))
    cam = look_at([90.0, 4.0, 1.5], [120.0, 6.0, 1.0], 80, 60, 70.0)
    other = look_at([0.0, 0.0, 30.0], [50.0, 5.0, 0.0], 64, 48, 50.0)
    with Renderer(80, 60) as a, Renderer(64, 48) as b:
        a.set_road(network)
        b.set_road(network)
        first = a.render(v, info, CLEAR, cam, 0.0)
        b.render(v, info, CLEAR, other, 0.0)      # another context in between must not leak into a
        _, many, many_info = scene([(f"v{i}", "car", 1 + i % 3, 10.0 + 8 * i, 20.0) for i in range(70)])
        crowded = a.render(many, many_info, CLEAR, cam, 0.0)     # outgrows the vertex buffer
        second = a.render(v, info, CLEAR, cam, 0.0)
    assert crowded.instance.max() > 2
    for x, y in zip(first[:4], second[:4]):
        assert x.tobytes() == y.tobytes()


@pytest.mark.gl
def test_fog_follows_koschmieder_and_never_touches_labels():
    """With visual range V: colour = c·t + fog·(1 − t), t = exp(−2.996·d / V), d the Euclidean
    distance; sky turns into the fog colour; class, instance and depth are unchanged."""
    network, v, info = scene((("a", "car", 2, 100.0, 20.0),))
    cam = look_at([80.0, 5.25, 1.4], [100.0, 3.0, 1.2], 128, 96, 60.0)
    vr = 15.0
    clear = render(network, v, info, cam)
    fog = render(network, v, info, cam, EnvironmentSpec(fog_visual_range=vr))
    for a, b in zip(clear[1:4], fog[1:4]):
        assert a.tobytes() == b.tobytes()
    sky = fog.class_id == SKY
    fog_color = fog.rgb[sky].astype(float)
    assert np.ptp(fog_color, axis=0).max() <= 1      # uniform: the fog colour
    fog_lin = (fog_color.mean(0) / 255) ** 2.2
    road = np.isin(clear.class_id, [ROAD, LANE_MARKING]) & (clear.rgb.max(-1) < 250)   # not clipped
    dist = clear.depth * np.linalg.norm(pixel_rays(cam), axis=-1)
    t = np.exp(-2.996 * dist / vr)[..., None]
    expected = 255 * ((clear.rgb / 255) ** 2.2 * t + fog_lin * (1 - t)) ** (1 / 2.2)
    np.testing.assert_allclose(fog.rgb[road], expected[road], atol=3)
    far = road & (dist > 2 * vr)
    assert far.sum() > 50
    assert np.abs(fog.rgb[far] - fog_color.mean(0)).max() <= 3       # far road ≈ fog colour
    assert np.abs(clear.rgb[far].astype(float) - fog_color.mean(0)).max() > 40


def expected_marking(network, hits, margin):
    """Per pixel from its ray's hit (H, W, 3) on the paint plane: 1 = surely paint, 0 = surely bare
    road, -1 = within ``margin`` [m] of a paint edge, or off the road (straight highway along +x)."""
    x, y = hits[..., 0], hits[..., 1]
    inside, near_edge = np.zeros(x.shape, bool), np.zeros(x.shape, bool)
    for m in network.markings:
        x0, y0, half = m.line[0, 0], m.line[0, 1], m.style.width / 2
        for s0, s1 in dash_intervals(m.line[-1, 0] - x0, m.style.dash, m.style.gap):
            a0, a1 = x0 + s0, x0 + s1
            inside |= (np.abs(y - y0) < half - margin) & (x > a0 + margin) & (x < a1 - margin)
            near_edge |= (np.abs(y - y0) < half + margin) & (x > a0 - margin) & (x < a1 + margin)
    x0, y0, x1, y1 = network.bounds()
    off_road = (x < x0 + margin) | (x > x1 - margin) | (y < y0 + margin) | (y > y1 - margin)
    out = np.where(inside, 1, np.where(near_edge | off_road, -1, 0))
    return out


@pytest.mark.gl
@pytest.mark.parametrize("eye, target, fov, rows", [
    ([150.0, 5.25, 6.0], [165.0, 5.25, 0.0], 90.0, None),        # lane lines and dashes up close
    ([0.0, 1.75, 4.0], [250.0, 1.75, 0.0], 2.0, (200.0, 300.0)),  # 200–300 m: no z-fighting
])
def test_markings_appear_where_the_geometry_puts_them(eye, target, fov, rows):
    network, v, info = scene((("far", "car", 1, 900.0, 20.0),))
    cam = look_at(eye, target, 160, 120, fov)
    frame = render(network, v, info, cam)
    _, hits = ground_hits(cam, MARKING_Z)
    expected = expected_marking(network, hits, margin=0.01)
    if rows is not None:
        dist = np.linalg.norm(hits - cam.position, axis=-1)
        expected[(dist < rows[0]) | (dist > rows[1])] = -1
    paint, bare = expected == 1, expected == 0
    assert paint.sum() > 100 and bare.sum() > 100
    assert np.all(frame.class_id[paint] == LANE_MARKING)
    assert np.all(frame.class_id[bare] == ROAD)
    if rows is None:                               # every lane line shows up
        seen = np.round(hits[frame.class_id == LANE_MARKING][:, 1] / 3.5)
        assert set(seen) == {0.0, 1.0, 2.0, 3.0}


@pytest.mark.gl
def test_renderer_checks_the_camera_size_and_releases_twice():
    network, v, info = scene()
    r = Renderer(64, 48)
    with pytest.raises(RenderError, match="64×48"):
        r.render(v, info, CLEAR, look_at([0, 0, 2], [10, 0, 0], 80, 60, 60.0), 0.0)
    r.release()
    r.release()


@pytest.mark.parametrize("azimuth, expected", [(0.0, (0, 1)), (math.pi / 2, (1, 0)), (math.pi, (0, -1))])
def test_sun_azimuth_is_a_compass_bearing(azimuth, expected):
    el = math.radians(30.0)
    sun = sun_vector(EnvironmentSpec(sun=SunSpec(elevation=el, azimuth=azimuth)))
    np.testing.assert_allclose(sun, [expected[0] * math.cos(el), expected[1] * math.cos(el), 0.5], atol=1e-12)
    assert fog_beta(EnvironmentSpec(fog_visual_range=100.0)) == pytest.approx(0.02996)
    assert fog_beta(EnvironmentSpec()) == 0.0


def sun_from(azimuth_deg, elevation_deg=20.0):
    sun = SunSpec(elevation=math.radians(elevation_deg), azimuth=math.radians(azimuth_deg))
    return EnvironmentSpec(sun=sun)


@pytest.mark.gl
@pytest.mark.parametrize("eye, lit, dark", [
    ([110.0, 5.25, 0.6], 90.0, 270.0),    # looking west at the car's front (+x face): lit by an eastern sun
    ([100.0, 15.0, 0.6], 0.0, 180.0),     # looking south at its left side (+y face): lit by a northern sun
])
def test_faces_towards_the_sun_are_brighter(eye, lit, dark):
    network, v, info = scene((("a", "car", 2, 100.0, 20.0),))
    cam = look_at(eye, [100.0, 5.25, 0.6], 96, 64, 40.0)
    with Renderer(96, 64, shadows=False) as r:
        r.set_road(network)
        bright, dim = (r.render(v, info, sun_from(az), cam, 0.0) for az in (lit, dark))
    car = bright.instance == 1
    assert car.sum() > 100 and np.array_equal(car, dim.instance == 1)
    facing = car & (bright.normal[..., 2] < -0.9)          # the faces turned to the camera (and the sun)
    assert facing.sum() > 50
    assert bright.rgb[facing].mean() > dim.rgb[facing].mean() + 15


@pytest.mark.gl
def test_a_car_casts_its_shadow_away_from_the_sun():
    """Sun due east, 30° up: the road 0.5 m west of the car lies in its shadow (the sedan's boot, ~0.9 m
    high at its rear, shades ~1.5 m of road behind it), the road 0.5 m east of it does not; without the
    shadow pass both are lit alike."""
    network, v, info = scene((("a", "car", 2, 100.0, 20.0),))
    x, y, half = v.x[0], v.y[0], v.length[0] / 2
    cam = look_at([x, y - 0.01, 30.0], [x, y, 0.0], 96, 96, 40.0)
    west, east = cam.project(np.array([[x - half - 0.5, y, 0.0], [x + half + 0.5, y, 0.0]])).round().astype(int)
    shaded = {}
    for shadows in (True, False):
        with Renderer(96, 96, shadows=shadows) as r:
            r.set_road(network)
            f = r.render(v, info, sun_from(90.0, elevation_deg=30.0), cam, 0.0)
        assert f.class_id[west[1], west[0]] == ROAD and f.class_id[east[1], east[0]] == ROAD
        shaded[shadows] = f.rgb[west[1], west[0]].astype(int).sum(), f.rgb[east[1], east[0]].astype(int).sum()
    assert shaded[True][0] < 0.7 * shaded[True][1]
    assert abs(shaded[False][0] - shaded[False][1]) <= 3


def test_missing_egl_is_a_one_line_render_error(monkeypatch):
    import moderngl

    def fail(**_):
        raise Exception("libEGL.so: cannot open shared object file\nsecond line")

    monkeypatch.setattr(moderngl, "create_standalone_context", fail)
    with pytest.raises(RenderError) as err:
        Renderer(64, 48)
    message = str(err.value)
    assert "\n" not in message and "libegl1" in message and "libgl1-mesa-dri" in message


def test_the_context_asks_for_4_3_first_and_settles_for_3_3(monkeypatch):
    """NVIDIA's EGL returns exactly the version asked for: asking for 3.3 alone left the coverage pass
    (occlusion, truncation) without its storage buffers on a GPU that has them."""
    import moderngl

    from scenariosim.render.context import create_context

    asked = []

    def driver(newest):
        def create(*, backend, require):
            asked.append(require)
            if require > newest:
                raise Exception(f"no {require} context")
            return ("context", require)
        return create

    monkeypatch.setattr(moderngl, "create_standalone_context", driver(460))
    assert create_context() == ("context", 430) and asked == [430]
    asked.clear()
    monkeypatch.setattr(moderngl, "create_standalone_context", driver(410))
    assert create_context() == ("context", 330) and asked == [430, 330]


def test_frag_to_ray_is_the_pixel_centres_ray_as_opencv_projects_it():
    """The surface shader's u_frag_to_ray: GL window position (x, y up, centres at half integers) →
    world ray with unit optical depth; a point along it lands on that pixel's centre in cv2.projectPoints."""
    from scenariosim.render.renderer import frag_to_ray

    cam = look_at([10.0, -4.0, 1.6], [40.0, 3.0, 0.5], 64, 48, 75.0)
    rng = np.random.default_rng(3)
    u, v = rng.integers(0, cam.width, 20), rng.integers(0, cam.height, 20)
    window = np.column_stack([u + 0.5, cam.height - 0.5 - v, np.ones(20)])
    rays = window @ frag_to_ray(cam).T
    np.testing.assert_allclose(rays @ cam.R[2], 1.0, rtol=1e-12)          # unit depth along the optical axis
    rvec, _ = cv2.Rodrigues(cam.R)
    uv, _ = cv2.projectPoints(cam.position + 7.5 * rays, rvec, cam.t, cam.K, None)
    np.testing.assert_allclose(uv[:, 0], np.column_stack([u, v]), atol=1e-9)
