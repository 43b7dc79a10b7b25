"""manifest.json: what a dataset is, and how to make it again."""
from __future__ import annotations

import dataclasses
import hashlib
import platform
from importlib import metadata

from scenariosim.dataset.files import DATASET_FORMAT
from scenariosim.sensors.camera import Camera
from scenariosim.spec.scenario import ScenarioSpec

FORMAT_VERSION = 1
_PACKAGES = ("scenariosim", "numpy", "numba", "moderngl", "opencv-python", "lark")


def scenario_hash(spec: ScenarioSpec) -> str:
    """sha256 of the concrete spec's exact repr (every value in SI; floats at full precision),
    independent of the file's path."""
    return hashlib.sha256(repr(dataclasses.replace(spec, source="")).encode("utf-8")).hexdigest()


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def camera_entry(camera: Camera, rate: float) -> dict:
    """Intrinsics of a camera in OpenCV convention: K and the distortion coefficients (k1, k2, p1, p2, k3)
    that cv2.projectPoints takes with it."""
    return {"width": camera.width, "height": camera.height, "rate_hz": rate, "K": camera.K.tolist(),
            "dist": camera.dist.tolist()}


def manifest(spec: ScenarioSpec, cameras: dict[str, dict], frames: int, annotations: int, renderer: str,
             layout: dict[str, str], formats: list[str], parameters: dict | None = None,
             sweep_point: dict | None = None, frames_per_camera: dict[str, int] | None = None) -> dict:
    """What a dataset is: the scenario (name, hash, seed, the drawn value of each param, the sweep point
    it renders), cameras, counts, the files' layout, the formats written (dataset.validate checks each)
    and the versions that made it. Parameters are the same for every frame of a dataset; each frame's
    time and camera pose are in its frame JSON."""
    return {
        "format": DATASET_FORMAT, "format_version": FORMAT_VERSION,
        "scenario": spec.name, "scenario_hash": scenario_hash(spec), "seed": spec.seed,
        "parameters": parameters or {}, "sweep_point": sweep_point,
        "duration_s": spec.duration, "timestep_s": spec.timestep,
        "cameras": cameras, "frames": frames, "frames_per_camera": frames_per_camera or {},
        "annotations": annotations,
        "formats": formats, "layout": layout,
        "renderer": renderer, "versions": versions(),
    }
