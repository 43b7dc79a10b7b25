"""Urban roads: a straight two-way street and a town grid of two-way streets, with kerbs, sidewalks,
crosswalks and street furniture (right-hand traffic).

Street. The reference line is the centre line, from the origin along +x. Forward lanes 1..n lie right of
it (lane 1 outermost: lane k's centre at y = −(n − k + 0.5)·w), oncoming lanes −1..−n left of it, driving
−x (−1 outermost: lane −k's centre at y = +(n − k + 0.5)·w); s of an oncoming lane runs from x = length.
Markings (European style): a SOLID white centre line, URBAN_DASHED lines between lanes of one direction,
SOLID edge lines EDGE_INSET inside the kerbs, all broken where the zebra lies. Sidewalks (when
sidewalk_width > 0) lie on both kerbs, KERB_HEIGHT up: side "right" (y < 0) and "left" (y > 0) of +x, each
centre line along +x from x = 0, so ``sidewalk(ROAD, side), s L`` is at x = L. The zebra (crosswalk 1, when
crosswalk_at ≥ 0) spans the carriageway at x = crosswalk_at, CROSSWALK_WIDTH along it (cut where it
passes the road's ends); no stop lines. Furniture (furniture.py, deterministic): street lights every 30 m
with sides alternating, trees every 15 m in both verges, rows of buildings behind them, signs where
traffic enters and beside the zebra.

Town. blocks × blocks 4-way junctions, junction (i, j) at ((i + 1)·B, j·B), B = block_size, i, j ∈
0..blocks−1, joined by two-way streets laid out like the street above: "x" streets j = 0..blocks−1 along +x
at y = j·B, "y" streets i along +y at x = (i + 1)·B, each running a whole block B past its outer junctions
(so the town spans x ∈ [0, (blocks+1)·B], y ∈ [−B, blocks·B]). A street is cut by the junction boxes
(half-size h = n·w + kerb radius; KERB_RADIUS, less on short blocks) into blocks + 1 segments, each a
small street with its markings (stopping short of the zebras): its lanes are numbered
±1..±n as on a street (forward = +x or +y) with ``arm`` = the segment's name, "x{j}.{k}" or "y{i}.{k}"
(k = 0 from the west or south town edge). The scenario language's ``lane(town, ±k)`` is the first of
these: segment "x0.0", the southernmost x street's western entry, which lies exactly like a street's lanes
from the origin: lane k at y = −(n − k + 0.5)·w, s = x on forward lanes, for 0 ≤ x ≤ B − h.

Junctions: connector lanes (kind "connector", ``arm`` "j{i}.{j}") for each approach: straight on from every
lane to the same-numbered lane across, a right turn from the outermost lane and a left turn from the
innermost (to the outermost and innermost lanes of the street turned into). No traffic lights and no stop
lines (the spec has no argument for them: junctions are uncontrolled). The kerb at each corner follows the
right edge of the right-turn connector, so a right-turning car runs along it. Every segment lane is a
straight-on successor of a lane across its junction, so every lane lies on a path from an entry (the
lanes entering at the town's edge) to an exit (the lanes leaving it): no dead ends.

Town sidewalks (when sidewalk_width > 0): one record per side of every segment, side "right"/"left" of
its forward direction (+x or +y), its centre line along the forward direction from the middle of one kerb
corner (or the town's edge) to the middle of the next; its area is the walkway along that side and the
half of each corner on its side of the corner's diagonal. Records run in segment order, right before
left, so ``sidewalk(town, side)`` is that side of segment "x0.0" (right = south of it, s = x).
Crosswalks: one zebra per junction arm, ZEBRA_GAP beyond the junction box, numbered 4·(j·blocks + i) + 1..4
for junction (i, j) in arm order east, south, west, north, with ``arm`` = the segment it crosses.
Furniture: lights, trees and a sign before each
junction along every segment, a pole at every kerb corner, and rows of buildings round every block (the
outer ones open to the town's edge).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

from scenariosim.errors import ScenarioValidationError
from scenariosim.roads.generators.common import NetworkBuilder
from scenariosim.roads.generators.furniture import KERB_HEIGHT, Kerb, block, frontage, pole, sign
from scenariosim.roads.geometry import arc_length
from scenariosim.roads.lanes import Sampled, band, lane_along, marking_along
from scenariosim.roads.network import SOLID, URBAN_DASHED, Crosswalk, Lane, RoadNetwork, Sidewalk
from scenariosim.roads.reference import Reference, line
from scenariosim.spec.roads import StreetSpec, TownSpec

CROSSWALK_WIDTH = 4.0    # [m] of a zebra along the road
ZEBRA_GAP = 1.0          # [m] from a town junction box to its zebra
EDGE_INSET = 0.2         # [m] from the kerb to the centre of an edge line
KERB_RADIUS = 6.0        # [m] nominal radius of a town junction's kerb corners (of its right turns' inner edge)
MIN_KERB_RADIUS = 1.0    # [m] smallest kerb radius a short block may shrink it to (and half a lane at least,
                         # so the right-turn connector's edge never folds: its tightest radius is 0.63 of its mean)
SIGN_BEFORE = 1.0        # [m] from a zebra to the sign before it

#: compass travel direction → direction after a right / a left turn
RIGHT = {"E": "S", "S": "W", "W": "N", "N": "E"}
LEFT = {"E": "N", "N": "W", "W": "S", "S": "E"}
#: the corner of a junction a right turn sweeps round, by the direction travelled before it
RIGHT_TURN_CORNER = {"E": "sw", "S": "nw", "W": "ne", "N": "se"}


# ---- shared pieces -----------------------------------------------------------------------------------

def _straight(start: np.ndarray, heading: float, length: float) -> Sampled:
    """The sampled straight reference from ``start`` (2,) [m] along ``heading`` [rad] for ``length`` [m]."""
    return Sampled.of(Reference((line(length),), x0=float(start[0]), y0=float(start[1]), heading0=heading))


def _two_way(b: NetworkBuilder, ref: Sampled, n: int, w: float, arm: str | None) -> tuple[list[int], list[int]]:
    """Forward lanes 1..n right of ``ref`` and oncoming −1..−n left of it (outermost first); their indices."""
    fwd = [b.add(lane_along(ref, b.road, k, -(n - k + 0.5) * w, w, arm=arm)) for k in range(1, n + 1)]
    onc = [b.add(lane_along(ref, b.road, -k, (n - k + 0.5) * w, w, reverse=True, arm=arm)) for k in range(1, n + 1)]
    b.neighbours(fwd)
    b.neighbours(onc)
    return fwd, onc


def _markings(b: NetworkBuilder, start: np.ndarray, heading: float, a: float, c: float, n: int, w: float) -> None:
    """Centre, lane and edge lines of a two-way carriageway along [a, c] [m] of a straight from ``start``."""
    if c - a <= 1e-9:
        return
    u = np.array([math.cos(heading), math.sin(heading)])
    ref = _straight(start + a * u, heading, c - a)
    b.markings.append(marking_along(ref, 0.0, SOLID))
    b.markings += [marking_along(ref, sg * k * w, URBAN_DASHED) for k in range(1, n) for sg in (-1, 1)]
    b.markings += [marking_along(ref, sg * (n * w - EDGE_INSET), SOLID) for sg in (-1, 1)]


def _kerbs(start: np.ndarray, heading: float, length: float, half: float, sidewalk: float, key: str
           ) -> tuple[Kerb, Kerb]:
    """(right, left) kerbs of a straight carriageway ``half`` [m] each side of its centre line."""
    u = np.array([math.cos(heading), math.sin(heading)])
    left = np.array([-u[1], u[0]])
    return (Kerb(start - half * left, u, -left, length, sidewalk, key + "/right"),
            Kerb(start + half * left, u, left, length, sidewalk, key + "/left"))


# ---- street ------------------------------------------------------------------------------------------

def street(spec: StreetSpec) -> RoadNetwork:
    """A straight two-way street along +x (see the module docstring)."""
    n, w, sw, length, name = spec.lanes, spec.lane_width, spec.sidewalk_width, spec.length, spec.name
    if spec.crosswalk_at > length:
        raise ScenarioValidationError(f"road '{name}': crosswalk_at {spec.crosswalk_at:g} m lies past the street's "
                                      f"length ({length:g} m)")
    half, origin = n * w, np.zeros(2)
    ref = _straight(origin, 0.0, length)
    b = NetworkBuilder(name)
    _two_way(b, ref, n, w, None)
    b.areas.append(band(ref, -half, half))
    painted = [(0.0, length)]
    if spec.crosswalk_at >= 0:
        s = spec.crosswalk_at
        a, c = max(0.0, s - CROSSWALK_WIDTH / 2), min(length, s + CROSSWALK_WIDTH / 2)
        b.crosswalks.append(Crosswalk(road=name, number=1, line=np.array([[s, -half], [s, half]]),
                                      width=CROSSWALK_WIDTH, area=shapely.box(a, -half, c, half)))
        painted = [(0.0, a), (c, length)]
    for a, c in painted:
        _markings(b, origin, 0.0, a, c, n, w)
    if sw > 0:
        for side, sg in (("right", -1), ("left", 1)):
            centre = ref.offset(sg * (half + sw / 2))
            b.sidewalks.append(Sidewalk(road=name, side=side, centre=centre, cum_s=arc_length(centre), width=sw,
                                        area=band(ref, *sorted((sg * half, sg * (half + sw)))),
                                        kerb_height=KERB_HEIGHT))
    right, left = _kerbs(origin, 0.0, length, half, sw, name)
    b.props += frontage(right, left)
    b.props += sign(right, min(10.0, length / 2), math.pi)            # entering signs, facing the traffic
    b.props += sign(left, length - min(10.0, length / 2), 0.0)
    if spec.crosswalk_at >= 0:                                         # crossing signs beside the zebra
        b.props += sign(right, spec.crosswalk_at - CROSSWALK_WIDTH / 2 - SIGN_BEFORE, math.pi)
        b.props += sign(left, spec.crosswalk_at + CROSSWALK_WIDTH / 2 + SIGN_BEFORE, 0.0)
    return b.network()


# ---- town --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Grid:
    """The town's layout: n × n junctions B [m] apart, carriageways ``half`` [m] each side of the centre
    lines, junction boxes ``box`` [m] half-size."""

    n: int
    size: float
    half: float
    box: float

    def junction(self, i: int, j: int) -> np.ndarray:
        return np.array([(i + 1) * self.size, j * self.size])

    def segment(self, axis: str, street: int, k: int) -> tuple[np.ndarray, float, float]:
        """(start (2,) [m], heading [rad], length [m]) of segment k of street ``street`` on ``axis``."""
        a = k * self.size + (self.box if k > 0 else 0.0)                    # along the street, from its town edge
        c = (k + 1) * self.size - (self.box if k < self.n else 0.0)
        if axis == "x":
            return np.array([a, street * self.size]), 0.0, c - a
        return np.array([(street + 1) * self.size, a - self.size]), math.pi / 2, c - a

    def cell(self, ci: int, cj: int) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) [m] of the land between the street centre lines (or the town edge)."""
        return ci * self.size, (cj - 1) * self.size, (ci + 1) * self.size, cj * self.size


