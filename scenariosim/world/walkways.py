"""Walk paths: the polyline (P, 2) float64 [m] a walking agent follows, from its scenario placement.

A path starts exactly at the placement point (``RoadNetwork.place``) and has no zero-length segments;
a path of one point means there is nothing to walk (the walker is done at once). Sides ("left"/"right")
are named as the road generators name sidewalks: relative to the sidewalk's own direction, which is the
road's forward direction on streets and towns and the outward direction on junction arms.

- sidewalk, no ``across``: along the sidewalk's centre line, offset ``d`` to its left, from ``s`` to its end
  (the line's own vertices kept, so curves stay curves);
- crosswalk: along the walking line, offset ``d``, to the left-hand end (``across`` None or "left") or back
  to the right-hand end ("right");
- sidewalk with ``across``: straight across the road, perpendicular to the sidewalk at the start point, to
  the centre line of the nearest sidewalk named ``across`` of the same road on the road's side of it;
- lane with ``across``: straight across, perpendicular to the lane at the start point, to the nearest
  sidewalk named ``across`` of the same road (either way across); where the road has none, to its edge on
  that side plus ``KERB_CLEARANCE`` ("left" = left of the road's forward direction: the direction of lanes
  numbered > 0).
"""
from __future__ import annotations

import numpy as np
import shapely

from scenariosim.roads.geometry import point_at
from scenariosim.roads.network import RoadNetwork, Sidewalk

KERB_CLEARANCE = 1.0     # [m] beyond the road's edge a walk across a road without sidewalks ends
RAY_LENGTH = 1000.0      # [m] how far across a road a sidewalk is looked for
MIN_SEGMENT = 1e-9       # [m] shorter segments are dropped

SIDES = ("left", "right")


def walk_path(network: RoadNetwork, road: str, area: str, side: str | None, crosswalk: int | None, s: float,
              d: float, across: str | None = None, *, lane: int | None = None, arm: str | None = None
              ) -> np.ndarray:
    """The walk path (P, 2) float64 [m] of an agent placed on ``area`` of ``road`` (see the module docstring).

    ``side``: the sidewalk (area "sidewalk"); ``crosswalk``: its number (area "crosswalk"); ``lane``/``arm``:
    the lane (area "lane", which needs ``across``); s along, d to the left [m] as ``RoadNetwork.place``.
    ValueError where the walk does not exist (no sidewalk across, across the side already stood on, a lane
    without ``across``); KeyError/StopIteration where the placement itself does not exist.
    """
    if across is not None and across not in SIDES:
        raise ValueError(f"walk across must be 'left' or 'right', not {across!r}")
    if area not in ("lane", "sidewalk", "crosswalk"):
        raise ValueError(f"unknown area {area!r} (lane, sidewalk or crosswalk)")
    if area == "lane" and across is None:
        raise ValueError(f"a walker placed on a lane of road '{road}' needs a side to walk across to")
    x, y, _, _ = network.place(road, area=area, lane=lane, arm=arm, side=side, crosswalk=crosswalk, s=s, d=d)
    start = np.array([x, y])
    if area == "crosswalk":
        cross = network.crosswalk(road, crosswalk)
        a, b = cross.line
        t = (b - a) / np.linalg.norm(b - a)
        end = (a if across == "right" else b) + d * np.array([-t[1], t[0]])
        return _clean(np.stack([start, end]))
    if area == "sidewalk":
        walk = network.sidewalk(road, side or "right")
        if across is None:
            return _along(walk, start, s, d)
        return _across_from_sidewalk(network, walk, start, s, across)
    return _across_from_lane(network, road, *network.advance(network.lane_index(road, lane, arm), s), start, across)


def _clean(points: np.ndarray) -> np.ndarray:
    """The polyline without zero-length segments (at least its first point)."""
    keep = [0]
    for k in range(1, len(points)):
        if np.linalg.norm(points[k] - points[keep[-1]]) > MIN_SEGMENT:
            keep.append(k)
    return np.ascontiguousarray(points[keep], dtype=np.float64)


def _vertex_normals(points: np.ndarray) -> np.ndarray:
    """Unit left normals (P, 2) at the vertices of a polyline: of the mean of the adjoining segments' directions."""
    seg = np.diff(points, axis=0)
    seg /= np.maximum(np.linalg.norm(seg, axis=1, keepdims=True), 1e-300)
    t = np.concatenate([seg[:1], seg[:-1] + seg[1:], seg[-1:]])
    t /= np.maximum(np.linalg.norm(t, axis=1, keepdims=True), 1e-300)
    return np.stack([-t[:, 1], t[:, 0]], axis=1)


