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


def manifest(spec: ScenarioSpec, cameras: dict[str, dict], frames: int, annotations: int, renderer: str) -> dict:
    return {
        "format": DATASET_FORMAT, "format_version": FORMAT_VERSION,
        "scenario": spec.name, "scenario_hash": scenario_hash(spec), "seed": spec.seed,
        "duration_s": spec.duration, "timestep_s": spec.timestep,
        "cameras": cameras, "frames": frames, "annotations": annotations,
        "layout": {"images": "images/{camera}/{frame:06d}.png",
                   "semantic": "semantic/{camera}/{frame:06d}.png (uint8 class ids)",
                   "instance": "instance/{camera}/{frame:06d}.png (uint16, 0 = none, else agent index + 1)",
                   "depth": "depth/{camera}/{frame:06d}.npy (float32 m along the optical axis, inf = sky)",
                   "coco": "annotations/instances.json"},
        "renderer": renderer, "versions": versions(),
    }
