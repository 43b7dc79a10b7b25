"""The road's surface, painted lines and zebra crossings as meshes that follow the lanes' elevation.

The surface is built from lane strips (each lane's left and right edges at its own height, at its
centre line's vertices, less those on straight runs) plus the rest of ``network.surface`` (shoulders,
junction boxes, gores), triangulated and lifted onto the ground's elevation. Connector lanes and lanes
that overlap a lane already drawn are left to the rest, so no piece of road is drawn twice. Paint lies
MARKING_Z above the surface; zebra stripes CROSSWALK_Z above it (so where a lane line runs under a
crossing the crossing wins the depth test).
"""
from __future__ import annotations

import numpy as np
import shapely

from scenariosim.render.elevation import Elevation
from scenariosim.render.geometry import ASPHALT, concat, corners, empty, lift, polygon_triangles, strip_triangles, surface_mesh
from scenariosim.roads.geometry import arc_length, dash_intervals, offset_polyline, point_at
from scenariosim.roads.network import Crosswalk, Lane, Marking, RoadNetwork
from scenariosim.taxonomy import LANE_MARKING, ROAD

MARKING_Z = 0.015        # [m] paint height above the road surface
CROSSWALK_Z = 0.02       # [m] zebra stripes above the road surface
STRIPE, STRIPE_GAP = 0.5, 0.5   # [m] zebra stripe width and the gap between stripes, across the road
_SLIVER = 1e-4           # [m²] pieces of leftover surface smaller than this are numerical noise

#: albedos (linear RGB)
ROAD_COLOR = (0.075, 0.075, 0.08)
MARKING_COLOR = (0.75, 0.75, 0.72)
YELLOW_COLOR = (0.8, 0.5, 0.02)
PAINT = {"white": MARKING_COLOR, "yellow": YELLOW_COLOR}


def lane_edges(lane: Lane) -> tuple[np.ndarray, np.ndarray]:
    """The lane's left and right edges (K, 3) [m] at its elevation: its centre's vertices, less those
    where both edges run straight on (render.geometry.corners)."""
    half = lane.width_at(lane.cum_s) / 2
    z = lane.elevation_at(lane.cum_s)[:, None]
    left = np.hstack([lane.point(lane.cum_s, half), z])
    right = np.hstack([lane.point(lane.cum_s, -half), z])
    keep = corners(left, right)
    return left[keep], right[keep]


def _strip_lanes(network: RoadNetwork) -> list[int]:
    """Indices of the lanes drawn as strips: valid, not connectors, not overlapping an earlier strip."""
    chosen, polys = [], []
    for i, lane in enumerate(network.lanes):
        if lane.kind == "connector" or len(lane.centre) < 2:
            continue
        poly = lane.polygon()
        if not poly.is_valid or poly.area <= 0:
            continue
        if polys:
            tree = shapely.STRtree(polys)
            hits = tree.query(poly, predicate="intersects")
            if any(shapely.intersection(poly, polys[h]).area > 1e-3 for h in hits):
                continue
        chosen.append(i)
        polys.append(poly)
    return chosen


def road_triangles(network: RoadNetwork, elevation: Elevation | None = None) -> np.ndarray:
    """Triangles (T, 3, 3) [m] covering ``network.surface`` once: lane strips, then the rest at the
    ground's elevation."""
    elevation = elevation or Elevation(network)
    lanes = _strip_lanes(network)
    strips = [strip_triangles(*lane_edges(network.lanes[i])) for i in lanes]
    covered = shapely.union_all([network.lanes[i].polygon() for i in lanes]) if lanes else shapely.Polygon()
    rest = shapely.difference(network.surface, covered) if lanes else network.surface
    parts = [p for p in shapely.get_parts(rest) if isinstance(p, shapely.Polygon) and p.area > _SLIVER]
    flat = polygon_triangles(shapely.MultiPolygon(parts)) if parts else np.zeros((0, 3, 2))
    pieces = strips + [lift(flat, elevation(flat.reshape(-1, 2)).reshape(-1, 3))]
    return np.concatenate(pieces) if pieces else np.zeros((0, 3, 3))


def road_mesh(network: RoadNetwork, elevation: Elevation | None = None) -> np.ndarray:
    """(3·T,) VERTEX: the drivable surface following the lanes' elevation, class ROAD."""
    return surface_mesh(road_triangles(network, elevation), ROAD_COLOR, ROAD, ASPHALT)