def _box(spec: TownSpec) -> float:
    """Half-size [m] of a junction box: the carriageway's half-width and the kerb radius, KERB_RADIUS or
    less where blocks are short; an error if the blocks leave no room for junctions, zebras and sidewalks."""
    half, size = spec.lanes * spec.lane_width, spec.block_size
    sw = spec.sidewalk_width
    shortest = 2 * (ZEBRA_GAP + CROSSWALK_WIDTH) if sw > 0 else 2.0      # of a segment between junctions
    radius = min(KERB_RADIUS, (size - 2 * half - shortest) / 2)
    smallest = max(MIN_KERB_RADIUS, spec.lane_width / 2)
    if radius < smallest or size - 2 * (half + sw) < 1.0:
        need = max(2 * (half + smallest) + shortest, 2 * (half + sw) + 1.0)
        raise ScenarioValidationError(f"road '{spec.name}': block_size {size:g} m leaves no room for {spec.lanes} "
                                      f"lane(s) of {spec.lane_width:g} m each way, the junctions and sidewalks "
                                      f"(needs at least {need:g} m)")
    return half + radius


def town(spec: TownSpec) -> RoadNetwork:
    """A grid of two-way streets with 4-way junctions, sidewalks, zebras and furniture (see the module
    docstring)."""
    n, nl, w, sw, name = spec.blocks, spec.lanes, spec.lane_width, spec.sidewalk_width, spec.name
    grid = _Grid(n, spec.block_size, nl * w, _box(spec))
    b = NetworkBuilder(name)
    lanes: dict[tuple[str, int, int], tuple[list[int], list[int]]] = {}
    zone = ZEBRA_GAP + CROSSWALK_WIDTH if sw > 0 else 0.0
    for axis in ("x", "y"):
        for street_ in range(n):
            for k in range(n + 1):
                start, heading, length = grid.segment(axis, street_, k)
                ref = _straight(start, heading, length)
                lanes[(axis, street_, k)] = _two_way(b, ref, nl, w, f"{axis}{street_}.{k}")
                b.areas.append(band(ref, -grid.half, grid.half))
                _markings(b, start, heading, zone if k > 0 else 0.0, length - (zone if k < n else 0.0), nl, w)
    corners: dict[tuple[int, int, str], Lane] = {}
    for j in range(n):
        for i in range(n):
            corners.update(_junction(b, grid, lanes, i, j, sw))
    _town_sidewalks(b, grid, corners, sw)
    _town_furniture(b, grid, corners, sw)
    return b.network()


