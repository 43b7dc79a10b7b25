"""The ground's height z(x, y) around a road network, from its lanes' elevation profiles.

Near the road, z is the elevation of the nearest point on the nearest lane centre line (lanes are level
across, so this is exact on the road and beside it: shoulders, junction boxes, sidewalks). Beyond a lane's
end the profile continues with the end segment's slope, so a grade has no kink at the road's ends. Far
from the road (between NEAR and FAR metres) z eases into the least-squares plane through the lanes, which
hides the crease the nearest-point rule would leave inside a curve.
"""
from __future__ import annotations

import numpy as np
import shapely
from scipy.spatial import cKDTree

from scenariosim.render.instances import vehicle_mask
from scenariosim.roads.network import RoadNetwork
from scenariosim.world.state import LaneTable

#: [m] distance from the nearest lane below which z follows the lanes exactly, and beyond which it is the plane
NEAR, FAR = 40.0, 250.0
#: nearest segment midpoints examined per query point
_CANDIDATES = 16


def _smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


class Elevation:
    """z(x, y) [m] of the ground around ``network``; exactly 0 everywhere when no lane has elevation."""

    def __init__(self, network: RoadNetwork | None) -> None:
        lanes = [] if network is None else [ln for ln in network.lanes if len(ln.centre) >= 2]
        self.flat = not any(ln.z is not None and np.any(ln.z != 0) for ln in lanes)
        if self.flat:
            return
        a, b, za, zb, first, last = [], [], [], [], [], []
        for ln in lanes:
            z = ln.elevation_at(ln.cum_s)
            a.append(ln.centre[:-1])
            b.append(ln.centre[1:])
            za.append(z[:-1])
            zb.append(z[1:])
            k = len(ln.centre) - 1
            first.append(np.arange(k) == 0)
            last.append(np.arange(k) == k - 1)
        self.a, self.b = np.concatenate(a), np.concatenate(b)              # (S, 2) [m]
        self.za, self.zb = np.concatenate(za), np.concatenate(zb)          # (S,) [m]
        self.first, self.last = np.concatenate(first), np.concatenate(last)  # (S,) bool: lane's end segments
        self.tree = cKDTree((self.a + self.b) / 2)
        pts = np.concatenate([self.a, self.b[self.last]])
        zs = np.concatenate([self.za, self.zb[self.last]])
        design = np.column_stack([pts - pts.mean(0), np.ones(len(pts))])
        self.centre = pts.mean(0)
        self.plane = np.linalg.lstsq(design, zs, rcond=None)[0]           # (3,): dz/dx, dz/dy, z at centre

    def __call__(self, xy: np.ndarray) -> np.ndarray:
        """Heights (K,) [m] at points (K, 2) [m]."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        if self.flat or len(xy) == 0:
            return np.zeros(len(xy))
        k = min(_CANDIDATES, len(self.a))
        _, idx = self.tree.query(xy, k=k)
        idx = idx.reshape(len(xy), k)
        a, e = self.a[idx], self.b[idx] - self.a[idx]                      # (K, k, 2)
        ee = np.einsum("ijk,ijk->ij", e, e)
        t_free = np.einsum("ijk,ijk->ij", xy[:, None] - a, e) / np.where(ee > 0, ee, 1.0)
        t = np.clip(t_free, 0.0, 1.0)
        dist = np.linalg.norm(xy[:, None] - a - t[..., None] * e, axis=-1)
        j = np.argmin(dist, axis=1)
        rows = np.arange(len(xy))
        best, tf = idx[rows, j], t_free[rows, j]
        # beyond a lane's end, continue its end segment's slope
        tz = np.where(self.first[best] & (tf < 0), tf, np.where(self.last[best] & (tf > 1), tf, t[rows, j]))
        near = self.za[best] + tz * (self.zb[best] - self.za[best])
        blend = _smoothstep(NEAR, FAR, dist[rows, j])
        if not blend.any():
            return near
        plane = (xy - self.centre) @ self.plane[:2] + self.plane[2]
        return near + blend * (plane - near)


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


class StandingHeight:
    """Where each agent's feet are [m]: a vehicle on its lane's elevation at its arc length; a pedestrian or
    cyclist on the ground at its position, raised by the kerb where it stands on a sidewalk."""

    def __init__(self, network: RoadNetwork | None) -> None:
        self.elevation = Elevation(network)
        walks = () if network is None else network.sidewalks
        self.areas = [w.area for w in walks]
        shapely.prepare(self.areas)            # in place: an index for contains_xy, the shapes unchanged
        self.kerbs = np.array([w.kerb_height for w in walks], dtype=np.float64)

    def __call__(self, lanes: LaneTable | None, vehicles, kinds: tuple[str, ...]) -> np.ndarray:
        """(N,) [m] for agents vehicles (world Vehicles) of kinds (N,) (catalogue kinds)."""
        n = len(vehicles.x)
        z = np.zeros(n) if lanes is None else lane_elevation(lanes, vehicles.lane, vehicles.s)
        walkers = np.flatnonzero(~vehicle_mask(tuple(kinds)))
        if len(walkers):
            xy = np.column_stack([vehicles.x[walkers], vehicles.y[walkers]])
            z[walkers] = self.elevation(xy)
            for area, kerb in zip(self.areas, self.kerbs):
                z[walkers[shapely.contains_xy(area, xy[:, 0], xy[:, 1])]] += kerb
        return z
