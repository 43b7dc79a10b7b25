"""Gallery of the road generators: per generator a top-down map and a camera frame.

    python tools/gallery_roads.py [--out out/gallery_roads] [--size 640x360] [--only highway street ...]

For every generator in scenariosim.spec.roads.ROAD_GENERATORS the road comes from
``scenarios/road_<generator>.scn`` (its first road, sampled with the file's seed) or, without that file,
from a default spec. Written into the output folder:

- ``<generator>_map.png``: the whole network from above (north up) — lanes filled by kind, the rest of the
  drivable surface, painted lines in their colours, sidewalks, zebra stripes, prop footprints, signal
  heads as dots; the lane graph as arrows along every lane and short arrows from each lane's end to its
  successors' starts; the scenario's vehicles, the camera's field of view, and a 50 m scale bar;
- ``<generator>_detail.png``: the same, 120 m around the camera's vehicle;
- ``<generator>_camera.png``: the scenario's first camera on its vehicle, rendered: colour, semantic
  classes (Cityscapes colours), instances and depth.

A generator that is not built yet is skipped with a message.
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from pathlib import Path

import cv2
import numpy as np
import shapely

from scenariosim.dsl import load
from scenariosim.errors import ScenarioSimError
from scenariosim.render import Renderer
from scenariosim.render.road import crosswalk_triangles, dashes, paint_lines
from scenariosim.render.elevation import lane_elevation
from scenariosim.roads import build
from scenariosim.roads.network import Lane, Marking, RoadNetwork
from scenariosim.sensors import Camera, mounted_camera
from scenariosim.spec import sample
from scenariosim.spec.roads import ROAD_GENERATORS
from scenariosim.taxonomy import BY_ID, PROP_CLASS
from scenariosim.world import build_world

ROOT = Path(__file__).resolve().parents[1]

#: spec arguments for generators without a scenario file (besides ``name``)
DEFAULTS = {"highway": {"length": 600.0, "curve_radius": 300.0, "curve_angle": 0.6, "grade": 0.03,
                        "shoulder_width": 2.5},
            "merge": {"length": 800.0}, "exit": {"length": 800.0}, "street": {"length": 300.0, "crosswalk_at": 150.0}}

# colours (BGR for OpenCV)
BACKGROUND = (40, 70, 45)
SURFACE = (95, 95, 95)
LANE_FILL = {"driving": (120, 120, 120), "connector": (150, 110, 90), "acceleration": (90, 150, 90),
             "exit": (80, 130, 190), "shoulder": (80, 80, 80)}
LANE_ARROW = {"driving": (255, 200, 60), "connector": (255, 140, 200), "acceleration": (120, 255, 120),
              "exit": (80, 180, 255), "shoulder": (200, 200, 200)}
SUCCESSOR = (0, 230, 255)
PAINT = {"white": (245, 245, 245), "yellow": (0, 200, 255)}
VEHICLE, EGO = (200, 60, 20), (40, 40, 230)


def bgr(class_id: int) -> tuple[int, int, int]:
    r, g, b = BY_ID[class_id].color
    return b, g, r


class View:
    """World metres → map pixels: a window (x0, y0, x1, y1) [m] at ``scale`` [px/m], north up."""

    def __init__(self, window: tuple[float, float, float, float], scale: float) -> None:
        self.x0, self.y0, self.x1, self.y1 = window
        self.scale = scale
        self.size = (int(math.ceil((self.y1 - self.y0) * scale)), int(math.ceil((self.x1 - self.x0) * scale)))

    def px(self, xy: np.ndarray) -> np.ndarray:
        """Points (K, 2) [m] → pixel coordinates (K, 2) int32 (cv2 shifts 4 bits: 1/16 px)."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        uv = np.stack([(xy[:, 0] - self.x0) * self.scale, (self.y1 - xy[:, 1]) * self.scale], 1)
        return np.round(uv * 16).astype(np.int32)


def fill(img: np.ndarray, view: View, geom: shapely.Geometry, color, alpha: float = 1.0) -> None:
    """Fill a (multi)polygon (holes left open) in ``color``, blended with weight ``alpha``."""
    rings = []
    for poly in shapely.get_parts(geom):
        if isinstance(poly, shapely.Polygon) and not poly.is_empty:
            rings += [view.px(np.asarray(r.coords)[:, :2]) for r in (poly.exterior, *poly.interiors)]
    if not rings:
        return
    if alpha >= 1.0:
        cv2.fillPoly(img, rings, color, cv2.LINE_AA, shift=4)
        return
    layer = img.copy()
    cv2.fillPoly(layer, rings, color, cv2.LINE_AA, shift=4)
    cv2.addWeighted(layer, alpha, img, 1 - alpha, 0, dst=img)


