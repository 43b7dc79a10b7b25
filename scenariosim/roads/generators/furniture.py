"""Street furniture and surroundings as Props: street lights, trees, signs, poles and rows of buildings.

Furniture stands beside a straight ``Kerb``: a place is t [m] along the kerb and an offset [m] away from
the road (0 = the kerb line, the carriageway's edge). Behind the kerb lie the sidewalk (``sidewalk``
metres wide, raised KERB_HEIGHT), then a verge of SETBACK metres (trees), then the building line.

Sizes that look random are deterministic: they come from a hash of a text key (road name and row) and an
index (``unit``), never from a random generator, so two builds of one spec are equal, on any platform and
numpy version, and a sweep that leaves the road alone keeps its buildings.

Prop conventions (what render/furniture.py draws): ``position`` is the box's footprint centre, z its base
[m] (KERB_HEIGHT on a sidewalk, 0 on the ground); a street light's box runs from its post (at the back
end) along ``heading`` towards the road, under its mast arm; a sign's plate faces along ``heading``,
towards the traffic it addresses; a building's length runs along its street.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np

from scenariosim.roads.network import Prop

KERB_HEIGHT = 0.15       # [m] of a sidewalk above the road
SETBACK = 4.0            # [m] verge between the sidewalk and the building line
LIGHT_SPACING = 30.0     # [m] between street lights along a road (sides alternate)
TREE_SPACING = 15.0      # [m] between trees along each side
LIGHT_HEIGHT = 8.0       # [m]
LIGHT_ARM = 1.8          # [m] longest reach of a street light's box (post to lamp) towards the road
POST = 0.3               # [m] footprint of a light's post
SIGN_SIZE = (0.1, 0.7, 2.6)    # [m] plate depth, plate width, height to the plate's top
POLE_SIZE = (0.15, 0.15, 3.0)  # [m] a street-name pole at a corner
FURNITURE_OFFSET = 0.5   # [m] from the kerb to a sign's post
BUILDING_WIDTH = (10.0, 24.0)  # [m] frontage of one building, min and max
BUILDING_DEPTH = (8.0, 16.0)   # [m]
BUILDING_HEIGHT = (6.0, 30.0)  # [m]; low ones are commoner (height ~ min + span·u²)
ALLEY = (2.0, 5.0)       # [m] gap between neighbouring buildings, where there is one (30 % of them)
MIN_BUILDING = 5.0       # [m] narrowest building frontage worth placing


def unit(key: str, index: int, field: int = 0) -> float:
    """A number in [0, 1) that looks uniformly random, fixed by (key, index, field) (blake2b)."""
    digest = hashlib.blake2b(f"{key}|{index}|{field}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") / 2.0**64


def _lerp(bounds: tuple[float, float], u: float) -> float:
    return bounds[0] + (bounds[1] - bounds[0]) * u


@dataclass(frozen=True, slots=True)
class Kerb:
    """A straight kerb from ``start`` (2,) [m] along unit ``direction`` (2,) for ``length`` [m], the road on
    the side opposite unit ``outward`` (2,); ``sidewalk`` [m] wide behind it; ``key`` seeds its sizes."""

    start: np.ndarray
    direction: np.ndarray
    outward: np.ndarray
    length: float
    sidewalk: float
    key: str

    def at(self, t: float, offset: float) -> np.ndarray:
        """The point (2,) [m] t [m] along the kerb and ``offset`` [m] away from the road."""
        return self.start + t * self.direction + offset * self.outward

    def ground(self, offset: float) -> float:
        """The height [m] of the ground ``offset`` [m] behind the kerb: the sidewalk's top, or 0 beyond it."""
        return KERB_HEIGHT if offset < self.sidewalk else 0.0

    @property
    def heading(self) -> float:
        return math.atan2(self.direction[1], self.direction[0])

    @property
    def facing_road(self) -> float:
        return math.atan2(-self.outward[1], -self.outward[0])


def stations(length: float, spacing: float, first: float, margin: float = 1.0) -> np.ndarray:
    """t [m] at ``first``, first + spacing, … that lie in [margin, length − margin]."""
    t = np.arange(first, length - margin + 1e-9, spacing)
    return t[t >= margin]


def _prop(kind: str, xy: np.ndarray, z: float, size: tuple[float, float, float], heading: float) -> Prop:
    return Prop(kind=kind, position=(float(xy[0]), float(xy[1]), float(z)), size=tuple(float(v) for v in size),
                heading=float(heading))


def street_lights(kerb: Kerb, ts: np.ndarray) -> list[Prop]:
    """Lights at t ∈ ts [m]: the post at the sidewalk's outer edge (0.3 m inside it; 0.5 m into the verge
    without a sidewalk), the arm reaching towards the road but never past the kerb."""
    post = kerb.sidewalk - POST if kerb.sidewalk >= 1.0 else kerb.sidewalk + FURNITURE_OFFSET
    reach = min(LIGHT_ARM, post + POST / 2)          # the box's near end stays behind the kerb line
    centre = post + POST / 2 - reach / 2             # offset of the box's centre
    return [_prop("street_light", kerb.at(t, centre), kerb.ground(post), (reach, POST, LIGHT_HEIGHT), kerb.facing_road)
            for t in ts]