def dashes(marking: Marking) -> list[tuple[np.ndarray, np.ndarray]]:
    """The painted pieces of a marking: per dash its arc lengths (K,) [m] and centre line (K, 2) [m]
    (the line's vertices inside the dash plus its two ends); a solid line is one piece."""
    cum_s = arc_length(marking.line)
    out = []
    for s0, s1 in dash_intervals(cum_s[-1], marking.style.dash, marking.style.gap):
        if s1 - s0 < 1e-6:
            continue
        s = np.concatenate(([s0], cum_s[(cum_s > s0 + 1e-6) & (cum_s < s1 - 1e-6)], [s1]))
        out.append((s, point_at(marking.line, cum_s, s)[0]))
    return out


def paint_lines(marking: Marking, centre: np.ndarray) -> list[np.ndarray]:
    """The centre lines (K, 2) [m] of the paint of one dash: itself, or two lines ``width`` to either
    side of it for a double line."""
    if not marking.style.double:
        return [centre]
    return [offset_polyline(centre, d) for d in (-marking.style.width, marking.style.width)]


def marking_triangles(marking: Marking, z: np.ndarray | None = None) -> np.ndarray:
    """Triangles (T, 3, 3) [m] of one painted line: a ribbon of the style's width per dash (two ribbons
    ``width`` apart for a double line), at the line's elevation z (P,) [m] (None: 0) — not yet raised."""
    cum_s = arc_length(marking.line)
    z = np.zeros(len(marking.line)) if z is None else np.asarray(z, dtype=np.float64)
    half = marking.style.width / 2.0
    out = []
    for s, centre in dashes(marking):
        zs = np.interp(s, cum_s, z)[:, None]
        for mid in paint_lines(marking, centre):
            left = np.hstack([offset_polyline(mid, half), zs])
            right = np.hstack([offset_polyline(mid, -half), zs])
            keep = corners(left, right)
            out.append(strip_triangles(left[keep], right[keep]))
    return np.concatenate(out) if out else np.zeros((0, 3, 3))


def crosswalk_triangles(crosswalk: Crosswalk) -> np.ndarray:
    """Triangles (T, 3, 2) [m] of a zebra crossing: stripes STRIPE wide, STRIPE_GAP apart, parallel to the
    road (across the walking line), centred on the walking line's midpoint and clipped to its area."""
    a, b = np.asarray(crosswalk.line, dtype=np.float64)
    length = float(np.linalg.norm(b - a))
    if length <= 0:
        return np.zeros((0, 3, 2))
    t = (b - a) / length                      # across the road
    n = np.array([-t[1], t[0]])               # along the road
    period = STRIPE + STRIPE_GAP
    k = int(np.ceil(length / period)) + 1
    reach = crosswalk.width + 2 * length      # far enough along the road: the area clips it
    mid = (a + b) / 2
    stripes = []
    for j in range(-k, k + 1):
        c = mid + j * period * t
        corners = [c + u * t * STRIPE / 2 + v * n * reach for u, v in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
        stripes.append(shapely.Polygon(corners))
    return polygon_triangles(shapely.intersection(shapely.union_all(stripes), crosswalk.area))


def marking_mesh(network: RoadNetwork, elevation: Elevation | None = None) -> np.ndarray:
    """(3·T,) VERTEX: every lane marking MARKING_Z above the road in its colour, and every zebra crossing
    CROSSWALK_Z above it, class LANE_MARKING. A marking without its own z takes the ground's."""
    elevation = elevation or Elevation(network)
    meshes = []
    for m in network.markings:
        z = m.z if m.z is not None else elevation(m.line)
        tris = marking_triangles(m, z)
        tris[..., 2] += MARKING_Z
        meshes.append(surface_mesh(tris, PAINT.get(m.style.color, MARKING_COLOR), LANE_MARKING, ASPHALT))
    for c in network.crosswalks:
        flat = crosswalk_triangles(c)
        tris = lift(flat, elevation(flat.reshape(-1, 2)).reshape(-1, 3) + CROSSWALK_Z)
        meshes.append(surface_mesh(tris, MARKING_COLOR, LANE_MARKING, ASPHALT))
    return concat(meshes) if meshes else empty()
