"""Building blocks for generators: lanes and markings offset from a reference line, and connector lanes.

Offsets d are measured to the left of the reference line's direction [m]. A lane that drives against
the reference direction (``reverse=True``, the oncoming side of a two-way road) has its centre line,
arc length and normals reversed, so every lane's own frame points along its direction of travel.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from scenariosim.roads.geometry import arc_length, normals_from_heading
from scenariosim.roads.network import Lane, Marking, MarkingStyle
from scenariosim.roads.reference import Reference


@dataclass(frozen=True, slots=True)
class Sampled:
    """A reference line sampled at stations: s (P,), xy (P, 2), heading (P,), normals (P, 2), z (P,)."""

    s: np.ndarray
    xy: np.ndarray
    heading: np.ndarray
    normals: np.ndarray
    z: np.ndarray

    @classmethod
    def of(cls, reference: Reference, max_step: float = 2.0, max_turn: float = 0.02) -> Sampled:
        s = reference.stations(max_step, max_turn)
        xy, heading, _ = reference.pose(s)
        return cls(s, xy, heading, normals_from_heading(heading), reference.z(s))

    def offset(self, d: float | np.ndarray) -> np.ndarray:
        """The polyline (P, 2) at offset d [m] (scalar, or (P,) per station) to the left."""
        return self.xy + np.asarray(d, dtype=np.float64).reshape(-1, 1) * self.normals


def lane_along(sampled: Sampled, road: str, number: int, d: float | np.ndarray, width: float | np.ndarray, *,
               reverse: bool = False, arm: str | None = None, kind: str = "driving") -> Lane:
    """A lane whose centre is at offset ``d`` (scalar or per station) with ``width`` (scalar or per station)."""
    centre = sampled.offset(d)
    normals, z = sampled.normals, sampled.z
    widths = np.broadcast_to(np.asarray(width, dtype=np.float64), sampled.s.shape).copy()
    if reverse:
        centre, normals, z, widths = centre[::-1].copy(), -normals[::-1], z[::-1].copy(), widths[::-1].copy()
    return Lane(road=road, number=number, centre=centre, cum_s=arc_length(centre), width=float(widths.max()),
                normals=normals, z=z, widths=None if np.all(widths == widths[0]) else widths, arm=arm,
                kind=kind)


def marking_along(sampled: Sampled, d: float | np.ndarray, style: MarkingStyle) -> Marking:
    return Marking(line=sampled.offset(d), style=style, z=sampled.z.copy())


def band(sampled: Sampled, d_right: float | np.ndarray, d_left: float | np.ndarray) -> shapely.Polygon:
    """The area between two offsets (a carriageway, a sidewalk)."""
    right, left = sampled.offset(d_right), sampled.offset(d_left)
    return shapely.Polygon(np.concatenate([right, left[::-1]])).buffer(0)


def connector(road: str, start: Lane, end: Lane, *, step: float = 0.5, arm: str | None = None,
              width: float | None = None) -> Lane:
    """A lane from the end of ``start`` to the beginning of ``end``: a cubic Hermite curve that leaves
    along start's final heading and arrives along end's first heading (ends join exactly, headings are
    continuous); tangent lengths are the chord length (a near-circular arc for turns up to 90°)."""
    p0, p1 = start.centre[-1], end.centre[0]
    t0 = _unit_tangent(start, last=True)
    t1 = _unit_tangent(end, last=False)
    chord = float(np.linalg.norm(p1 - p0))
    turn = float(np.arccos(np.clip(np.dot(t0, t1), -1.0, 1.0)))
    n = max(8, int(np.ceil(chord / step)) * 2, int(np.ceil(turn / 0.01)))   # ≤ ~0.01 rad per segment
    u = np.linspace(0.0, 1.0, n + 1)[:, None]
    h00, h10, h01, h11 = 2 * u**3 - 3 * u**2 + 1, u**3 - 2 * u**2 + u, -2 * u**3 + 3 * u**2, u**3 - u**2
    centre = h00 * p0 + h10 * chord * t0 + h01 * p1 + h11 * chord * t1
    dh = (6 * u**2 - 6 * u) * p0 + (3 * u**2 - 4 * u + 1) * chord * t0 + (-6 * u**2 + 6 * u) * p1 \
        + (3 * u**2 - 2 * u) * chord * t1
    heading = np.arctan2(dh[:, 1], dh[:, 0])
    z = np.linspace(start.elevation_at(np.array([start.length]))[0], end.elevation_at(np.array([0.0]))[0], n + 1)
    w = width if width is not None else min(start.width, end.width)
    return Lane(road=road, number=0, centre=centre, cum_s=arc_length(centre), width=w,
                normals=normals_from_heading(heading), z=z, arm=arm, kind="connector")


def _unit_tangent(lane: Lane, last: bool) -> np.ndarray:
    """The lane's direction of travel at its end (last) or start, from its frame normal (exact heading)."""
    n = lane.frame_normals()[-1 if last else 0]
    t = np.array([n[1], -n[0]])
    return t / np.linalg.norm(t)