def trees(kerb: Kerb, ts: np.ndarray) -> list[Prop]:
    """Trees in the middle of the verge at t ∈ ts [m]; crown 2.5–3.8 m across (inside the verge), 5–9 m tall."""
    out = []
    for k, t in enumerate(ts):
        crown = 2.5 + 1.3 * unit(kerb.key + "/tree", k)
        height = 5.0 + 4.0 * unit(kerb.key + "/tree", k, 1)
        out.append(_prop("tree", kerb.at(t, kerb.sidewalk + SETBACK / 2), 0.0, (crown, crown, height),
                         kerb.heading))
    return out


def sign(kerb: Kerb, t: float, facing: float) -> list[Prop]:
    """A sign FURNITURE_OFFSET behind the kerb at t [m], its plate facing ``facing`` [rad]; none if t lies
    off the kerb."""
    if not 0.0 <= t <= kerb.length:
        return []
    return [_prop("sign", kerb.at(t, FURNITURE_OFFSET), kerb.ground(FURNITURE_OFFSET), SIGN_SIZE, facing)]


def pole(xy: np.ndarray, z: float) -> Prop:
    """A street-name pole at ``xy`` (2,) [m] standing on ground z [m]."""
    return _prop("pole", xy, z, POLE_SIZE, 0.0)


def buildings(start: np.ndarray, direction: np.ndarray, outward: np.ndarray, length: float, max_depth: float,
              key: str) -> list[Prop]:
    """A row of buildings along a building line from ``start`` (2,) [m] along unit ``direction`` for
    ``length`` [m], standing on the ``outward`` side (2,) at most ``max_depth`` [m] deep. Frontage, depth,
    height and alleys between them come from ``unit(key, k)``; the last one is cut to the row's end, or
    left out if that leaves less than MIN_BUILDING."""
    heading = math.atan2(direction[1], direction[0])
    out, t, k = [], 0.0, 0
    while length - t >= MIN_BUILDING:
        width = min(_lerp(BUILDING_WIDTH, unit(key, k)), length - t)
        depth = min(_lerp(BUILDING_DEPTH, unit(key, k, 1)), max_depth)
        height = _lerp(BUILDING_HEIGHT, unit(key, k, 2) ** 2)
        xy = start + (t + width / 2) * direction + (depth / 2) * outward
        out.append(_prop("building", xy, 0.0, (width, depth, height), heading))
        t += width + (_lerp(ALLEY, unit(key, k, 4)) if unit(key, k, 3) < 0.3 else 0.0)
        k += 1
    return out


def frontage(right: Kerb, left: Kerb, rows: bool = True) -> list[Prop]:
    """Along a road between two kerbs of one length: street lights every LIGHT_SPACING (the first
    LIGHT_SPACING/2 in, sides alternating from the right), trees every TREE_SPACING in both verges and
    (``rows``) a row of buildings behind each."""
    ts = stations(right.length, LIGHT_SPACING, LIGHT_SPACING / 2)
    out = street_lights(right, ts[0::2]) + street_lights(left, ts[1::2])
    for kerb in (right, left):
        out += trees(kerb, stations(kerb.length, TREE_SPACING, TREE_SPACING / 2))
        if rows:
            out += buildings(kerb.at(0.0, kerb.sidewalk + SETBACK), kerb.direction, kerb.outward, kerb.length,
                             BUILDING_DEPTH[1], kerb.key)
    return out


def block(bounds: tuple[float, float, float, float], streets: dict[str, bool], kerb: float, key: str) -> list[Prop]:
    """Rows of buildings round a block: ``bounds`` (x0, y0, x1, y1) [m] between street centre lines (or the
    town's edge), ``streets`` telling which sides ("s", "n", "w", "e") face a street whose kerb lies
    ``kerb`` [m] from its centre line; a row stands along each such side, behind its sidewalk and verge. The
    north and south rows run the block's whole width, the west and east rows between them."""
    back = kerb + SETBACK
    x0, y0, x1, y1 = bounds
    x0, y0 = x0 + (back if streets["w"] else 0.0), y0 + (back if streets["s"] else 0.0)
    x1, y1 = x1 - (back if streets["e"] else 0.0), y1 - (back if streets["n"] else 0.0)
    if min(x1 - x0, y1 - y0) < 2 * BUILDING_DEPTH[0]:
        return []
    depth = min(BUILDING_DEPTH[1], (x1 - x0) / 2, (y1 - y0) / 2)
    ya, yb = y0 + (depth if streets["s"] else 0.0), y1 - (depth if streets["n"] else 0.0)
    rows = {"s": ((x0, y0), (1, 0), (0, 1), x1 - x0), "n": ((x1, y1), (-1, 0), (0, -1), x1 - x0),
            "w": ((x0, yb), (0, -1), (1, 0), yb - ya), "e": ((x1, ya), (0, 1), (-1, 0), yb - ya)}
    out = []
    for side, (start, direction, outward, length) in rows.items():
        if streets[side]:
            out += buildings(np.array(start, dtype=float), np.array(direction, dtype=float),
                             np.array(outward, dtype=float), length, depth, f"{key}/{side}")
    return out
