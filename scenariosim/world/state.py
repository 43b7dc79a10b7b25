"""World state as NamedTuples of numpy arrays: exactly what the Numba kernels step.

Every array of ``Vehicles`` has shape (N,), fixed for an episode. Names, kinds and other
data the kernels never see live in ``WorldInfo`` beside it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np


class Vehicles(NamedTuple):
    """Agent state and parameters; all (N,) float64 unless noted."""

    x: np.ndarray            # [m] centre of the box footprint
    y: np.ndarray            # [m]
    heading: np.ndarray      # [rad] 0 along +x, counter-clockwise
    speed: np.ndarray        # [m/s]
    steer: np.ndarray        # [rad] front-wheel angle
    accel: np.ndarray        # [m/s²] last commanded acceleration
    lane: np.ndarray         # (N,) int64 index into LaneTable, the lane the agent follows
    s: np.ndarray            # [m] arc length of the agent's projection on its lane
    length: np.ndarray       # [m] box length
    width: np.ndarray        # [m] box width
    height: np.ndarray       # [m] box height
    wheelbase: np.ndarray    # [m]
    v0: np.ndarray           # [m/s] IDM desired speed
    time_gap: np.ndarray     # [s] IDM safe time headway T
    min_gap: np.ndarray      # [m] IDM jam distance s0
    max_accel: np.ndarray    # [m/s²] IDM maximum acceleration a
    comfort_decel: np.ndarray  # [m/s²] IDM comfortable deceleration b (positive)
    max_steer: np.ndarray    # [rad] steering limit


class LaneTable(NamedTuple):
    """All lane centre lines concatenated; lane i owns points[start[i]:start[i + 1]]."""

    points: np.ndarray       # (P, 2) float64 [m]
    cum_s: np.ndarray        # (P,) float64 [m] arc length within its own lane
    start: np.ndarray        # (L + 1,) int64 offsets into points
    width: np.ndarray        # (L,) float64 [m]
    z: np.ndarray            # (P,) float64 [m] elevation of each point (0 on flat roads)


class World(NamedTuple):
    vehicles: Vehicles
    lanes: LaneTable


@dataclass(frozen=True, slots=True)
class WorldInfo:
    """What the kernels never see: per-agent names and kinds, in agent order."""

    names: tuple[str, ...]
    kinds: tuple[str, ...]
    class_ids: np.ndarray    # (N,) uint8 semantic class id (Cityscapes ids)
    colors: np.ndarray       # (N, 3) float32 body colour, linear RGB in [0, 1]