def _junction(b: NetworkBuilder, grid: _Grid, lanes: dict, i: int, j: int, sw: float
              ) -> dict[tuple[int, int, str], Lane]:
    """Connectors, drivable area and zebras of junction (i, j); returns its right-turn connectors by corner."""
    fwd = lambda key: lanes[key][0]          # noqa: E731
    onc = lambda key: lanes[key][1]          # noqa: E731
    approach = {"E": fwd(("x", j, i)), "W": onc(("x", j, i + 1)), "N": fwd(("y", i, j)), "S": onc(("y", i, j + 1))}
    leave = {"E": fwd(("x", j, i + 1)), "W": onc(("x", j, i)), "N": fwd(("y", i, j + 1)), "S": onc(("y", i, j))}
    arm = f"j{i}.{j}"
    corners = {}
    for d in "ESWN":
        for into, out in zip(approach[d], leave[d]):
            b.connect(into, out, arm=arm)
        c = b.connect(approach[d][0], leave[RIGHT[d]][0], arm=arm)
        b.connect(approach[d][-1], leave[LEFT[d]][-1], arm=arm)
        corners[(i, j, RIGHT_TURN_CORNER[d])] = b.lanes[c]
    centre, h = grid.junction(i, j), grid.box
    area = shapely.box(centre[0] - h, centre[1] - h, centre[0] + h, centre[1] + h)
    for (_, _, corner), lane in corners.items():
        area = area.difference(_corner(grid, lane, i, j, corner, h))
    b.areas.append(area)
    if sw > 0:
        q, half, off = j * grid.n + i, grid.half, h + ZEBRA_GAP + CROSSWALK_WIDTH / 2
        arms = (("x", j, i + 1, np.array([off, 0.0])), ("y", i, j, np.array([0.0, -off])),
                ("x", j, i, np.array([-off, 0.0])), ("y", i, j + 1, np.array([0.0, off])))
        for a, (axis, street_, k, shift) in enumerate(arms):
            cx, cy = centre + shift
            if axis == "x":                      # forward +x: the right-hand end is the south one
                line_ = np.array([[cx, cy - half], [cx, cy + half]])
                zebra = shapely.box(cx - CROSSWALK_WIDTH / 2, cy - half, cx + CROSSWALK_WIDTH / 2, cy + half)
            else:                                # forward +y: the right-hand end is the east one
                line_ = np.array([[cx + half, cy], [cx - half, cy]])
                zebra = shapely.box(cx - half, cy - CROSSWALK_WIDTH / 2, cx + half, cy + CROSSWALK_WIDTH / 2)
            b.crosswalks.append(Crosswalk(road=b.road, number=4 * q + a + 1, line=line_, width=CROSSWALK_WIDTH,
                                          area=zebra, arm=f"{axis}{street_}.{k}"))
    return corners