def _along(walk: Sidewalk, start: np.ndarray, s: float, d: float) -> np.ndarray:
    """From ``start`` (the point at s, offset d) along the sidewalk's centre line, offset d, to its end."""
    centre = _clean(walk.centre)
    cum = np.concatenate(([0.0], np.cumsum(np.linalg.norm(np.diff(centre, axis=0), axis=1))))
    if len(centre) < 2:
        return start[None, :]
    ahead = cum > s + MIN_SEGMENT
    rest = centre[ahead] + d * _vertex_normals(centre)[ahead]
    return _clean(np.concatenate([start[None, :], rest]))


def _ray_hits(start: np.ndarray, direction: np.ndarray, walks) -> list[tuple[float, Sidewalk]]:
    """(distance [m], sidewalk) of every crossing of the ray from ``start`` along unit ``direction`` with the
    centre lines of ``walks``, nearest first (crossings closer than MIN_SEGMENT ignored)."""
    ray = shapely.LineString([start, start + RAY_LENGTH * direction])
    hits = []
    for walk in walks:
        cut = ray.intersection(shapely.LineString(walk.centre))
        for g in getattr(cut, "geoms", [cut]):
            if g.is_empty:
                continue
            for p in np.asarray(g.coords)[:, :2]:           # a point, or the ends of a collinear overlap
                t = float(np.dot(p - start, direction))
                if t > MIN_SEGMENT:
                    hits.append((t, walk))
    hits.sort(key=lambda h: h[0])
    return hits


def _across_from_sidewalk(network: RoadNetwork, walk: Sidewalk, start: np.ndarray, s: float, across: str
                          ) -> np.ndarray:
    """Straight over the road, perpendicular to the sidewalk at s, to the nearest sidewalk named ``across``."""
    if across == walk.side:
        raise ValueError(f"the walker already stands on the {across} sidewalk of road '{walk.road}': "
                         f"walk across to the other side")
    _, heading = point_at(walk.centre, walk.cum_s, np.array([s]))
    left = np.array([-np.sin(heading[0]), np.cos(heading[0])])
    direction = left if walk.side == "right" else -left             # towards the road
    others = [w for w in network.sidewalks if w.road == walk.road and w.side == across and w is not walk]
    hits = _ray_hits(start, direction, others)
    if not hits:
        raise ValueError(f"road '{walk.road}' has no {across} sidewalk across from the {walk.side} sidewalk "
                         f"at s = {s:g} m")
    return _clean(np.stack([start, start + hits[0][0] * direction]))


def _across_from_lane(network: RoadNetwork, road: str, lane: int, s: float, start: np.ndarray, across: str
                      ) -> np.ndarray:
    """Straight over the road, perpendicular to the lane at s, to the nearest sidewalk named ``across``;
    without one, to the road's edge on that side plus KERB_CLEARANCE."""
    ln = network.lanes[lane]
    _, heading = point_at(ln.centre, ln.cum_s, np.clip(np.array([s]), 0.0, ln.length))
    left = np.array([-np.sin(heading[0]), np.cos(heading[0])])
    named = [w for w in network.sidewalks if w.road == road and w.side == across]
    hits = [(t, sg) for sg in (1.0, -1.0) for t, _ in _ray_hits(start, sg * left, named)[:1]]
    if hits:
        t, sg = min(hits)
        return _clean(np.stack([start, start + t * sg * left]))
    forward = 1.0 if ln.number >= 0 else -1.0                      # oncoming lanes run against the road
    direction = forward * left * (1.0 if across == "left" else -1.0)
    ray = shapely.LineString([start, start + RAY_LENGTH * direction])
    polys = [la.polygon() for la in network.lanes if la.road == road]
    polys = [p for p in polys if p.intersects(ray)]
    on_road = ray.intersection(shapely.union_all(polys)) if polys else shapely.LineString()
    stretches = sorted(sorted(float(np.dot(p - start, direction)) for p in np.asarray(g.coords)[:, :2])
                       for g in getattr(on_road, "geoms", [on_road]) if not g.is_empty)
    edge = stretches[0][-1] if stretches else 0.0                  # the far end of the first stretch of road
    for ts in stretches[1:]:                                        # and of any stretch it runs on into
        if ts[0] <= edge + 1e-6:
            edge = max(edge, ts[-1])
    return _clean(np.stack([start, start + (edge + KERB_CLEARANCE) * direction]))
