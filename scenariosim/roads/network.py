"""RoadNetwork: lanes with centre lines and a lane graph, markings, sidewalks, crosswalks and street furniture.

Every lane carries its own Frenet frame (roads.geometry): a centre polyline (P, 2) [m] in its
direction of travel, arc length (P,) [m], unit left normals (P, 2) from the exact reference heading,
elevation (P,) [m] and width (P,) [m] per vertex. Lanes link to their left/right neighbours and to
successors/predecessors; junctions join lanes through connector lanes (kind "connector").
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import shapely

from scenariosim.roads.geometry import frenet_point, frenet_project, point_at


@dataclass(frozen=True, slots=True)
class MarkingStyle:
    """Lane-marking dimensions [m]; gap = 0 means a solid line; ``color`` is 'white' or 'yellow'."""

    width: float
    dash: float
    gap: float
    color: str = "white"
    double: bool = False          # two parallel lines ``width`` apart (centre lines of two-way roads)


#: Lane-line conventions. Motorway broken lines 6 m dash / 12 m gap (German RMS; UNECE R130 allows
#: 0.10–0.15 m wide dashes), urban 3 m / 6 m; solid edge lines. The generators paint European roads (a
#: solid white centre line on two-way roads); DOUBLE_YELLOW (US MUTCD) is there for American layouts.
DASHED = MarkingStyle(width=0.15, dash=6.0, gap=12.0)
URBAN_DASHED = MarkingStyle(width=0.12, dash=3.0, gap=6.0)
SOLID = MarkingStyle(width=0.15, dash=0.0, gap=0.0)
DOUBLE_YELLOW = MarkingStyle(width=0.12, dash=0.0, gap=0.0, color="yellow", double=True)
STOP_LINE = MarkingStyle(width=0.40, dash=0.0, gap=0.0)


@dataclass(frozen=True, slots=True, eq=False)
class Lane:
    """One lane in its direction of travel.

    number: as the scenario language addresses it (1.. forward from the right, −1.. oncoming; 0 for
    junction connectors); arm: the junction approach it belongs to, or None.
    """

    road: str
    number: int
    centre: np.ndarray            # (P, 2) float64 [m]
    cum_s: np.ndarray             # (P,) float64 [m]
    width: float                  # [m] nominal (widest) width
    left: int = -1                # index in RoadNetwork.lanes of the lane to the left, -1 if none
    right: int = -1               # index of the lane to the right, -1 if none
    normals: np.ndarray | None = None   # (P, 2) unit left normals; None: from the polyline
    z: np.ndarray | None = None   # (P,) [m] elevation; None: flat at 0
    widths: np.ndarray | None = None    # (P,) [m] width per vertex (tapers); None: constant ``width``
    arm: str | None = None
    kind: str = "driving"         # "driving", "connector", "acceleration", "exit", "shoulder"
    successors: tuple[int, ...] = ()
    predecessors: tuple[int, ...] = ()

    @property
    def length(self) -> float:
        return float(self.cum_s[-1])

    def frame_normals(self) -> np.ndarray:
        if self.normals is not None:
            return self.normals
        t = np.gradient(self.centre, axis=0)
        t /= np.linalg.norm(t, axis=1, keepdims=True)
        return np.stack([-t[:, 1], t[:, 0]], axis=1)

    def width_at(self, s: np.ndarray) -> np.ndarray:
        if self.widths is None:
            return np.full(np.shape(s), self.width)
        return np.interp(s, self.cum_s, self.widths)

    def elevation_at(self, s: np.ndarray) -> np.ndarray:
        if self.z is None:
            return np.zeros(np.shape(s))
        return np.interp(s, self.cum_s, self.z)

    def point(self, s: np.ndarray, d: np.ndarray | float = 0.0) -> np.ndarray:
        """Positions (K, 2) [m] at arc lengths s (K,) and offsets d [m, + left]."""
        s = np.atleast_1d(np.asarray(s, dtype=np.float64))
        return frenet_point(self.centre, self.frame_normals(), self.cum_s, s, np.broadcast_to(d, s.shape))

    def heading_at(self, s: np.ndarray) -> np.ndarray:
        return point_at(self.centre, self.cum_s, np.atleast_1d(s))[1]

    def project(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(s, d) (K,) of points (K, 2) in this lane's Frenet frame."""
        return frenet_project(self.centre, self.frame_normals(), self.cum_s, xy)

    def polygon(self) -> shapely.Polygon:
        """The lane's area: its centre line widened by half its width each side."""
        half = self.width_at(self.cum_s) / 2
        left, right = self.point(self.cum_s, half), self.point(self.cum_s, -half)
        return shapely.Polygon(np.concatenate([right, left[::-1]]))