def _cell_sides(grid: _Grid, ci: int, cj: int) -> dict[str, tuple[str, int, int, str] | None]:
    """The segment beside each side of cell (ci, cj) as (axis, street, k, the cell's side of it), or None
    at the town's edge."""
    n = grid.n
    return {"s": ("x", cj - 1, ci, "left") if cj >= 1 else None, "n": ("x", cj, ci, "right") if cj < n else None,
            "w": ("y", ci - 1, cj, "right") if ci >= 1 else None, "e": ("y", ci, cj, "left") if ci < n else None}


def _wedge(bounds: tuple[float, float, float, float], side: str, sides: dict) -> shapely.Polygon:
    """The part of a cell nearer its ``side`` than the streets beside it: cut along the diagonals at
    corners where two streets meet."""
    x0, y0, x1, y1 = bounds
    hx, hy = (x1 - x0) / 2, (y1 - y0) / 2
    s, n, w, e = (sides[k] is not None for k in "snwe")
    if side == "s":
        pts = [(x0, y0), (x1, y0), (x1 - hx if e else x1, y0 + hy), (x0 + hx if w else x0, y0 + hy)]
    elif side == "n":
        pts = [(x0, y1), (x0 + hx if w else x0, y1 - hy), (x1 - hx if e else x1, y1 - hy), (x1, y1)]
    elif side == "w":
        pts = [(x0, y0), (x0 + hx, y0 + hy if s else y0), (x0 + hx, y1 - hy if n else y1), (x0, y1)]
    else:
        pts = [(x1, y0), (x1, y1), (x1 - hx, y1 - hy if n else y1), (x1 - hx, y0 + hy if s else y0)]
    return shapely.Polygon(pts)


