"""Rewrite the golden images of tests/test_golden.py: one small fixed street scene under every light and
weather preset of scenariosim.spec.conditions.CONDITIONS.

    python tools/update_golden.py [--only NAME ...] [--check | --force]

This script is the ONLY writer of tests/golden/. Run it when a renderer change is meant to change the
pictures, look at what it wrote (``git diff --stat tests/golden``, and the images themselves), and commit
the new references with the change. ``--check`` writes nothing and exits 1 if any render falls outside
the tolerance of tests/test_golden.py (the same comparison). Renders within the tolerance of their
golden are not rewritten (no churn from another machine's rounding) unless ``--force``.

Written into tests/golden/conditions/, per condition NAME:

- ``NAME.rgb.png``: colour, 8-bit sRGB;
- ``NAME.class.png``: semantic class ids (scenariosim.taxonomy), 8-bit grey;
- ``NAME.instance.png``: instance ids (0 none, else agent index + 1), 16-bit grey;

and ``manifest.json``: image size, the preset each golden was rendered with, and the GL renderer.

The scene: a straight two-way street (one lane each way, 3 m sidewalks, buildings, trees, signs) with a
zebra crossing 8 m ahead of a camera 1.4 m above the right-hand lane looking east (+x, so the
``low_sun_glare`` sun is in view) with a 60° horizontal field of view, 2° down: a pedestrian on the crossing
in the oncoming lane, a red car 14 m ahead in the camera's lane, sky above the street.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np

from scenariosim.render import Renderer
from scenariosim.roads import build
from scenariosim.roads.network import RoadNetwork
from scenariosim.sensors import Camera, Frame, mounted_camera
from scenariosim.spec import ActorSpec, CameraSpec, EnvironmentSpec, ScenarioSpec, validate
from scenariosim.spec.conditions import CONDITIONS
from scenariosim.spec.roads import StreetSpec
from scenariosim.world import build_world
from scenariosim.world.state import World, WorldInfo

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "conditions"
WIDTH, HEIGHT = 64, 48

#: colour tolerance (see tests/test_golden.py for the reasoning): a pixel is an outlier when one of its
#: channels differs by more than PIXEL_LEVELS; a render passes when at most OUTLIER_FRACTION of its pixels
#: are outliers and the mean absolute difference over all pixels and channels is at most MEAN_LEVELS
PIXEL_LEVELS = 8
OUTLIER_FRACTION = 0.01
MEAN_LEVELS = 2.0


#: the camera: 1.4 m above the centre of the right-hand lane 8 m before the crossing, looking east, 2° down
CAMERA_POSITION = (32.0, -1.625, 1.4)      # [m] world frame
CAMERA_PITCH = math.radians(-2.0)
CAMERA_FOV = math.radians(60.0)            # horizontal


class Scene(NamedTuple):
    spec: ScenarioSpec
    network: RoadNetwork
    world: World
    info: WorldInfo
    camera: Camera


def scene_spec() -> ScenarioSpec:
    """The golden scene's spec: a street with a crossing at x = 40 m, a car and a pedestrian."""
    street = StreetSpec(name="main", length=120.0, lanes=1, lane_width=3.25, sidewalk_width=3.0, crosswalk_at=40.0)
    actors = (
        ActorSpec(name="car", kind="car", road="main", lane=1, s=46.0, color="red"),
        ActorSpec(name="walker", kind="pedestrian", road="main", area="crosswalk", crosswalk=1, s=5.0,
                  color="blue"),
    )
    return validate(ScenarioSpec(name="golden_conditions", roads=(street,), actors=actors))


def golden_camera(width: int = WIDTH, height: int = HEIGHT) -> Camera:
    """The fixed camera (world frame), as a camera mounted on a body standing at its ground point, heading east."""
    spec = CameraSpec(name="golden", position=(0.0, 0.0, CAMERA_POSITION[2]), pitch=CAMERA_PITCH, fov=CAMERA_FOV,
                      width=width, height=height)
    return mounted_camera(spec, CAMERA_POSITION[0], CAMERA_POSITION[1], 0.0)


def golden_scene() -> Scene:
    """The scene, built: road network, world and the fixed camera."""
    spec = scene_spec()
    network = build(spec.roads)
    world, info = build_world(spec, network)
    return Scene(spec, network, world, info, golden_camera())


def render_conditions(names=None, environments: dict[str, EnvironmentSpec] | None = None) -> dict[str, Frame]:
    """Frames of the golden scene, one per condition name (default: all of CONDITIONS), from one renderer.
    ``environments`` replaces CONDITIONS as the source of presets (for variants of a preset)."""
    environments = CONDITIONS if environments is None else environments
    names = list(environments) if names is None else list(names)
    scene = golden_scene()
    with Renderer(WIDTH, HEIGHT) as renderer:
        renderer.set_road(scene.network)
        return {name: renderer.render(scene.world.vehicles, scene.info, environments[name], scene.camera, 0.0,
                                      lanes=scene.world.lanes)
                for name in names}


