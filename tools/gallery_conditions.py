"""Gallery of the light and weather presets: one fixed street scene under every condition of
scenariosim.spec.conditions.CONDITIONS, side by side.

    python tools/gallery_conditions.py [--out out/gallery_conditions/conditions.png] [--size 480x270]
                                       [--labels clear_noon] [--only NAME ...]

The scene: a straight two-way street (one lane each way, sidewalks, buildings, trees, street lights and
signs, a zebra crossing 25 m ahead); a camera 1.4 m above the right-hand lane looks east down it (so the
``low_sun_glare`` sun is ahead), 70° horizontal field of view. In view: a cyclist riding by the kerb 12 m
ahead, a pedestrian on the crossing and one on the left sidewalk, a car beyond the crossing, an oncoming
car, a truck and a van.

Written:

- ``--out`` (default out/gallery_conditions/conditions.png): the contact sheet, one labelled tile per
  condition (its name and one-line description), four tiles a row, and a tile describing the scene;
- ``<condition>.png`` beside it: each condition's frame alone, unlabelled, at ``--size``;
- ``labels.png`` beside it: the label channels of one condition (``--labels``, default clear_noon) as a 2×2
  sheet: colour, semantic classes (Cityscapes colours, with a legend), instance ids (a colour per id) and
  depth (log scale, turbo colour map, black = sky).
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import cv2
import numpy as np

from gallery_roads import class_colors, depth_colors, instance_colors   # tools/ is this script's folder
from scenariosim.render.views import CameraView
from scenariosim.roads import build
from scenariosim.sensors import Camera, mounted_camera
from scenariosim.spec import ActorSpec, CameraSpec, ScenarioSpec, validate
from scenariosim.spec.conditions import CONDITIONS, DESCRIPTIONS
from scenariosim.spec.roads import StreetSpec
from scenariosim.taxonomy import BY_ID
from scenariosim.world import build_world

COLUMNS = 4
FONT = cv2.FONT_HERSHEY_SIMPLEX
WHITE, LEGEND = (255, 255, 255), (90, 90, 90)

#: the camera: 1.4 m above the right-hand lane's centre, looking east, 1° down
CAMERA_POSITION = (35.0, -1.75, 1.4)       # [m] world frame
CAMERA_PITCH = math.radians(-1.0)
CAMERA_FOV = math.radians(70.0)            # horizontal


def scene_spec() -> ScenarioSpec:
    """The street and its actors; x along the street [m] is s on the forward lane (1) and sidewalks and
    200 m − s on the oncoming lane (−1)."""
    street = StreetSpec(name="main", length=200.0, lanes=1, lane_width=3.5, sidewalk_width=3.0, crosswalk_at=60.0)

    def lane(name, kind, number, x, color, d=0.0):
        s = x if number > 0 else street.length - x
        return ActorSpec(name=name, kind=kind, road="main", lane=number, s=s, d=d, color=color)

    actors = (
        lane("cyclist", "bicycle", 1, 47.0, "green", d=-0.9),
        lane("lead", "car", 1, 76.0, "silver"),
        lane("oncoming", "car", -1, 52.0, "blue"),
        lane("truck", "truck", -1, 90.0, "white"),
        lane("van", "van", -1, 118.0, "yellow"),
        ActorSpec(name="crossing", kind="pedestrian", road="main", area="crosswalk", crosswalk=1, s=2.5, color="red"),
        ActorSpec(name="stroller", kind="pedestrian", road="main", area="sidewalk", side="left", s=50.0, color="black"),
    )
    return validate(ScenarioSpec(name="gallery_conditions", roads=(street,), actors=actors))


def camera_spec(width: int, height: int) -> CameraSpec:
    return CameraSpec(name="gallery", position=(0.0, 0.0, CAMERA_POSITION[2]), pitch=CAMERA_PITCH, fov=CAMERA_FOV,
                      width=width, height=height)


def camera(width: int, height: int) -> Camera:
    return mounted_camera(camera_spec(width, height), CAMERA_POSITION[0], CAMERA_POSITION[1], 0.0)


def render(names: list[str], size: tuple[int, int]):
    """{name: Frame} of the scene under each condition, as a scenario camera takes it (rain streaks and
    snow flakes included, render.views.CameraView), and the GL renderer's name."""
    spec = scene_spec()
    network = build(spec.roads)
    world, info = build_world(spec, network)
    cam = camera(*size)
    view = CameraView(camera_spec(*size), network, world.lanes)
    try:
        frames = {name: view.render(world, info, CONDITIONS[name], cam, 0.0, np.random.default_rng(0))
                  for name in names}
        return frames, view.gl_renderer
    finally:
        view.release()


#: characters Hershey fonts (OpenCV before 5) cannot draw → ASCII
_ASCII = str.maketrans({"°": " deg", "β": "beta", "≈": "~", "×": "x", "−": "-", "⁻": "^-", "¹": "1", "–": "-"})


def caption(img: np.ndarray, lines: list[tuple[str, float]], bottom: bool = False) -> None:
    """Write lines of (text, font scale) on a darkened band at the top (or bottom) of img, in place."""
    heights = [int(30 * scale) + 6 for _, scale in lines]
    band = sum(heights) + 6
    rows = slice(img.shape[0] - band, None) if bottom else slice(0, band)
    img[rows] = (0.35 * img[rows]).astype(np.uint8)
    y = (img.shape[0] - band if bottom else 0) + 4
    for (text, scale), h in zip(lines, heights):
        y += h
        cv2.putText(img, text.translate(_ASCII), (6, y - 4), FONT, scale, WHITE, 1, cv2.LINE_AA)