def _town_sidewalks(b: NetworkBuilder, grid: _Grid, corners: dict, sw: float) -> None:
    """One Sidewalk per segment side: the ring of walkway round each cell's kerb, split between its sides."""
    if sw <= 0:
        return
    walks = {}
    for cj in range(grid.n + 1):
        for ci in range(grid.n + 1):
            bounds = grid.cell(ci, cj)
            sides = _cell_sides(grid, ci, cj)
            ring = _kerb_area(grid, corners, ci, cj, sides, sw)
            for side, seg in sides.items():
                if seg is None:
                    continue
                area = ring.intersection(_wedge(bounds, side, sides))
                if not isinstance(area, shapely.Polygon):          # slivers of floating-point noise
                    area = max(shapely.get_parts(area), key=lambda p: p.area)
                centre = _walk(grid, corners, seg, sw)
                walks[seg] = Sidewalk(road=b.road, side=seg[3], centre=centre, cum_s=arc_length(centre), width=sw,
                                      area=area, kerb_height=KERB_HEIGHT)
    b.sidewalks += [walks[key] for key in sorted(walks, key=lambda s: (s[0], s[1], s[2], s[3] != "right"))]


def _kerb_area(grid: _Grid, corners: dict, ci: int, cj: int, sides: dict, sw: float) -> shapely.Geometry:
    """The walkway of cell (ci, cj): its land within ``sw`` [m] of its kerbs (street sides and corners)."""
    x0, y0, x1, y1 = grid.cell(ci, cj)
    reach = sw + 1.0                                            # past the town's edge, cut off below
    land = shapely.box(x0 + grid.half if sides["w"] else x0 - reach, y0 + grid.half if sides["s"] else y0 - reach,
                       x1 - grid.half if sides["e"] else x1 + reach, y1 - grid.half if sides["n"] else y1 + reach)
    for i, j, corner in ((ci - 1, cj - 1, "ne"), (ci, cj - 1, "nw"), (ci - 1, cj, "se"), (ci, cj, "sw")):
        if (i, j, corner) in corners:                            # the cell's corner is that junction's corner
            land = land.difference(_corner(grid, corners[(i, j, corner)], i, j, corner, grid.half))
    ring = land.difference(land.buffer(-sw))
    return ring.intersection(shapely.box(x0, y0, x1, y1))


def _corner(grid: _Grid, lane: Lane, i: int, j: int, corner: str, tip: float) -> shapely.Polygon:
    """The polygon between the right edge of a corner's right-turn connector and the point ``tip`` [m] out
    along both axes from junction (i, j)'s centre towards ``corner``: tip = box half-size gives the land
    the kerb cuts off the box, tip = carriageway half-width the drivable fillet outside the carriageways."""
    sx, sy = (1.0 if "e" in corner else -1.0), (1.0 if "n" in corner else -1.0)
    edge = lane.point(lane.cum_s, -lane.width / 2)
    return shapely.Polygon(np.vstack([edge, grid.junction(i, j) + tip * np.array([sx, sy])]))


#: the corners at a segment's (start, end), by axis and side
_WALK_CORNERS = {("x", "right"): ("se", "sw"), ("x", "left"): ("ne", "nw"),
                 ("y", "right"): ("ne", "se"), ("y", "left"): ("nw", "sw")}


def _half_edge(lane: Lane, first: bool) -> np.ndarray:
    """The right edge (P, 2) [m] of a right-turn connector up to (first) or from its middle."""
    s, mid = lane.cum_s, lane.length / 2
    ss = np.concatenate([s[s < mid], [mid]]) if first else np.concatenate([[mid], s[s > mid]])
    return lane.point(ss, -lane.width / 2)


