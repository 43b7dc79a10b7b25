"""Benchmark the renderer against a bare moderngl baseline drawing the same triangles into the same targets.

    python tools/bench_render.py [--scenario scenarios/bench_street.scn] [--frames 30] [--json]
    python tools/bench_render.py --instancing [--frames 30] [--json]

For 640×480 and 1280×720 it renders the scenario's first camera view while the world steps between
frames, with every output read back (colour, class, instance, depth, normals), and times

- the full renderer (shadow maps, the surface pass with instanced actors, the shading pass);
- a baseline: one moderngl program with a pass-through vertex shader and a fragment shader that writes
  its inputs, drawing the static mesh (sky triangle included) and every actor's posed template triangles
  (the same triangles) in one pass into the same six render targets (the renderer's surface, class,
  instance, depth and normal targets and its colour image), the same five read back the same way
  (posing the templates on the CPU is not timed).

Both are timed frame by frame in alternation, after three warm-up frames each; it prints medians.

--instancing times the renderer alone (640×480, every output read back, medians) on 10, 100 and 1,000
cars spread evenly over the three lanes of a 3 km highway, seen from a fixed camera at its start: what
an instanced actor costs. The first renderer a process makes runs 2–4 ms per frame slower for a while
(its read-back copies: the allocator warming up), so an untimed run of the first case comes before them.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time

import numpy as np

from scenariosim.dsl import load
from scenariosim.render import Renderer
from scenariosim.render.actors import TEMPLATES, expand
from scenariosim.render.context import create_context
from scenariosim.render.elevation import StandingHeight
from scenariosim.render.meshes import static_mesh
from scenariosim.roads import build
from scenariosim.sensors import camera_from_spec, mounted_camera
from scenariosim.spec import ActorSpec, CameraSpec, EnvironmentSpec, HighwaySpec, ScenarioSpec, sample
from scenariosim.sim import step
from scenariosim.taxonomy import SKY
from scenariosim.world import build_world

SIZES = ((640, 480), (1280, 720))
WARMUP = 3

_VERTEX = f"""
#version 330
uniform mat4 u_mvp;
in vec3 in_position; in vec3 in_normal; in vec3 in_color; in uint in_class; in uint in_instance;
out vec3 v_color; out vec3 v_normal; out float v_depth; flat out uint v_class; flat out uint v_instance;
void main() {{
    gl_Position = in_class == {SKY}u ? vec4(in_position.xy, 1.0, 1.0) : u_mvp * vec4(in_position, 1.0);
    v_color = in_color; v_normal = in_normal; v_depth = gl_Position.w; v_class = in_class; v_instance = in_instance;
}}
"""
_FRAGMENT = """
#version 330
in vec3 v_color; in vec3 v_normal; in float v_depth; flat in uint v_class; flat in uint v_instance;
layout(location = 0) out vec4 o_color; layout(location = 1) out uint o_class; layout(location = 2) out uint o_instance;
layout(location = 3) out float o_depth; layout(location = 4) out vec4 o_normal; layout(location = 5) out vec4 o_surface;
void main() {
    o_color = vec4(v_color, 1.0); o_class = v_class; o_instance = v_instance; o_depth = v_depth;
    o_normal = vec4(v_normal, 0.0); o_surface = vec4(v_color, 0.0);
}
"""
_BASE_VERTEX = np.dtype([("position", "<f4", 3), ("normal", "<f4", 3), ("color", "<f4", 3), ("class_id", "<u4"),
                         ("instance", "<u4")])
#: render targets as the renderer has them: (components, moderngl dtype, components read, numpy dtype);
#: the last (the renderer's surface target) is written but not read back
_TARGETS = ((4, "f1", 3, np.uint8), (1, "u1", 1, np.uint8), (1, "u4", 1, np.uint32), (1, "f4", 1, np.float32),
            (4, "f2", 3, np.float16), (4, "f2", 0, np.float16))


class Baseline:
    """The same triangles into the same targets with the simplest shaders; camera-relative positions."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.ctx = create_context()
        with self.ctx:
            self.program = self.ctx.program(vertex_shader=_VERTEX, fragment_shader=_FRAGMENT)
            self.targets = [self.ctx.renderbuffer((width, height), c, dtype=d) for c, d, _, _ in _TARGETS]
            self.fbo = self.ctx.framebuffer(self.targets, self.ctx.depth_renderbuffer((width, height)))
            self.staging = [bytearray(width * height * r * np.dtype(t).itemsize) for _, _, r, t in _TARGETS]
            self.vbo = None

    def render(self, vertices: np.ndarray, mvp: np.ndarray) -> list[np.ndarray]:
        with self.ctx:
            if self.vbo is None or self.vbo.size < vertices.nbytes:
                if self.vbo is not None:
                    self.vao.release()
                    self.vbo.release()
                self.vbo = self.ctx.buffer(reserve=2 * vertices.nbytes)
                self.vao = self.ctx.vertex_array(self.program, [(self.vbo, "3f 3f 3f u u", "in_position", "in_normal",
                                                                 "in_color", "in_class", "in_instance")])
            self.vbo.write(vertices.tobytes())
            self.program["u_mvp"].write(np.ascontiguousarray(mvp.T, dtype=np.float32).tobytes())
            self.fbo.use()
            self.ctx.enable_only(self.ctx.DEPTH_TEST)
            self.ctx.depth_func = "<="           # the sky triangle lies at the cleared depth, 1
            self.fbo.clear(depth=1.0)
            self.vao.render(vertices=len(vertices))
            out = []
            for k, (_, d, r, t) in enumerate(_TARGETS[:-1]):
                self.fbo.read_into(self.staging[k], components=r, attachment=k, dtype=d)
                out.append(np.frombuffer(self.staging[k], dtype=t).copy())
            return out

    def release(self) -> None:
        self.ctx.release()