class ColourDiff(NamedTuple):
    outliers: float        # fraction of pixels with a channel off by more than PIXEL_LEVELS
    mean: float            # mean absolute difference over all pixels and channels [levels]
    max: int               # largest difference of any channel [levels]

    @property
    def ok(self) -> bool:
        return self.outliers <= OUTLIER_FRACTION and self.mean <= MEAN_LEVELS

    def __str__(self) -> str:
        return (f"{100 * self.outliers:.2f} % of pixels off by more than {PIXEL_LEVELS} levels (at most "
                f"{100 * OUTLIER_FRACTION:g} % allowed), mean difference {self.mean:.2f} levels (at most "
                f"{MEAN_LEVELS:g}), largest {self.max}")


def colour_diff(actual: np.ndarray, expected: np.ndarray) -> ColourDiff:
    """Compare two (H, W, 3) uint8 images of one size."""
    d = np.abs(actual.astype(np.int16) - expected.astype(np.int16))
    return ColourDiff(float(np.mean(d.max(axis=-1) > PIXEL_LEVELS)), float(d.mean()), int(d.max()))


class Golden(NamedTuple):
    rgb: np.ndarray        # (H, W, 3) uint8 sRGB
    class_id: np.ndarray   # (H, W) uint8
    instance: np.ndarray   # (H, W) uint32


def paths(name: str, folder: Path = GOLDEN) -> dict[str, Path]:
    return {kind: folder / f"{name}.{kind}.png" for kind in ("rgb", "class", "instance")}


def write(name: str, frame: Frame, folder: Path = GOLDEN) -> None:
    """Write one frame's colour, class and instance images as ``folder``/NAME.{rgb,class,instance}.png."""
    if frame.instance.max() > np.iinfo(np.uint16).max:
        raise ValueError("instance ids beyond 65535 do not fit a 16-bit PNG")
    folder.mkdir(parents=True, exist_ok=True)
    p = paths(name, folder)
    for path, image in ((p["rgb"], cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2BGR)), (p["class"], frame.class_id),
                        (p["instance"], frame.instance.astype(np.uint16))):
        if not cv2.imwrite(str(path), np.ascontiguousarray(image), [cv2.IMWRITE_PNG_COMPRESSION, 9]):
            raise OSError(f"could not write {path}")


def read(name: str, folder: Path = GOLDEN) -> Golden:
    """The golden images of one condition (FileNotFoundError if there are none)."""
    p = paths(name, folder)
    images = {}
    for kind, path in p.items():
        image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED) if path.is_file() else None
        if image is None:
            raise FileNotFoundError(path)
        images[kind] = image
    return Golden(cv2.cvtColor(images["rgb"], cv2.COLOR_BGR2RGB), images["class"], images["instance"].astype(np.uint32))


def manifest(frames: dict[str, Frame], gl_renderer: str) -> dict:
    return {"scene": "tools/update_golden.py: golden_scene()", "size": [WIDTH, HEIGHT], "gl_renderer": gl_renderer,
            "conditions": {name: dataclasses.asdict(CONDITIONS[name]) for name in frames}}


def differences(name: str, frame: Frame, folder: Path = GOLDEN) -> list[str]:
    """What differs between a frame and the goldens of ``name``, in words; [] if it matches."""
    try:
        golden = read(name, folder)
    except FileNotFoundError as err:
        return [f"no golden image {err}"]
    found = []
    if golden.rgb.shape != frame.rgb.shape:
        return [f"size {frame.rgb.shape[1]}x{frame.rgb.shape[0]}, golden {golden.rgb.shape[1]}x{golden.rgb.shape[0]}"]
    diff = colour_diff(frame.rgb, golden.rgb)
    if not diff.ok:
        found.append(f"colour: {diff}")
    for label, actual, expected in (("class", frame.class_id, golden.class_id),
                                    ("instance", frame.instance, golden.instance)):
        wrong = int(np.count_nonzero(actual != expected))
        if wrong:
            found.append(f"{label}: {wrong} of {actual.size} pixels differ")
    return found


def gl_renderer_name() -> str:
    with Renderer(8, 8) as r:
        return r.gl_renderer


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="*", default=None, metavar="NAME", help="conditions to render (default: all)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if a render is off its golden")
    p.add_argument("--force", action="store_true", help="rewrite renders within tolerance too (default: keep them)")
    args = p.parse_args()
    unknown = sorted(set(args.only or ()) - set(CONDITIONS))
    if unknown:
        p.error(f"unknown condition(s) {', '.join(unknown)} (known: {', '.join(CONDITIONS)})")
    frames = render_conditions(args.only)
    off = []
    for name, frame in frames.items():
        found = differences(name, frame)
        if found:
            off.append(name)
        if args.check:
            print(f"{name}: " + ("; ".join(found) if found else "matches"))
        elif found or args.force:
            write(name, frame)
            print(f"{name}: written" + (" (" + "; ".join(found) + ")" if found else ""))
        else:
            print(f"{name}: matches, kept")
    if args.check:
        sys.exit(1 if off else 0)
    path = GOLDEN / "manifest.json"
    old = json.loads(path.read_text())["conditions"] if path.exists() else {}
    data = manifest(frames, gl_renderer_name())
    # conditions not rendered this time keep their entries; presets that no longer exist lose theirs
    data["conditions"] = {name: data["conditions"].get(name, old.get(name)) for name in CONDITIONS
                          if name in frames or name in old}
    path.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    for image in sorted(GOLDEN.glob("*.png")):
        if image.name.split(".")[0] not in CONDITIONS:
            image.unlink()
            print(f"removed {image.relative_to(ROOT)} (no such condition)")


if __name__ == "__main__":
    main()
