"""Polyline geometry: arc length, resampling and Frenet projection. Pure numpy, metres."""
from __future__ import annotations

import numpy as np


def arc_length(points: np.ndarray) -> np.ndarray:
    """Cumulative arc length (P,) [m] of a polyline (P, 2) [m], starting at 0."""
    seg = np.linalg.norm(np.diff(points, axis=0), axis=1)
    return np.concatenate(([0.0], np.cumsum(seg)))


def point_at(points: np.ndarray, cum_s: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position (K, 2) [m] and heading (K,) [rad] at arc lengths s (K,) [m], clamped to the polyline."""
    s = np.clip(np.asarray(s, dtype=np.float64), 0.0, cum_s[-1])
    i = np.clip(np.searchsorted(cum_s, s, side="right") - 1, 0, len(cum_s) - 2)
    seg = points[i + 1] - points[i]
    seg_len = cum_s[i + 1] - cum_s[i]
    frac = np.divide(s - cum_s[i], seg_len, out=np.zeros_like(s), where=seg_len > 0)
    return points[i] + seg * frac[:, None], np.arctan2(seg[:, 1], seg[:, 0])


def offset_polyline(points: np.ndarray, d: float) -> np.ndarray:
    """The polyline (P, 2) shifted by d [m] to its left (negative d: right), per-vertex normals."""
    tangent = np.gradient(points, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
    return points + d * normal


def dash_intervals(length: float, dash: float, gap: float) -> np.ndarray:
    """Arc-length intervals (K, 2) [m] of a dashed line along [0, length]; gap 0 gives one solid interval."""
    if gap <= 0:
        return np.array([[0.0, length]])
    starts = np.arange(0.0, length, dash + gap)
    return np.stack([starts, np.minimum(starts + dash, length)], axis=1)