def same_triangles(static: np.ndarray, world, info, z: np.ndarray, origin: np.ndarray, hide: int) -> np.ndarray:
    """(K,) baseline vertices: the static mesh and every actor's posed template (but the hidden one), all
    camera-relative (the sky triangle keeps its NDC positions)."""
    v = world.vehicles
    parts = [np.zeros(len(static), dtype=_BASE_VERTEX)]
    for name in ("position", "normal", "color", "class_id", "instance"):
        parts[0][name] = static[name]
    parts[0]["position"][3:] -= origin.astype(np.float32)
    agents = np.array([i for i in range(len(v.x)) if i != hide], dtype=np.int64)
    posed = expand(TEMPLATES, np.array(info.kinds)[agents], v.x[agents] - origin[0], v.y[agents] - origin[1],
                   z[agents] - origin[2], v.heading[agents], v.length[agents], v.width[agents], v.height[agents],
                   world.drive.phase[agents])
    actors = np.zeros(len(posed), dtype=_BASE_VERTEX)
    actors["position"], actors["normal"], actors["color"] = posed["position"], posed["normal"], posed["color"]
    actors["class_id"], actors["instance"] = info.class_ids[agents[posed["actor"]]], agents[posed["actor"]] + 1
    return np.concatenate([*parts, actors])


def bench(path: str, width: int, height: int, frames: int) -> dict:
    """Median frames/s of the renderer and of the baseline at width×height, timed in alternation."""
    spec = sample(load(path))
    cam_spec = dataclasses.replace(spec.cameras[0], width=width, height=height)
    network = build(spec.roads)
    world, info = build_world(spec, network)
    mount = spec.actor_index(cam_spec.mount)
    full, base = [], []
    renderer, baseline = Renderer(width, height), Baseline(width, height)
    try:
        renderer.set_road(network, world.lanes)
        static = static_mesh(network, world.lanes.signal)
        standing = StandingHeight(network)
        for k in range(WARMUP + frames):
            step(world, spec.timestep)
            v = world.vehicles
            z = standing(world.lanes, v, info.kinds)
            camera = mounted_camera(cam_spec, v.x[mount], v.y[mount], v.heading[mount])
            t0 = time.perf_counter()
            renderer.render(v, info, spec.environment, camera, k * spec.timestep, lanes=world.lanes,
                            phase=world.drive.phase, hide=mount)
            t1 = time.perf_counter()
            rotation = camera.view_matrix_gl()
            rotation[:3, 3] = 0.0
            triangles = same_triangles(static, world, info, z, camera.position, mount)   # not timed
            t2 = time.perf_counter()
            baseline.render(triangles, camera.projection_matrix_gl() @ rotation)
            t3 = time.perf_counter()
            if k >= WARMUP:
                full.append(t1 - t0)
                base.append(t3 - t2)
        name = renderer.gl_renderer
    finally:
        renderer.release()
        baseline.release()
    return {"width": width, "height": height, "fps": round(1.0 / statistics.median(full), 2),
            "baseline_fps": round(1.0 / statistics.median(base), 2), "renderer": name}


INSTANCING_CARS = (10, 100, 1000)
HIGHWAY_LENGTH = 3000.0      # [m]


def bench_instancing(cars: int, frames: int, width: int = 640, height: int = 480) -> dict:
    """Median milliseconds per frame of ``cars`` cars spread over a 3-lane highway, from a camera at its start."""
    gap = (HIGHWAY_LENGTH - 100.0) / cars
    actors = tuple(ActorSpec(name=f"c{k}", kind="car", road="main", lane=1 + k % 3, s=50.0 + k * gap, speed=0.0)
                   for k in range(cars))
    spec = ScenarioSpec(name="instancing", roads=(HighwaySpec(name="main", length=HIGHWAY_LENGTH, lanes=3),),
                        actors=actors)
    network = build(spec.roads)
    world, info = build_world(spec, network)
    camera = camera_from_spec(CameraSpec(name="start", position=(0.0, 5.25, 3.0), pitch=-0.05, width=width,
                                         height=height))
    times = []
    with Renderer(width, height) as renderer:
        renderer.set_road(network, world.lanes)
        for k in range(WARMUP + frames):
            t0 = time.perf_counter()
            renderer.render(world.vehicles, info, EnvironmentSpec(), camera, 0.0, lanes=world.lanes)
            if k >= WARMUP:
                times.append(time.perf_counter() - t0)
        name = renderer.gl_renderer
    return {"case": "instancing", "cars": cars, "width": width, "height": height,
            "ms": round(1e3 * statistics.median(times), 2), "renderer": name}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default="scenarios/bench_street.scn")
    p.add_argument("--frames", type=int, default=30)
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--instancing", action="store_true", help="10, 100 and 1,000 cars on a highway instead")
    args = p.parse_args()
    if args.instancing:
        bench_instancing(INSTANCING_CARS[0], args.frames)          # untimed: warms the process up
        for cars in INSTANCING_CARS:
            r = bench_instancing(cars, args.frames)
            print(json.dumps(r) if args.json else f"{cars:5d} cars  {r['ms']:7.2f} ms per frame at "
                  f"{r['width']}x{r['height']}  (median of {args.frames}; {r['renderer']})", flush=True)
        return
    for width, height in SIZES:
        r = bench(args.scenario, width, height, args.frames)
        if args.json:
            print(json.dumps(r), flush=True)
        else:
            print(f"{width}x{height}  {r['fps']:7.2f} frames/s   baseline {r['baseline_fps']:7.2f} frames/s   "
                  f"ratio {r['fps'] / r['baseline_fps']:.2f}  (median of {args.frames}; {r['renderer']})", flush=True)


if __name__ == "__main__":
    main()
