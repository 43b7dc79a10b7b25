"""Triangle meshes as interleaved vertex arrays (plain numpy, no GL).

Every mesh is a structured array (3·T,) of ``VERTEX``: triangle lists, world metres, linear RGB.
Layers sit at slightly different heights so the depth test orders them: terrain below the road
(z = TERRAIN_Z), road at z = 0, markings above it (z = MARKING_Z).
"""
from __future__ import annotations

import numpy as np
import shapely

from scenariosim.roads.geometry import arc_length, dash_intervals, offset_polyline, point_at
from scenariosim.roads.network import Marking, RoadNetwork
from scenariosim.taxonomy import LANE_MARKING, ROAD, SKY, TERRAIN
from scenariosim.world.state import Vehicles, WorldInfo

#: one vertex: position [m], unit normal, colour (linear RGB), semantic class, instance (agent index + 1)
VERTEX = np.dtype([("position", "<f4", 3), ("normal", "<f4", 3), ("color", "<f4", 3),
                   ("class_id", "<u4"), ("instance", "<u4")])
#: the same layout for moderngl's vertex_array
VERTEX_FORMAT = "3f 3f 3f u u"
VERTEX_ATTRIBUTES = ("in_position", "in_normal", "in_color", "in_class", "in_instance")

TERRAIN_Z = -0.03        # [m] ground plane height: under the road, never coplanar with it
MARKING_Z = 0.015        # [m] paint height above the road surface
TERRAIN_MARGIN = 3000.0  # [m] ground extends this far beyond the road network's bounds

#: albedos (linear RGB)
ROAD_COLOR = (0.075, 0.075, 0.08)
TERRAIN_COLOR = (0.07, 0.16, 0.035)
MARKING_COLOR = (0.75, 0.75, 0.72)
GLASS_COLOR = (0.02, 0.025, 0.03)

#: kind → (lower-body height, cabin length, cabin centre offset, cabin width) as fractions of the
#: vehicle's height, length, length, width; and whether the cabin walls are windows
SHAPES = {
    "car": (0.5, 0.52, -0.06, 0.86, True),
    "truck": (0.62, 0.74, -0.13, 1.0, False),
}
_UP = (0.0, 0.0, 1.0)


def vertices(position: np.ndarray, normal, color, class_id, instance=0) -> np.ndarray:
    """Pack (K, 3) positions [m] with per-vertex or broadcast normal (3,)/(K, 3), colour, class and
    instance into a (K,) VERTEX array."""
    v = np.zeros(len(position), dtype=VERTEX)
    v["position"], v["normal"], v["color"] = position, normal, color
    v["class_id"], v["instance"] = class_id, instance
    return v


def sky_triangle() -> np.ndarray:
    """(3,) VERTEX: a triangle covering all of clip space; its positions are NDC (x, y, 0), not world."""
    ndc = np.array([[-1.0, -1.0, 0.0], [3.0, -1.0, 0.0], [-1.0, 3.0, 0.0]])
    return vertices(ndc, _UP, (0.0, 0.0, 0.0), SKY)


def polygon_triangles(polygon: shapely.Geometry) -> np.ndarray:
    """Triangulate a (multi)polygon [m] (holes respected) → (T, 3, 2) float64 corners [m]."""
    tris = shapely.get_parts(shapely.constrained_delaunay_triangles(polygon))
    if len(tris) == 0:
        return np.zeros((0, 3, 2))
    return np.stack([np.asarray(t.exterior.coords)[:3, :2] for t in tris])


def flat_mesh(tris: np.ndarray, z: float, color, class_id: int) -> np.ndarray:
    """(3·T,) VERTEX of horizontal triangles (T, 3, 2) [m] at height z [m], facing up."""
    xy = tris.reshape(-1, 2)
    return vertices(np.column_stack([xy, np.full(len(xy), z)]), _UP, color, class_id)


def road_mesh(network: RoadNetwork) -> np.ndarray:
    """(3·T,) VERTEX: the drivable surface at z = 0, class ROAD."""
    return flat_mesh(polygon_triangles(network.surface), 0.0, ROAD_COLOR, ROAD)


def terrain_mesh(network: RoadNetwork, margin: float = TERRAIN_MARGIN) -> np.ndarray:
    """(6,) VERTEX: a grass rectangle at z = TERRAIN_Z reaching ``margin`` [m] beyond the road."""
    x0, y0, x1, y1 = network.bounds() if not network.surface.is_empty else (0.0, 0.0, 0.0, 0.0)
    box = shapely.box(x0 - margin, y0 - margin, x1 + margin, y1 + margin)
    return flat_mesh(polygon_triangles(box), TERRAIN_Z, TERRAIN_COLOR, TERRAIN)