def polyline(img, view: View, pts: np.ndarray, color, thickness: int = 1) -> None:
    cv2.polylines(img, [view.px(pts)], False, color, thickness, cv2.LINE_AA, shift=4)


def arrow(img, view: View, a: np.ndarray, b: np.ndarray, color, thickness: int = 1) -> None:
    pa, pb = view.px(a)[0] / 16, view.px(b)[0] / 16
    length = float(np.linalg.norm(pb - pa))
    if length < 2:
        return
    cv2.arrowedLine(img, tuple(int(v) for v in np.round(pa)), tuple(int(v) for v in np.round(pb)), color, thickness,
                    cv2.LINE_AA, tipLength=min(0.45, 6.0 / length))


def marking_lines(marking: Marking) -> list[np.ndarray]:
    """The painted centre lines (P, 2) [m] of a marking: one per dash, two per dash for a double line."""
    return [line for _, centre in dashes(marking) for line in paint_lines(marking, centre)]


def lane_arrows(img, view: View, lane: Lane) -> None:
    """Arrows along the lane's direction of travel, one per ``spacing`` metres."""
    step_m = 45.0 / view.scale                    # arrow length: about 45 px
    spacing = max(3 * step_m, 15.0)
    color = LANE_ARROW.get(lane.kind, (255, 255, 255))
    if lane.length < 1.2 * step_m:
        arrow(img, view, lane.point(0.1 * lane.length)[0], lane.point(0.9 * lane.length)[0], color)
        return
    for s in np.arange(0.5 * (lane.length % spacing) + step_m / 2, lane.length - step_m / 2, spacing):
        arrow(img, view, lane.point(s - step_m / 2)[0], lane.point(s + step_m / 2)[0], color)


def successor_arrows(img, view: View, network: RoadNetwork) -> None:
    """Short arrows from a point just before each lane's end to a point just after each successor's start."""
    reach = 14.0 / view.scale
    for lane in network.lanes:
        for j in lane.successors:
            nxt = network.lanes[j]
            a = lane.point(max(0.0, lane.length - min(reach, 0.4 * lane.length)))[0]
            b = nxt.point(min(reach, 0.4 * nxt.length))[0]
            arrow(img, view, a, b, SUCCESSOR, 1)


def box_corners(x: float, y: float, length: float, width: float, heading: float) -> np.ndarray:
    """Corners (4, 2) [m] of a rectangle centred at (x, y) along heading [rad]."""
    c, s = math.cos(heading), math.sin(heading)
    local = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]]) * [length, width]
    return local @ np.array([[c, s], [-s, c]]) + [x, y]


