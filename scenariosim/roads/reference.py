"""Reference lines: a start pose and a chain of lines, circular arcs and clothoids, with a grade.

A segment's curvature is linear in arc length s: κ(s) = κ0 + (κ1 − κ0)·s / L (a line has κ0 = κ1 = 0,
an arc κ0 = κ1 ≠ 0, a clothoid κ0 ≠ κ1). Heading is the integral of curvature and position the
integral of (cos θ, sin θ). Lines and arcs are evaluated in closed form; clothoids by composite
Gauss–Legendre quadrature of the heading polynomial (16 nodes per ≤ 5 m piece: error far below
1 µm for any road-scale clothoid), which tests check against scipy.special.fresnel.

Units: metres, radians, 1/m; headings counter-clockwise from +x. Elevation is z(s) = z0 + grade·s.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(16)
#: longest piece integrated with one Gauss–Legendre rule [m]
_PIECE = 5.0


@dataclass(frozen=True, slots=True)
class Segment:
    """One piece of a reference line: ``length`` [m], curvature from ``k0`` to ``k1`` [1/m], linearly."""

    length: float
    k0: float = 0.0
    k1: float = 0.0

    def heading(self, s: np.ndarray) -> np.ndarray:
        """Heading change (K,) [rad] from the segment start at arc lengths s (K,) [m]."""
        c = (self.k1 - self.k0) / self.length
        return self.k0 * s + 0.5 * c * s * s

    def offset(self, s: np.ndarray) -> np.ndarray:
        """Position (K, 2) [m] relative to the start, in a frame whose +x is the start heading."""
        s = np.asarray(s, dtype=np.float64)
        if self.k0 == self.k1 == 0.0:
            return np.stack([s, np.zeros_like(s)], axis=1)
        if self.k0 == self.k1:
            k = self.k0
            return np.stack([np.sin(k * s) / k, (1.0 - np.cos(k * s)) / k], axis=1)
        return np.stack([_integrate(self, s, np.cos), _integrate(self, s, np.sin)], axis=1)


def _integrate(seg: Segment, s: np.ndarray, f) -> np.ndarray:
    """∫₀ˢ f(θ(u)) du for each s, by composite Gauss–Legendre over pieces of at most _PIECE metres."""
    out = np.empty(s.shape)
    for i, end in enumerate(s.ravel()):
        pieces = max(1, int(np.ceil(abs(end) / _PIECE)))
        edges = np.linspace(0.0, end, pieces + 1)
        half, mid = 0.5 * np.diff(edges), 0.5 * (edges[1:] + edges[:-1])
        u = mid[:, None] + half[:, None] * _NODES[None, :]
        out.flat[i] = float(np.sum(half[:, None] * _WEIGHTS[None, :] * f(seg.heading(u))))
    return out


def line(length: float) -> Segment:
    return Segment(length)


def arc(length: float, curvature: float) -> Segment:
    """A circular arc; curvature > 0 turns left (radius 1/|curvature|)."""
    return Segment(length, curvature, curvature)


def clothoid(length: float, k0: float, k1: float) -> Segment:
    """An Euler spiral whose curvature goes linearly from k0 to k1."""
    return Segment(length, k0, k1)


@dataclass(frozen=True, slots=True)
class Reference:
    """A chain of segments from a start pose; z(s) = z0 + grade·s."""

    segments: tuple[Segment, ...]
    x0: float = 0.0
    y0: float = 0.0
    heading0: float = 0.0
    z0: float = 0.0
    grade: float = 0.0
    _starts: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        poses = [(self.x0, self.y0, self.heading0)]
        for seg in self.segments:
            x, y, h = poses[-1]
            d = seg.offset(np.array([seg.length]))[0]
            c, s_ = np.cos(h), np.sin(h)
            poses.append((x + c * d[0] - s_ * d[1], y + s_ * d[0] + c * d[1],
                          h + float(seg.heading(np.array([seg.length]))[0])))
        object.__setattr__(self, "_starts", tuple(poses))

    @property
    def length(self) -> float:
        return float(sum(seg.length for seg in self.segments))

    @property
    def end_pose(self) -> tuple[float, float, float]:
        """(x, y, heading) at the end."""
        return self._starts[-1]

    def breakpoints(self) -> np.ndarray:
        """Arc lengths (S + 1,) [m] where segments start, and the end."""
        return np.concatenate(([0.0], np.cumsum([seg.length for seg in self.segments])))

    def pose(self, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Position (K, 2) [m], heading (K,) [rad] and curvature (K,) [1/m] at arc lengths s (K,) [m]."""
        s = np.clip(np.asarray(s, dtype=np.float64), 0.0, self.length)
        edges = self.breakpoints()
        index = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, len(self.segments) - 1)
        xy, heading, curvature = np.empty((len(s), 2)), np.empty(len(s)), np.empty(len(s))
        for i, seg in enumerate(self.segments):
            mask = index == i
            if not mask.any():
                continue
            u = s[mask] - edges[i]
            x, y, h = self._starts[i]
            d = seg.offset(u)
            c, sn = np.cos(h), np.sin(h)
            xy[mask] = np.stack([x + c * d[:, 0] - sn * d[:, 1], y + sn * d[:, 0] + c * d[:, 1]], axis=1)
            heading[mask] = h + seg.heading(u)
            curvature[mask] = seg.k0 + (seg.k1 - seg.k0) * u / seg.length
        return xy, heading, curvature

    def z(self, s: np.ndarray) -> np.ndarray:
        return self.z0 + self.grade * np.asarray(s, dtype=np.float64)

    def stations(self, max_step: float = 2.0, max_turn: float = 0.02, line_step: float = 50.0) -> np.ndarray:
        """Arc lengths (P,) [m] to sample at: every breakpoint; on curves steps of at most ``max_step`` [m]
        and ``max_turn`` [rad] of heading change, on flat straight lines of at most ``line_step`` [m] (fewer
        vertices for the kernels to search; a line is exact between any two of its points)."""
        edges = self.breakpoints()
        out = [np.array([0.0])]
        for seg, start in zip(self.segments, edges[:-1]):
            k = max(abs(seg.k0), abs(seg.k1))
            flat_line = k == 0 and self.grade == 0           # graded: the terrain follows lane vertices
            step = min(max_step, max_turn / k) if k > 0 else max(max_step, line_step) if flat_line else max_step
            n = max(1, int(np.ceil(seg.length / step)))
            out.append(start + np.linspace(0.0, seg.length, n + 1)[1:])
        return np.concatenate(out)
