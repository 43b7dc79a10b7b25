"""Instanced actors, lights, signals and the normal target against independent CPU answers."""
from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np
import pytest

from scenariosim.render import Renderer
from scenariosim.render.actors import pose_template, template
from scenariosim.render.instances import BRAKING, INSTANCE, LIGHTS_ON, in_view, instance_groups
from scenariosim.roads import build
from scenariosim.spec import EnvironmentSpec, SunSpec
from scenariosim.taxonomy import BY_NAME, ROAD
from scenes import look_at, make_spec, make_world

NIGHT = EnvironmentSpec(sun=SunSpec(elevation=math.radians(-20.0)))
DAY = EnvironmentSpec()


def scene(actors):
    spec = make_spec(list(actors))
    world, info = make_world(spec)
    return build(spec.roads), world, info


def cpu_silhouette(camera, kind, size, heading, base, phase) -> np.ndarray:
    """(H, W) bool: pixels whose centre lies inside a projected triangle of the CPU-posed template."""
    pos, _ = pose_template(template(kind), size, heading, base, phase)
    uv = camera.project(pos).reshape(-1, 3, 2)
    mask = np.zeros((camera.height, camera.width), np.uint8)
    shift = 4                                    # sub-pixel vertex precision for fillPoly
    pts = np.round((uv + 0.0) * (1 << shift)).astype(np.int32)
    cv2.fillPoly(mask, list(pts), 1, lineType=cv2.LINE_8, shift=shift)
    return mask.astype(bool)


@pytest.mark.gl
@pytest.mark.parametrize("kind, heading, phase", [("car", 0.4, 0.0), ("pedestrian", -1.2, 0.25),
                                                  ("pedestrian", 2.0, 0.6), ("bicycle", 1.0, 0.0),
                                                  ("truck", -0.3, 0.0), ("suv", 2.8, 0.0), ("van", -2.0, 0.0),
                                                  ("bus", 0.9, 0.0), ("motorcycle", -0.7, 0.0), ("cone", 0.3, 0.0),
                                                  ("barrier", 1.2, 0.0), ("debris", -1.0, 0.0)])
def test_the_vertex_shader_poses_templates_as_the_cpu_twin_does(kind, heading, phase):
    """The instance mask of one actor equals the silhouette of its CPU-posed template (pose_template, all
    triangles) up to edge pixels (cv2.fillPoly and the rasteriser round limbs 1–2 px wide differently),
    for walking limbs too: a wrong swing moves far more pixels than the tolerance, and a template that
    is not closed shows holes once the renderer culls the faces turned away."""
    network, world, info = scene([("a", kind, 2, 100.0, 0.0)])
    v = world.vehicles._replace(heading=np.array([heading]))
    size = (v.length[0], v.width[0], v.height[0])
    cam = look_at([v.x[0] - 3.0 * max(size), v.y[0] + 2.0 * max(size), 1.5 * max(size)], [v.x[0], v.y[0], size[2] / 2],
                  200, 160, 50.0)
    with Renderer(cam.width, cam.height, shadows=False) as r:
        r.set_road(network)
        frame = r.render(v, info, DAY, cam, 0.0, phase=np.array([phase]))
    gl = frame.instance == 1
    cpu = cpu_silhouette(cam, kind, size, heading, [v.x[0], v.y[0], 0.0], phase)
    assert gl.sum() > 300
    edge = cv2.dilate(cpu.astype(np.uint8), np.ones((3, 3), np.uint8)) & ~cv2.erode(cpu.astype(np.uint8), np.ones((3, 3), np.uint8))
    off = (gl != cpu) & ~edge.astype(bool)
    assert off.sum() <= 0.03 * cpu.sum()
    if kind == "pedestrian":                    # and the limbs really move: another phase differs
        other = cpu_silhouette(cam, kind, size, heading, [v.x[0], v.y[0], 0.0], phase + 0.5)
        assert ((other != cpu) & ~edge.astype(bool)).sum() > 5 * max(off.sum(), 5)


@pytest.mark.gl
def test_riders_are_labelled_rider_within_their_bicycles_instance():
    network, world, info = scene([("b", "bicycle", 2, 100.0, 0.0), ("m", "motorcycle", 1, 100.0, 0.0)])
    cam = look_at([100.0, 12.0, 1.5], [100.0, 3.5, 0.8], 160, 120, 60.0)
    with Renderer(160, 120) as r:
        r.set_road(network)
        f = r.render(world.vehicles, info, DAY, cam, 0.0)
    for k, cls in ((1, "bicycle"), (2, "motorcycle")):
        mine = f.instance == k
        assert np.any(f.class_id[mine] == BY_NAME["rider"].id) and np.any(f.class_id[mine] == BY_NAME[cls].id)
        assert set(np.unique(f.class_id[mine])) <= {BY_NAME["rider"].id, BY_NAME[cls].id}