def draw_map(network: RoadNetwork, view: View, world=None, mount: int = -1, camera: Camera | None = None,
             title: str = "") -> np.ndarray:
    """A (H, W, 3) BGR top-down picture of ``network`` (and the world's vehicles and camera) in ``view``."""
    img = np.full((*view.size, 3), BACKGROUND, np.uint8)
    for walk in network.sidewalks:
        fill(img, view, walk.area, (170, 120, 175))
    fill(img, view, network.surface, SURFACE)
    for lane in network.lanes:
        if lane.kind != "connector":
            fill(img, view, lane.polygon(), LANE_FILL.get(lane.kind, (140, 140, 140)))
    for lane in network.lanes:
        if lane.kind == "connector":
            fill(img, view, lane.polygon(), LANE_FILL["connector"], 0.25)
    for m in network.markings:
        t = max(1, int(round(m.style.width * view.scale)))
        for line in marking_lines(m):
            polyline(img, view, line, PAINT.get(m.style.color, PAINT["white"]), t)
    for c in network.crosswalks:
        tris = crosswalk_triangles(c)
        if len(tris):
            cv2.fillPoly(img, [view.px(t) for t in tris], PAINT["white"], cv2.LINE_AA, shift=4)
        polyline(img, view, c.area.exterior.coords, (200, 200, 200), 1)
    for i, p in enumerate(network.props):
        corners = box_corners(p.position[0], p.position[1], p.size[0], p.size[1], p.heading)
        color = bgr(PROP_CLASS.get(p.kind, 17))
        cv2.fillPoly(img, [view.px(corners)], color, cv2.LINE_AA, shift=4)
        cv2.polylines(img, [view.px(corners)], True, (20, 20, 20), 1, cv2.LINE_AA, shift=4)
    for lane in network.lanes:
        lane_arrows(img, view, lane)
    successor_arrows(img, view, network)
    r = max(3, int(round(0.6 * view.scale)))
    for light in network.traffic_lights:
        xy = np.asarray(light.position[:2], dtype=np.float64)
        tip = xy + 2.5 * np.array([math.cos(light.heading), math.sin(light.heading)])
        polyline(img, view, np.stack([xy, tip]), (0, 0, 0), 2)
        cv2.circle(img, tuple(view.px(xy)[0]), r * 16, bgr(19), -1, cv2.LINE_AA, shift=4)
    if world is not None:
        v = world.vehicles
        for i in range(len(v.x)):
            corners = box_corners(v.x[i], v.y[i], v.length[i], v.width[i], v.heading[i])
            cv2.polylines(img, [view.px(corners)], True, EGO if i == mount else VEHICLE, 2, cv2.LINE_AA, shift=4)
    if camera is not None:
        c = camera.position[:2]
        for u in (0.0, camera.width - 1.0):
            ray = camera.R.T @ np.linalg.inv(camera.K) @ np.array([u, camera.height / 2, 1.0])
            ray = ray[:2] / max(np.linalg.norm(ray[:2]), 1e-9)
            polyline(img, view, np.stack([c, c + 60.0 * ray]), EGO, 1)
    _legend(img, view, network, title)
    return img


def _legend(img, view: View, network: RoadNetwork, title: str) -> None:
    kinds: dict[str, int] = {}
    for lane in network.lanes:
        kinds[lane.kind] = kinds.get(lane.kind, 0) + 1
    lines = [title, "lanes: " + ", ".join(f"{n} {k}" for k, n in kinds.items()),
             f"markings {len(network.markings)}  sidewalks {len(network.sidewalks)}  crosswalks "
             f"{len(network.crosswalks)}  lights {len(network.traffic_lights)}  props {len(network.props)}"]
    font, size = cv2.FONT_HERSHEY_SIMPLEX, 0.45
    width = max(cv2.getTextSize(text, font, size, 1)[0][0] for text in lines)
    panel = img[:18 * len(lines) + 8, :width + 16]
    panel[:] = (0.35 * panel).astype(np.uint8)
    for k, text in enumerate(lines):
        cv2.putText(img, text, (8, 17 + 18 * k), font, size, (255, 255, 255), 1, cv2.LINE_AA)
    bar = int(round(50.0 * view.scale))
    y = img.shape[0] - 12
    cv2.line(img, (10, y), (10 + bar, y), (255, 255, 255), 2)
    cv2.putText(img, "50 m", (14 + bar, y + 4), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA)


def network_bounds(network: RoadNetwork, margin: float = 10.0) -> tuple[float, float, float, float]:
    geoms = [network.surface] + [w.area for w in network.sidewalks]
    geoms += [shapely.Point(p.position[:2]).buffer(max(p.size[:2])) for p in network.props]
    x0, y0, x1, y1 = shapely.union_all(geoms).bounds
    return x0 - margin, y0 - margin, x1 + margin, y1 + margin


def fit_view(window: tuple[float, float, float, float], max_px: int = 1400, max_scale: float = 8.0,
             max_aspect: float = 2.5) -> View:
    """The window widened (about its centre) to at most ``max_aspect`` : 1, at the scale that fits max_px."""
    x0, y0, x1, y1 = window
    w, h = x1 - x0, y1 - y0
    pad_x, pad_y = max(0.0, h / max_aspect - w) / 2, max(0.0, w / max_aspect - h) / 2
    window = (x0 - pad_x, y0 - pad_y, x1 + pad_x, y1 + pad_y)
    return View(window, min(max_px / max(w + 2 * pad_x, h + 2 * pad_y), max_scale))


# ---- camera frame ------------------------------------------------------------------------------------