class _Frame(NamedTuple):
    """Every lane's Frenet frame laid end to end: lane k holds rows start[k] … start[k + 1] − 1."""

    points: np.ndarray       # (P, 2) [m] centre lines
    normals: np.ndarray      # (P, 2) unit left normals
    cum: np.ndarray          # (P,) [m] arc length along each lane
    z: np.ndarray            # (P,) [m] elevation
    start: np.ndarray        # (L + 1,) int64
    offset: np.ndarray       # (L,) [m] added to lane k's arc lengths in key
    key: np.ndarray          # (P,) [m] cum + offset of its lane: increasing over the whole table


@functools.lru_cache(maxsize=4)
def _frames(network: RoadNetwork) -> _Frame:
    """The network's lanes as one _Frame (computed once per network)."""
    lanes = network.lanes
    counts = [len(lane.cum_s) for lane in lanes]
    lengths = np.array([lane.length for lane in lanes])
    offset = np.concatenate(([0.0], np.cumsum(lengths + 1.0)[:-1]))     # a metre between lanes' keys
    cum = np.concatenate([lane.cum_s for lane in lanes]).astype(np.float64)
    return _Frame(points=np.concatenate([lane.centre for lane in lanes]).astype(np.float64),
                  normals=np.concatenate([lane.frame_normals() for lane in lanes]).astype(np.float64),
                  cum=cum, z=np.concatenate([lane.elevation_at(lane.cum_s) for lane in lanes]).astype(np.float64),
                  start=np.concatenate(([0], np.cumsum(counts))).astype(np.int64), offset=offset,
                  key=cum + np.repeat(offset, counts))


@dataclass(frozen=True, slots=True)
class Marking:
    """A painted line along a polyline (P, 2) [m] with a style; z (P,) [m] where the road is not flat."""

    line: np.ndarray
    style: MarkingStyle
    z: np.ndarray | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Sidewalk:
    """A walkway along a road's ``side`` ("left"/"right" of its forward direction): a centre line
    (P, 2) [m] for walking, its arc length, width [m] and area."""

    road: str
    side: str
    centre: np.ndarray
    cum_s: np.ndarray
    width: float
    area: shapely.Polygon
    kerb_height: float = 0.15     # [m] above the road


@dataclass(frozen=True, slots=True, eq=False)
class Crosswalk:
    """A zebra crossing numbered ``number`` (1-based) on ``road``: its walking line (2, 2) [m] from the
    right-hand end to the left-hand end (in the road's forward direction), width [m] and area."""

    road: str
    number: int
    line: np.ndarray
    width: float
    area: shapely.Polygon
    arm: str | None = None


@dataclass(frozen=True, slots=True)
class TrafficLight:
    """A signal head at ``position`` (3,) [m] facing ``heading`` [rad], controlling ``lanes`` (indices)."""

    position: np.ndarray
    heading: float
    lanes: tuple[int, ...]
    arm: str | None = None


@dataclass(frozen=True, slots=True)
class Prop:
    """Street furniture and surroundings: kind in PROP_KINDS, footprint centre (x, y, z) [m], box size
    (length, width, height) [m], heading [rad]."""

    kind: str
    position: tuple[float, float, float]
    size: tuple[float, float, float]
    heading: float = 0.0


#: what props there are (each maps to a semantic class in taxonomy)
PROP_KINDS = ("building", "tree", "pole", "street_light", "sign", "traffic_light_pole", "kerb")