@pytest.mark.gl
def test_the_camera_carrier_is_hidden_but_casts_its_shadow():
    network, world, info = scene([("ego", "car", 2, 100.0, 0.0)])
    v = world.vehicles
    cam = look_at([v.x[0], v.y[0] - 0.01, 25.0], [v.x[0], v.y[0], 0.0], 96, 96, 50.0)
    env = EnvironmentSpec(sun=SunSpec(elevation=math.radians(50.0), azimuth=math.radians(90.0)))
    with Renderer(96, 96) as r:
        r.set_road(network)
        shown, hidden = (r.render(v, info, env, cam, 0.0, hide=h) for h in (None, 0))
    assert np.any(shown.instance == 1) and not np.any(hidden.instance == 1)
    behind = cam.project(np.array([[v.x[0] - v.length[0] / 2 - 0.3, v.y[0], 0.0],
                                   [v.x[0] + v.length[0] / 2 + 0.5, v.y[0], 0.0]])).round().astype(int)
    (wu, wv), (eu, ev) = behind
    assert hidden.class_id[wv, wu] == ROAD
    assert int(hidden.rgb[wv, wu].sum()) < 0.7 * int(hidden.rgb[ev, eu].sum())   # shade west of it


def test_light_flags_follow_the_dark_and_the_brakes():
    _, world, info = scene([("a", "car", 1, 50.0, 20.0), ("b", "car", 2, 80.0, 20.0), ("p", "pedestrian", 3, 90.0, 0.0)])
    v = world.vehicles._replace(accel=np.array([0.0, -3.0, -3.0]))
    z = np.zeros(3)
    by_day = instance_groups(v, info, z, np.zeros(3), None, lights_on=False)
    at_night = instance_groups(v, info, z, np.zeros(3), None, lights_on=True)
    assert list(by_day["car"][0]["state"][:, 1]) == [0, BRAKING]
    assert list(at_night["car"][0]["state"][:, 1]) == [LIGHTS_ON, LIGHTS_ON | BRAKING]
    assert at_night["pedestrian"][0]["state"][0, 1] == 0          # people carry no lamps


@pytest.mark.gl
def test_at_night_head_and_brake_lights_glow():
    """A car facing the camera at night: its headlamps are the brightest pixels of its instance; seen from
    behind, its tail lamps turn brighter red when it brakes."""
    network, world, info = scene([("a", "car", 2, 100.0, 0.0)])
    v = world.vehicles
    front = look_at([v.x[0] + 9.0, v.y[0], 1.0], [v.x[0], v.y[0], 0.7], 128, 96, 40.0)
    rear = look_at([v.x[0] - 9.0, v.y[0], 1.0], [v.x[0], v.y[0], 0.7], 128, 96, 40.0)
    with Renderer(128, 96) as r:
        r.set_road(network)
        day, night = (r.render(v, info, env, front, 0.0) for env in (DAY, NIGHT))
        cruising = r.render(v, info, NIGHT, rear, 0.0)
        braking = r.render(v._replace(accel=np.array([-4.0])), info, NIGHT, rear, 0.0)
    car = night.instance == 1
    assert night.rgb[car].max() >= 250 and night.rgb[car].sum(1).mean() < day.rgb[car].sum(1).mean()
    def lamp_brightness(f):                          # mean R + G + B of the glowing red pixels
        rgb = f.rgb[f.instance == 1].astype(int)
        glowing = rgb[(rgb[:, 0] > 150) & (rgb[:, 0] > 2 * rgb[:, 1])]
        assert len(glowing) >= 4
        return glowing.sum(1).mean()
    assert lamp_brightness(braking) > lamp_brightness(cruising) + 30


@pytest.mark.gl
def test_normals_of_the_road_are_the_up_vector_in_camera_axes():
    network, world, info = scene([])
    cam = look_at([50.0, 0.0, 2.0], [70.0, 3.0, 0.0], 64, 48, 60.0)
    with Renderer(64, 48) as r:
        r.set_road(network)
        f = r.render(world.vehicles, info, DAY, cam, 0.0)
    road = f.class_id == ROAD
    assert road.sum() > 300
    np.testing.assert_allclose(f.normal[road].astype(np.float64), np.broadcast_to(cam.R @ [0, 0, 1.0], (road.sum(), 3)),
                               atol=2e-3)
    sky = np.isinf(f.depth)
    assert np.all(f.normal[sky] == 0)