def class_colors(class_id: np.ndarray) -> np.ndarray:
    """(H, W) class ids → (H, W, 3) BGR Cityscapes colours."""
    lut = np.zeros((256, 3), np.uint8)
    for c in BY_ID.values():
        lut[c.id] = c.color[::-1]
    return lut[class_id]


def instance_colors(instance: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(0)
    lut = rng.integers(60, 255, (int(instance.max()) + 1, 3), dtype=np.uint8)
    lut[0] = 0
    return lut[instance]


def depth_colors(depth: np.ndarray) -> np.ndarray:
    d = np.where(np.isfinite(depth), depth, np.nan)
    v = np.clip(np.log(np.nan_to_num(d, nan=1000.0)) / np.log(300.0), 0, 1)
    img = cv2.applyColorMap((255 * (1 - v)).astype(np.uint8), cv2.COLORMAP_TURBO)
    img[~np.isfinite(depth)] = 0
    return img


def raised(camera: Camera, dz: float) -> Camera:
    """The camera moved up by dz [m] (its vehicle stands at elevation dz)."""
    return dataclasses.replace(camera, t=camera.t - camera.R @ np.array([0.0, 0.0, dz]))


def camera_frame(spec, network: RoadNetwork, world, info, size: tuple[int, int]):
    """Render the spec's first camera (resized to ``size``) on its vehicle; returns (camera, 2×2 BGR panel)."""
    cam_spec = dataclasses.replace(spec.cameras[0], width=size[0], height=size[1])
    i = spec.actor_index(cam_spec.mount)
    v = world.vehicles
    camera = mounted_camera(cam_spec, v.x[i], v.y[i], v.heading[i])
    camera = raised(camera, float(lane_elevation(world.lanes, v.lane[i:i + 1], v.s[i:i + 1])[0]))
    with Renderer(*size) as renderer:
        renderer.set_road(network)
        frame = renderer.render(v, info, spec.environment, camera, 0.0, lanes=world.lanes)
    top = np.hstack([cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2BGR), class_colors(frame.class_id)])
    bottom = np.hstack([instance_colors(frame.instance), depth_colors(frame.depth)])
    return camera, np.vstack([top, bottom])


def road_spec(generator: str):
    """(scenario spec or None, road spec) for a generator: from scenarios/road_<generator>.scn if present."""
    path = ROOT / "scenarios" / f"road_{generator}.scn"
    if path.exists():
        spec = sample(load(str(path)))
        return spec, spec.roads[0]
    return None, ROAD_GENERATORS[generator](name=generator, **DEFAULTS.get(generator, {}))


def gallery(generator: str, out: Path, size: tuple[int, int]) -> list[Path]:
    """Write the map, detail and camera images of one generator; returns the paths written."""
    spec, road = road_spec(generator)
    network = build((road,))
    written = []
    world = info = camera = None
    mount = -1
    if spec is not None:
        world, info = build_world(spec, network)
        mount = spec.actor_index(spec.cameras[0].mount)
        camera, panel = camera_frame(spec, network, world, info, size)
        written.append(out / f"{generator}_camera.png")
        cv2.imwrite(str(written[-1]), panel)
    view = fit_view(network_bounds(network))
    written.append(out / f"{generator}_map.png")
    cv2.imwrite(str(written[-1]), draw_map(network, view, world, mount, camera, f"{generator}: {road}"[:150]))
    if world is not None:
        x, y = world.vehicles.x[mount], world.vehicles.y[mount]
        detail = View((x - 60.0, y - 45.0, x + 60.0, y + 45.0), 8.0)
        written.append(out / f"{generator}_detail.png")
        cv2.imwrite(str(written[-1]), draw_map(network, detail, world, mount, camera, f"{generator}: around the ego"))
    return written


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="out/gallery_roads", help="output folder (default out/gallery_roads)")
    p.add_argument("--size", default="640x360", help="camera frame size WxH (default 640x360)")
    p.add_argument("--only", nargs="*", default=None, help="generators to draw (default: all)")
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    size = tuple(int(v) for v in args.size.lower().split("x"))
    failed = False
    for generator in args.only or ROAD_GENERATORS:
        try:
            paths = gallery(generator, out, size)
        except ScenarioSimError as err:
            if "not built yet" in str(err):
                print(f"{generator}: skipped ({err})")
                continue
            print(f"{generator}: FAILED: {err}", file=sys.stderr)
            failed = True
            continue
        print(f"{generator}: " + ", ".join(str(p) for p in paths))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
