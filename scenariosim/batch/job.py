"""One render job: a concrete scenario simulated, rendered by every camera at its rate, and written."""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
from tqdm import tqdm

from scenariosim.dataset import DatasetWriter, staged_folder
from scenariosim.labels import visible_boxes
from scenariosim.roads import build
from scenariosim.sensors import Camera, mounted_camera
from scenariosim.sim import simulate
from scenariosim.spec.sampling import is_concrete
from scenariosim.spec.scenario import ScenarioSpec
from scenariosim.world import build_world


def frame_schedule(spec: ScenarioSpec, max_frames: int | None = None) -> list[tuple[int, int, int]]:
    """(step index, camera index, frame index) for every frame, in time order.

    Camera c takes frame k at time k / rate, snapped to the nearest simulation step (halves round
    up), for every time in [0, duration]; the simulation never runs past the duration.
    ``max_frames`` keeps the first frames of each camera.
    """
    last_step = int(math.floor(spec.duration / spec.timestep + 1e-9))
    plan = []
    for c, cam in enumerate(spec.cameras):
        count = int(math.floor(spec.duration * cam.rate + 1e-9)) + 1
        if max_frames is not None:
            count = min(count, max_frames)
        plan += [(min(last_step, int(math.floor(k / cam.rate / spec.timestep + 0.5))), c, k) for k in range(count)]
    return sorted(plan)


def _raised(camera: Camera, dz: float) -> Camera:
    """The camera moved up by dz [m] (a mount on a vehicle standing at elevation dz)."""
    return dataclasses.replace(camera, t=camera.t - camera.R @ np.array([0.0, 0.0, dz])) if dz else camera


def render_scenario(spec: ScenarioSpec, out: Path, *, max_frames: int | None = None,
                    overwrite: bool = False, progress: bool = True) -> int:
    """Render a concrete, validated spec into the dataset folder ``out``; returns the frame count."""
    if not is_concrete(spec):
        raise ValueError("render_scenario needs a concrete spec: draw one with scenariosim.spec.sample(spec, seed)")
    from scenariosim.render import Renderer   # GL is imported only when a job really renders
    from scenariosim.render.elevation import lane_elevation

    plan = frame_schedule(spec, max_frames)
    network = build(spec.roads)
    world, info = build_world(spec, network)
    mounts = [spec.actor_index(cam.mount) for cam in spec.cameras]
    renderers: dict[tuple[int, int], Renderer] = {}
    with staged_folder(Path(out), overwrite) as stage:
        writer = DatasetWriter(stage, spec)
        try:
            at_step = 0
            for step_index, c, k in tqdm(plan, desc=f"rendering {spec.name}", unit="frame", disable=not progress):
                simulate(world, spec.timestep, step_index - at_step)
                at_step = step_index
                cam_spec = spec.cameras[c]
                size = (cam_spec.width, cam_spec.height)
                if size not in renderers:
                    renderers[size] = Renderer(*size)
                    renderers[size].set_road(network)
                v, i = world.vehicles, mounts[c]
                camera = mounted_camera(cam_spec, v.x[i], v.y[i], v.heading[i])
                camera = _raised(camera, float(lane_elevation(world.lanes, v.lane[i:i + 1], v.s[i:i + 1])[0]))
                frame = renderers[size].render(v, info, spec.environment, camera, at_step * spec.timestep,
                                               lanes=world.lanes)
                writer.add(cam_spec.name, k, frame, visible_boxes(frame.instance, info.class_ids))
            renderer_name = next(iter(renderers.values())).gl_renderer if renderers else "none"
        finally:
            for r in renderers.values():
                r.release()
        writer.close(renderer=renderer_name)
    return len(plan)