@dataclass(frozen=True, slots=True, eq=False)
class RoadNetwork:
    lanes: tuple[Lane, ...]
    markings: tuple[Marking, ...]
    surface: shapely.Geometry                 # drivable area (all lanes) [m]
    sidewalks: tuple[Sidewalk, ...] = ()
    crosswalks: tuple[Crosswalk, ...] = ()
    traffic_lights: tuple[TrafficLight, ...] = ()
    props: tuple[Prop, ...] = ()

    def lane_index(self, road: str, number: int, arm: str | None = None) -> int:
        """Index in ``lanes`` of lane ``number`` of ``road`` (on ``arm`` where the road has arms)."""
        for i, lane in enumerate(self.lanes):
            if lane.road == road and lane.number == number and (arm is None or lane.arm == arm) \
                    and lane.kind != "connector":
                return i
        raise KeyError(f"road '{road}' has no lane {number}" + (f" on arm '{arm}'" if arm else ""))

    def neighbour(self, lane: int, count: int) -> int:
        """The lane ``count`` lanes to the left (negative: right) of ``lane``; -1 if there is none."""
        for _ in range(abs(count)):
            if lane < 0:
                return -1
            lane = self.lanes[lane].left if count > 0 else self.lanes[lane].right
        return lane

    def pose(self, lane: int, s: float, d: float = 0.0) -> tuple[float, float, float, float]:
        """(x, y, z, heading) [m, rad] at ``s`` along lane index ``lane`` and ``d`` to its left."""
        return tuple(float(v[0]) for v in self.poses([lane], [s], [d]))

    def poses(self, lanes, s, d) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``pose`` of many points at once: (x, y, z, heading) (K,) each [m, rad] for lane indices (K,),
        arc lengths s (K,) [m] and offsets d (K,) [m, + left]. Lane.point's and Lane.heading_at's arithmetic
        on every lane's frame laid end to end (_frames), so a few numpy calls place any number of points.
        The segment is found from s + the lane's offset in that frame, so within rounding of a vertex (about
        1e-13 of the offset) it may be the next one: the point agrees to ~1e-13 m, the heading is that
        segment's."""
        f = _frames(self)
        lanes = np.asarray(lanes, dtype=np.int64)
        s, d = np.asarray(s, dtype=np.float64), np.asarray(d, dtype=np.float64)
        first, last = f.start[lanes], f.start[lanes + 1] - 1
        i = np.minimum(np.maximum(np.searchsorted(f.key, s + f.offset[lanes], side="right") - 1, first), last - 1)
        seg_len = f.cum[i + 1] - f.cum[i]
        u = np.divide(s - f.cum[i], seg_len, out=np.zeros_like(s), where=seg_len > 0)
        along = f.points[i + 1] - f.points[i]
        p = f.points[i] + u[:, None] * along
        n = f.normals[i] + np.minimum(np.maximum(u, 0.0), 1.0)[:, None] * (f.normals[i + 1] - f.normals[i])
        xy = p + d[:, None] * n
        on = np.minimum(np.maximum(s, f.cum[first]), f.cum[last]) + f.offset[lanes]    # elevation: clamped
        return xy[:, 0], xy[:, 1], np.interp(on, f.key, f.z), np.arctan2(along[:, 1], along[:, 0])

    def advance(self, lane: int, s: float) -> tuple[int, float]:
        """(lane, s) of the point ``s`` metres along ``lane``, continuing onto successors where it runs past
        the end (a ring split into arcs, a ramp into its acceleration lane): the first successor that is no
        junction connector, else the first; round a loop (a ring) s is taken modulo its length. Past a lane
        without successors s stays on that lane, beyond its end (``length`` tells)."""
        seen: dict[int, float] = {}
        while True:
            ln = self.lanes[lane]
            if s <= ln.length or not ln.successors:
                return lane, s
            if lane in seen:                                  # once round a loop: skip whole laps
                lap = seen[lane] - s
                s %= lap
                seen.clear()
                continue
            seen[lane] = s
            s -= ln.length
            lane = next((i for i in ln.successors if self.lanes[i].kind != "connector"), ln.successors[0])

    def sidewalk(self, road: str, side: str) -> Sidewalk:
        return next(w for w in self.sidewalks if w.road == road and w.side == side)

    def crosswalk(self, road: str, number: int) -> Crosswalk:
        return next(c for c in self.crosswalks if c.road == road and c.number == number)

    def place(self, road: str, *, area: str = "lane", lane: int | None = None, arm: str | None = None,
              side: str | None = None, crosswalk: int | None = None, s: float = 0.0, d: float = 0.0
              ) -> tuple[float, float, float, float]:
        """(x, y, z, heading) [m, rad] of a placement as the scenario language writes it: on lane ``lane``
        (of ``arm``), on the ``side`` sidewalk, or on crosswalk ``crosswalk`` (s from its right-hand end,
        heading across the road); s along, d to the left [m]. KeyError/StopIteration if it does not exist."""
        if area == "lane":
            return self.pose(*self.advance(self.lane_index(road, lane, arm), s), d)
        if area == "sidewalk":
            walk = self.sidewalk(road, side or "right")
            xy, heading = point_at(walk.centre, walk.cum_s, np.array([s]))
            normal = np.array([-np.sin(heading[0]), np.cos(heading[0])])
            p = xy[0] + d * normal
            return float(p[0]), float(p[1]), walk.kerb_height, float(heading[0])
        cross = self.crosswalk(road, crosswalk)
        a, b = cross.line
        t = (b - a) / np.linalg.norm(b - a)
        p = a + s * t + d * np.array([-t[1], t[0]])
        return float(p[0]), float(p[1]), 0.0, float(np.arctan2(t[1], t[0]))

    def frenet(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(lane, s, d) (K,) for points (K, 2): among lanes whose s-range covers the point, the one it lies
        deepest inside (smallest |d| − width/2; in junctions, where lanes overlap, the nearest centre)."""
        xy = np.atleast_2d(np.asarray(xy, dtype=np.float64))
        lanes, ss, ds = np.empty(len(xy), dtype=np.int64), np.empty(len(xy)), np.empty(len(xy))
        best = np.full(len(xy), np.inf)
        for i, lane in enumerate(self.lanes):
            s, d = lane.project(xy)
            inside = (s >= 0) & (s <= lane.length)
            excess = np.abs(d) - lane.width_at(np.clip(s, 0, lane.length)) / 2
            score = np.where(inside, excess, np.inf)
            better = score < best
            lanes[better], ss[better], ds[better], best[better] = i, s[better], d[better], score[better]
        return lanes, ss, ds

    def bounds(self) -> tuple[float, float, float, float]:
        """(min_x, min_y, max_x, max_y) [m] of the drivable area."""
        return self.surface.bounds