def fit(text: str, width: int, scale: float) -> list[str]:
    """Words of text wrapped into lines no wider than width [px] at this font scale."""
    lines, line = [], ""
    for word in text.translate(_ASCII).split():
        trial = f"{line} {word}".strip()
        if line and cv2.getTextSize(trial, FONT, scale, 1)[0][0] > width - 12:
            lines.append(line)
            line = word
        else:
            line = trial
    return lines + [line] if line else lines


def tile(frame, name: str) -> np.ndarray:
    img = cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2BGR)
    width = img.shape[1]
    caption(img, [(name, 0.6)])
    caption(img, [(line, 0.4) for line in fit(DESCRIPTIONS[name], width, 0.4)], bottom=True)
    return img


def grid(tiles: list[np.ndarray], columns: int, gap: int = 4) -> np.ndarray:
    h, w = tiles[0].shape[:2]
    rows = math.ceil(len(tiles) / columns)
    sheet = np.full((rows * h + (rows + 1) * gap, columns * w + (columns + 1) * gap, 3), 30, np.uint8)
    for k, t in enumerate(tiles):
        r, c = divmod(k, columns)
        y, x = gap + r * (h + gap), gap + c * (w + gap)
        sheet[y:y + h, x:x + w] = t
    return sheet


def about_tile(size: tuple[int, int], gl_renderer: str) -> np.ndarray:
    img = np.full((size[1], size[0], 3), 45, np.uint8)
    text = ("scenariosim.spec.conditions. A two-way street, camera 1.4 m high looking east, "
            f"{math.degrees(CAMERA_FOV):.0f} deg field of view: cyclist 12 m, pedestrian on the crossing 25 m, "
            "car 41 m, oncoming car, truck and van. Renderer: " + gl_renderer)
    lines = [("tools/gallery_conditions.py", 0.55)] + [(line, 0.4) for line in fit(text, size[0], 0.4)]
    caption(img, lines)
    return img


def legend(img: np.ndarray, class_id: np.ndarray, top: int) -> None:
    """Swatches and names of the classes present, down the right edge of img from row ``top`` (in place)."""
    scale = max(0.35, 0.35 * img.shape[1] / 480)
    step = int(round(14 * scale / 0.35))
    width = int(round(118 * scale / 0.35))
    x = img.shape[1] - width
    for k, c in enumerate(c for c in np.unique(class_id) if c in BY_ID):
        y = top + step * (k + 1)
        if y + 4 > img.shape[0]:
            break
        r, g, b = BY_ID[c].color
        cv2.rectangle(img, (x - 4, y - step + 3), (img.shape[1] - 2, y + 3), LEGEND, -1)
        cv2.rectangle(img, (x, y - step + 5), (x + step - 4, y + 1), (b, g, r), -1)
        cv2.putText(img, f"{c} {BY_ID[c].name}", (x + step, y), FONT, scale, WHITE, 1, cv2.LINE_AA)


def label_sheet(frame, name: str) -> np.ndarray:
    colour = cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2BGR)
    semantic = class_colors(frame.class_id)
    instance = instance_colors(frame.instance)
    depth = depth_colors(frame.depth)
    ids = len(np.unique(frame.instance[frame.instance > 0]))
    finite = frame.depth[np.isfinite(frame.depth)]
    scale = max(0.5, 0.5 * colour.shape[1] / 480)
    for img, text in ((colour, f"colour: {name}"), (semantic, "semantic class (Cityscapes colours)"),
                      (instance, f"instance ids: {ids} agents"),
                      (depth, f"depth, log scale: {finite.min():.1f}-{finite.max():.0f} m, black = sky")):
        caption(img, [(text, scale)])
    legend(semantic, frame.class_id, int(30 * scale) + 16)
    return grid([colour, semantic, instance, depth], 2)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="out/gallery_conditions/conditions.png",
                   help="contact sheet PNG (default %(default)s)")
    p.add_argument("--size", default="480x270", help="tile size WxH (default %(default)s)")
    p.add_argument("--labels", default="clear_noon", choices=list(CONDITIONS),
                   help="condition whose label channels go into labels.png (default %(default)s)")
    p.add_argument("--only", nargs="*", default=None, choices=list(CONDITIONS), metavar="NAME",
                   help="conditions to show (default: all)")
    args = p.parse_args()
    size = tuple(int(v) for v in args.size.lower().split("x"))
    if len(size) != 2 or min(size) < 64:
        p.error("--size is WxH, each at least 64 px")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    names = args.only or list(CONDITIONS)
    frames, gl_renderer = render(list(dict.fromkeys([*names, args.labels])), size)
    for name in names:
        cv2.imwrite(str(out.parent / f"{name}.png"), cv2.cvtColor(frames[name].rgb, cv2.COLOR_RGB2BGR))
    tiles = [tile(frames[name], name) for name in names]
    if len(tiles) % COLUMNS:
        tiles.append(about_tile(size, gl_renderer))
    cv2.imwrite(str(out), grid(tiles, min(COLUMNS, len(tiles))))
    labels = out.parent / "labels.png"
    cv2.imwrite(str(labels), label_sheet(frames[args.labels], args.labels))
    print(f"{out}: {len(names)} conditions ({gl_renderer})")
    print(f"{labels}: label channels of {args.labels}")
    print(f"{out.parent}/<condition>.png: one frame per condition")


if __name__ == "__main__":
    main()
