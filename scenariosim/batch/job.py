"""One render job: a concrete scenario simulated, rendered by every camera at its rate, and written."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from tqdm import tqdm

from scenariosim.dataset import DatasetWriter, staged_folder
from scenariosim.labels.objects import object_labels
from scenariosim.roads import build
from scenariosim.sensors.camera import Camera, camera_from_spec
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


def _pose(world, mount: int, z: np.ndarray) -> tuple[float, float, float, float]:
    """(x, y, z, heading) of agent ``mount``: its footprint centre on the ground, at height z[mount] [m]."""
    v = world.vehicles
    return float(v.x[mount]), float(v.y[mount]), float(z[mount]), float(v.heading[mount])


def _camera_before(camera: Camera, world, mount: int | None, shutter: float) -> Camera | None:
    """The camera ``shutter`` [s] earlier: moved back along its mount's velocity (a fixed camera: None)."""
    if mount is None or shutter <= 0:
        return None
    v = world.vehicles
    h, speed = float(v.heading[mount]), float(v.speed[mount])
    return camera.moved(-shutter * speed * np.array([math.cos(h), math.sin(h), 0.0]))


def running_steps(spec: ScenarioSpec, world) -> list[str]:
    """Per agent, the name of the behaviour step it is running ("" when none is left)."""
    step, first = world.behaviour.step, world.program.first
    names = []
    for i, actor in enumerate(spec.actors):
        k = int(step[i] - first[i])
        names.append(actor.behavior[k].action.name if step[i] >= 0 and 0 <= k < len(actor.behavior) else "")
    return names


def frame_rng(spec: ScenarioSpec, camera: int, frame: int) -> np.random.Generator:
    """The random stream of one frame's sensor effects: fixed by the seed, the camera and the frame number,
    so a frame looks the same whatever else is rendered."""
    return np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(camera, frame)))


def render_scenario(spec: ScenarioSpec, out: Path, *, max_frames: int | None = None,
                    overwrite: bool = False, progress: bool = True, formats: tuple[str, ...] | None = None,
                    parameters: dict | None = None, sweep_point: dict | None = None) -> int:
    """Render a concrete, validated spec into the dataset folder ``out``; returns the frame count.
    ``formats`` (catalogue.DATASET_FORMATS) replaces the scenario's output formats; ``parameters`` (the
    drawn param values, spec.sampling.SampleStats.params) and ``sweep_point`` go into the manifest."""
    if not is_concrete(spec):
        raise ValueError("render_scenario needs a concrete spec: draw one with scenariosim.spec.sample(spec, seed)")
    from scenariosim.render.elevation import StandingHeight
    from scenariosim.render.views import CameraView   # GL is imported only when a job really renders
    from scenariosim.sim.signals import signal_states

    plan = frame_schedule(spec, max_frames)
    network = build(spec.roads)
    world, info = build_world(spec, network)
    mounts = [None if cam.mount is None else spec.actor_index(cam.mount) for cam in spec.cameras]
    views: dict[int, CameraView] = {}
    junctions = world.junctions
    standing = StandingHeight(network)
    with staged_folder(Path(out), overwrite) as stage:
        writer = DatasetWriter(stage, spec, spec.output.formats if formats is None else formats,
                               parameters=parameters, sweep_point=sweep_point)
        try:
            for c in sorted({c for _, c, _ in plan}):        # every camera's lens checked before any frame
                views[c] = CameraView(spec.cameras[c], network, world.lanes)
            at_step = 0
            for step_index, c, k in tqdm(plan, desc=f"rendering {spec.name}", unit="frame", disable=not progress):
                simulate(world, spec.timestep, step_index - at_step)
                at_step = step_index
                cam_spec, mount = spec.cameras[c], mounts[c]
                v = world.vehicles
                z = standing(world.lanes, v, info.kinds)             # where each agent stands [m]
                camera = camera_from_spec(cam_spec, None if mount is None else _pose(world, mount, z))
                time = at_step * spec.timestep
                signals = signal_states(time, junctions.offset, junctions.green, junctions.yellow, junctions.cycle)
                frame = views[c].render(world, info, spec.environment, camera, time, frame_rng(spec, c, k),
                                        hide=mount, signals=signals, coverage=True,
                                        camera_before=_camera_before(camera, world, mount, cam_spec.shutter))
                labels = object_labels(frame, v, info, z, running_steps(spec, world),
                                       min_pixels=spec.output.min_pixels, min_visibility=spec.output.min_visibility)
                writer.add(cam_spec.name, k, frame, labels)
            renderer_name = next(iter(views.values())).gl_renderer if views else "none"
        finally:
            for view in views.values():
                view.release()
        writer.close(renderer=renderer_name)
    return len(plan)