def _ends(grid: _Grid, axis: str, street: int, k: int) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """The junctions (i, j) at segment k's start and end, None at the town's edge."""
    start = (k - 1, street) if axis == "x" else (street, k - 1)
    end = (k, street) if axis == "x" else (street, k)
    return (start if k > 0 else None), (end if k < grid.n else None)


def _walk(grid: _Grid, corners: dict, seg: tuple[str, int, int, str], sw: float) -> np.ndarray:
    """Centre line (P, 2) [m] of a segment side's sidewalk, along the segment's forward direction: sw/2
    behind the kerb, from the middle of the corner (or the town's edge) at its start to the one at its end."""
    axis, street, k, side = seg
    start, heading, length = grid.segment(axis, street, k)
    right, left = _kerbs(start, heading, length, grid.half, sw, "")
    kerb = right if side == "right" else left
    parts = [np.array([kerb.at(0.0, 0.0), kerb.at(length, 0.0)])]
    first, last = _ends(grid, axis, street, k)
    c0, c1 = _WALK_CORNERS[(axis, side)]
    if first is not None:
        lane = corners[(*first, c0)]
        parts.insert(0, _half_edge(lane, False) if side == "right" else _half_edge(lane, True)[::-1])
    if last is not None:
        lane = corners[(*last, c1)]
        parts.append(_half_edge(lane, True) if side == "right" else _half_edge(lane, False)[::-1])
    pts = np.concatenate(parts)
    pts = pts[np.concatenate([[True], np.linalg.norm(np.diff(pts, axis=0), axis=1) > 1e-9])]
    walk = shapely.LineString(pts).offset_curve(-sw / 2 if side == "right" else sw / 2)
    if isinstance(walk, shapely.MultiLineString):
        walk = max(walk.geoms, key=lambda g: g.length)
    out = np.asarray(walk.coords)[:, :2]
    out = out if np.linalg.norm(out[0] - pts[0]) <= np.linalg.norm(out[-1] - pts[0]) else out[::-1].copy()
    if first is not None:                        # on the corner's diagonal, where the next walk begins
        out[0] = _corner_middle(grid, corners, first, c0, sw / 2)
    if last is not None:
        out[-1] = _corner_middle(grid, corners, last, c1, sw / 2)
    return out


def _corner_middle(grid: _Grid, corners: dict, junction: tuple[int, int], corner: str, behind: float) -> np.ndarray:
    """The point (2,) [m] ``behind`` [m] behind the middle of a kerb corner, on the corner's diagonal."""
    lane = corners[(*junction, corner)]
    mid = lane.point(np.array([lane.length / 2]), -lane.width / 2)[0]
    tip = grid.junction(*junction) + grid.box * np.array([1.0 if "e" in corner else -1.0,
                                                          1.0 if "n" in corner else -1.0])
    return mid + behind * (tip - mid) / np.linalg.norm(tip - mid)


def _town_furniture(b: NetworkBuilder, grid: _Grid, corners: dict, sw: float) -> None:
    """Lights, trees and approach signs along every segment, a pole at every kerb corner, buildings in
    every cell."""
    zone = ZEBRA_GAP + CROSSWALK_WIDTH
    for axis in ("x", "y"):
        for street_ in range(grid.n):
            for k in range(grid.n + 1):
                start, heading, length = grid.segment(axis, street_, k)
                right, left = _kerbs(start, heading, length, grid.half, sw, f"{b.road}/{axis}{street_}.{k}")
                b.props += frontage(right, left, rows=False)
                first, last = _ends(grid, axis, street_, k)
                if last is not None:                                   # before each junction, facing the traffic
                    b.props += sign(right, length - zone - SIGN_BEFORE, heading + math.pi)
                if first is not None:
                    b.props += sign(left, zone + SIGN_BEFORE, heading)
    for i, j, corner in corners:
        b.props.append(pole(_corner_middle(grid, corners, (i, j), corner, 0.5), KERB_HEIGHT if sw > 0.5 else 0.0))
    for cj in range(grid.n + 1):
        for ci in range(grid.n + 1):
            streets = {side: seg is not None for side, seg in _cell_sides(grid, ci, cj).items()}
            b.props += block(grid.cell(ci, cj), streets, grid.half + sw, f"{b.road}/cell{ci}.{cj}")
