"""Benchmark the renderer: frames per second with every output (colour, class, instance, depth) read back.

    python tools/bench_render.py [--scenario scenarios/highway_basic.scn] [--frames 30] [--json]

Renders the scenario's first camera view at 640×480 and 1280×720 while the world steps between
frames; prints the median frame rate over per-frame timings, after three warm-up frames.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time

from scenariosim.dsl import load
from scenariosim.render import Renderer
from scenariosim.roads import build
from scenariosim.sensors import mounted_camera
from scenariosim.spec import sample
from scenariosim.sim import step
from scenariosim.world import build_world

SIZES = ((640, 480), (1280, 720))
WARMUP = 3


def bench(path: str, width: int, height: int, frames: int) -> tuple[float, str]:
    """Median frames/s of Renderer.render at width×height, and the GL renderer's name."""
    spec = sample(load(path))
    cam_spec = dataclasses.replace(spec.cameras[0], width=width, height=height)
    network = build(spec.roads)
    world, info = build_world(spec, network)
    mount = spec.actor_index(cam_spec.mount)
    times = []
    with Renderer(width, height) as renderer:
        renderer.set_road(network)
        for k in range(WARMUP + frames):
            step(world, spec.timestep)
            v = world.vehicles
            camera = mounted_camera(cam_spec, v.x[mount], v.y[mount], v.heading[mount])
            t0 = time.perf_counter()
            renderer.render(v, info, spec.environment, camera, k * spec.timestep)
            if k >= WARMUP:
                times.append(time.perf_counter() - t0)
        name = renderer.gl_renderer
    return 1.0 / statistics.median(times), name


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default="scenarios/highway_basic.scn")
    p.add_argument("--frames", type=int, default=30)
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    args = p.parse_args()
    for width, height in SIZES:
        fps, name = bench(args.scenario, width, height, args.frames)
        if args.json:
            print(json.dumps({"width": width, "height": height, "fps": round(fps, 2), "renderer": name}))
        else:
            print(f"{width}x{height}  {fps:7.2f} frames/s  (median of {args.frames}; {name})")


if __name__ == "__main__":
    main()