@pytest.mark.gl
def test_extinction_of_rain_and_snow_dims_a_far_car_towards_the_air_light():
    """Koschmieder with the summed extinction: a car 80 m away loses contrast against the haze as rain and
    snow grow (contrast ∝ exp(−β·d)), and its labels never change."""
    network, world, info = scene([("a", "car", 2, 180.0, 0.0)])
    v = world.vehicles
    cam = look_at([100.0, v.y[0], 1.2], [180.0, v.y[0], 0.8], 96, 64, 8.0)
    rates = (0.0, 10.0, 50.0)                                   # mm/h
    frames = []
    with Renderer(96, 64, shadows=False) as r:
        r.set_road(network)
        for mm in rates:
            env = dataclasses.replace(DAY, clouds=1.0, rain=mm * 1e-3 / 3600)     # the same sky in each
            frames.append(r.render(v, info, env, cam, 0.0))
    car = frames[0].instance == 1
    assert car.sum() > 100
    for f in frames[1:]:
        assert np.array_equal(f.instance, frames[0].instance) and np.array_equal(f.class_id, frames[0].class_id)
    sky_row = frames[0].class_id[0] == BY_NAME["sky"].id
    contrast = [abs(f.rgb[car].mean() - f.rgb[0][sky_row].mean()) for f in frames]
    assert contrast[0] > contrast[1] > contrast[2]


def test_frustum_culling_never_drops_an_actor_that_shows():
    """in_view against brute force: points filling each bounding sphere, projected; whenever one lands
    in the image in front of the camera, the actor is kept. Far and behind ones are dropped."""
    rng = np.random.default_rng(3)
    cam = look_at([0.0, 0.0, 1.5], [30.0, 5.0, 1.0], 160, 90, 60.0)
    n = 400
    rec = np.zeros(n, dtype=INSTANCE)
    rec["pose"][:, :3] = rng.uniform([-60, -60, -2], [120, 60, 2], (n, 3)) - cam.position
    rec["size"] = rng.uniform([0.4, 0.4, 0.5], [12, 3, 4], (n, 3))
    kept = in_view(rec, cam)
    directions = rng.normal(size=(2000, 3))
    directions *= (rng.uniform(0, 1, 2000) ** (1 / 3) / np.linalg.norm(directions, axis=1))[:, None]
    for k in range(n):
        centre = rec["pose"][k, :3] + [0, 0, rec["size"][k, 2] / 2] + cam.position
        points = centre + 0.5 * np.linalg.norm(rec["size"][k]) * directions
        uv = cam.project(points)
        shows = np.any((uv[:, 0] >= -0.5) & (uv[:, 0] <= 159.5) & (uv[:, 1] >= -0.5) & (uv[:, 1] <= 89.5))
        assert kept[k] or not shows
    assert 0 < kept.sum() < n


@pytest.mark.gl
def test_culled_frames_equal_frames_drawn_without_culling(monkeypatch):
    """Cars all around the camera (behind, beside, far ahead): every output is byte-identical whether the
    renderer culls actors outside the view and the shadow square or draws them all."""
    import scenariosim.render.renderer as renderer_module

    actors = [(f"a{i}", "car", 1 + i % 3, 10.0 + 37.0 * i, 10.0) for i in range(25)]
    network, world, info = scene(actors)
    cam = look_at([300.0, 0.0, 1.5], [330.0, 2.0, 1.0], 96, 64, 70.0)
    env = EnvironmentSpec(sun=SunSpec(elevation=math.radians(12.0), azimuth=math.radians(250.0)))

    def draw():
        with Renderer(96, 64) as r:
            r.set_road(network)
            return r.render(world.vehicles, info, env, cam, 0.0)
    culled = draw()
    monkeypatch.setattr(renderer_module, "in_view", lambda records, camera: np.ones(len(records), bool))
    monkeypatch.setattr(renderer_module, "in_shadow_map", lambda records, shadow, extent: np.ones(len(records), bool))
    full = draw()
    for a, b in zip(culled[:5], full[:5]):
        assert np.array_equal(a, b)
    assert len(np.unique(culled.instance)) > 2          # some cars in view, the rest culled