def strip_triangles(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Triangles (2·(P−1), 3, 2) [m] of the ribbon between two polylines (P, 2) [m]."""
    a, b, c, d = left[:-1], right[:-1], right[1:], left[1:]
    return np.concatenate([np.stack([a, b, c], 1), np.stack([a, c, d], 1)])


def marking_triangles(marking: Marking) -> np.ndarray:
    """Triangles (T, 3, 2) [m] of one painted line: a ribbon of the style's width per dash."""
    cum_s = arc_length(marking.line)
    half = marking.style.width / 2.0
    out = []
    for s0, s1 in dash_intervals(cum_s[-1], marking.style.dash, marking.style.gap):
        if s1 - s0 < 1e-6:
            continue
        inner = cum_s[(cum_s > s0) & (cum_s < s1)]
        centre, _ = point_at(marking.line, cum_s, np.concatenate(([s0], inner, [s1])))
        out.append(strip_triangles(offset_polyline(centre, half), offset_polyline(centre, -half)))
    return np.concatenate(out) if out else np.zeros((0, 3, 2))


def marking_mesh(network: RoadNetwork) -> np.ndarray:
    """(3·T,) VERTEX: every lane marking at z = MARKING_Z, class LANE_MARKING."""
    tris = [marking_triangles(m) for m in network.markings]
    tris = np.concatenate(tris) if tris else np.zeros((0, 3, 2))
    return flat_mesh(tris, MARKING_Z, MARKING_COLOR, LANE_MARKING)


def static_mesh(network: RoadNetwork | None) -> np.ndarray:
    """(K,) VERTEX: sky triangle, terrain, road and markings — everything that never moves."""
    if network is None:
        return sky_triangle()
    return np.concatenate([sky_triangle(), terrain_mesh(network), road_mesh(network), marking_mesh(network)])


def _unit_box() -> tuple[np.ndarray, np.ndarray]:
    """Box [−½, ½]² × [0, 1] without its bottom face: positions (30, 3) and unit normals (30, 3)."""
    pos, nrm = [], []
    for axis in range(3):
        for sign in (-1.0, 1.0) if axis < 2 else (1.0,):
            u, v = (a for a in range(3) if a != axis)
            quad = np.zeros((4, 3))
            quad[:, axis] = sign * 0.5
            quad[:, u] = [-0.5, 0.5, 0.5, -0.5]
            quad[:, v] = [-0.5, -0.5, 0.5, 0.5]
            pos.append(quad[[0, 1, 2, 0, 2, 3]])
            nrm.append(np.tile(np.eye(3)[axis] * sign, (6, 1)))
    pos = np.concatenate(pos)
    pos[:, 2] += 0.5
    return pos, np.concatenate(nrm)


_BOX_POS, _BOX_NORMAL = _unit_box()
#: vertices per vehicle: two boxes of five faces
VEHICLE_VERTICES = 2 * len(_BOX_POS)


def _parts(vehicles: Vehicles, info: WorldInfo) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per vehicle, its lower body and cabin boxes in the vehicle frame: sizes (N, 2, 3) [m],
    offsets of their base centres (N, 2, 3) [m], and whether the cabin walls are windows (N,) bool."""
    n = len(vehicles.x)
    shape = np.array([SHAPES.get(k, SHAPES["car"]) for k in info.kinds], dtype=np.float64).reshape(n, 5)
    hb, lc, dx, wc, glass = shape.T
    L, W, H = vehicles.length, vehicles.width, vehicles.height
    size = np.stack([np.stack([L, W, hb * H], 1), np.stack([lc * L, wc * W, (1 - hb) * H], 1)], 1)
    offset = np.zeros((n, 2, 3))
    offset[:, 1, 0], offset[:, 1, 2] = dx * L, hb * H
    return size, offset, glass > 0


def _rotate(vectors: np.ndarray, heading: np.ndarray) -> np.ndarray:
    """Vehicle-frame vectors (N, ..., 3) turned by each vehicle's heading (N,) [rad] about z."""
    c = np.cos(heading).reshape(-1, *[1] * (vectors.ndim - 2))
    s = np.sin(heading).reshape(c.shape)
    x, y = vectors[..., 0], vectors[..., 1]
    return np.stack([c * x - s * y, s * x + c * y, np.broadcast_to(vectors[..., 2], x.shape)], -1)


def vehicle_mesh(vehicles: Vehicles, info: WorldInfo) -> np.ndarray:
    """(VEHICLE_VERTICES·N,) VERTEX: per vehicle a lower body box on the full footprint and a cabin box
    on top of it whose walls are dark windows (cars); together they reach exactly the vehicle's length,
    width and height. Class from info.class_ids, instance = agent index + 1."""
    n, k = len(vehicles.x), len(_BOX_POS)
    size, offset, glass = _parts(vehicles, info)
    local = _BOX_POS * size[:, :, None] + offset[:, :, None]                    # (N, 2, k, 3)
    pos = _rotate(local, vehicles.heading) + np.stack([vehicles.x, vehicles.y, np.zeros(n)], 1)[:, None, None]
    normal = _rotate(np.broadcast_to(_BOX_NORMAL, (n, 2, k, 3)), vehicles.heading)
    color = np.broadcast_to(info.colors[:, None, None, :], (n, 2, k, 3)).copy()
    color[:, 1][glass[:, None] & (np.abs(_BOX_NORMAL[:, 2]) < 0.5)] = GLASS_COLOR
    instance = np.repeat(np.arange(1, n + 1), VEHICLE_VERTICES)
    return vertices(pos.reshape(-1, 3), normal.reshape(-1, 3), color.reshape(-1, 3),
                    np.repeat(info.class_ids, VEHICLE_VERTICES), instance)
