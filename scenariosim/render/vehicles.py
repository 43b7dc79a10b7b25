"""Vehicle meshes, rebuilt every frame: a lower body box and a cabin box per agent, standing at its lane's
elevation (read from the world's LaneTable at the agent's arc length; the renderer never moves agents)."""
from __future__ import annotations

import numpy as np

from scenariosim.render.geometry import BOX_NORMALS, BOX_POSITIONS, vertices
from scenariosim.world.state import LaneTable, Vehicles, WorldInfo

GLASS_COLOR = (0.02, 0.025, 0.03)

#: kind → (lower-body height, cabin length, cabin centre offset, cabin width) as fractions of the
#: vehicle's height, length, length, width; and whether the cabin walls are windows
SHAPES = {
    "car": (0.5, 0.52, -0.06, 0.86, True),
    "truck": (0.62, 0.74, -0.13, 1.0, False),
}

#: vertices per vehicle: two boxes of five faces
VEHICLE_VERTICES = 2 * len(BOX_POSITIONS)


def lane_elevation(lanes: LaneTable, lane: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Elevation (N,) [m] of lanes (N,) int at arc lengths s (N,) [m], linear between lane points and
    clamped to each lane's ends."""
    lane = np.asarray(lane, dtype=np.int64)
    if len(lane) == 0 or not np.any(lanes.z):
        return np.zeros(len(lane))
    n_lanes = len(lanes.start) - 1
    owner = np.repeat(np.arange(n_lanes), np.diff(lanes.start))
    lengths = lanes.cum_s[lanes.start[1:] - 1]                       # (L,) each lane's length
    base = np.concatenate(([0.0], np.cumsum(lengths + 1.0)))[:-1]     # lanes laid end to end, 1 m apart
    key = lanes.cum_s + base[owner]                                   # strictly increasing over all points
    s = np.clip(np.asarray(s, dtype=np.float64), 0.0, lengths[lane])
    return np.interp(s + base[lane], key, lanes.z)


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


def vehicle_mesh(vehicles: Vehicles, info: WorldInfo, z: np.ndarray | None = None) -> np.ndarray:
    """(VEHICLE_VERTICES·N,) VERTEX: per vehicle a lower body box on the full footprint and a cabin box
    on top of it whose walls are dark windows (cars); together they reach exactly the vehicle's length,
    width and height, standing level on height z (N,) [m] (None: 0). Class from info.class_ids,
    instance = agent index + 1."""
    n, k = len(vehicles.x), len(BOX_POSITIONS)
    size, offset, glass = _parts(vehicles, info)
    local = BOX_POSITIONS * size[:, :, None] + offset[:, :, None]              # (N, 2, k, 3)
    ground = np.zeros(n) if z is None else np.asarray(z, dtype=np.float64)
    pos = _rotate(local, vehicles.heading) + np.stack([vehicles.x, vehicles.y, ground], 1)[:, None, None]
    normal = _rotate(np.broadcast_to(BOX_NORMALS, (n, 2, k, 3)), vehicles.heading)
    color = np.broadcast_to(info.colors[:, None, None, :], (n, 2, k, 3)).copy()
    color[:, 1][glass[:, None] & (np.abs(BOX_NORMALS[:, 2]) < 0.5)] = GLASS_COLOR
    instance = np.repeat(np.arange(1, n + 1), VEHICLE_VERTICES)
    return vertices(pos.reshape(-1, 3), normal.reshape(-1, 3), color.reshape(-1, 3),
                    np.repeat(info.class_ids, VEHICLE_VERTICES), instance)
