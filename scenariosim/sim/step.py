"""Public wrappers around the kernels: check dtypes and shapes, then call one kernel."""
from __future__ import annotations

import numpy as np

from scenariosim.sim.kernels import simulate_vehicles, step_vehicles
from scenariosim.world.state import LaneTable, Vehicles, World


def _check(world: World) -> None:
    v, lanes = world.vehicles, world.lanes
    n = v.x.shape[0]
    for name, arr in zip(Vehicles._fields, v):
        want = np.int64 if name == "lane" else np.float64
        if arr.dtype != want or arr.shape != (n,) or not arr.flags.c_contiguous:
            raise TypeError(f"Vehicles.{name} must be a contiguous ({n},) {want.__name__} array, "
                            f"got {arr.shape} {arr.dtype}")
    if lanes.points.ndim != 2 or lanes.points.shape[1] != 2 or lanes.start.dtype != np.int64:
        raise TypeError("LaneTable must hold (P, 2) float64 points and int64 offsets")
    if n and (v.lane.min() < 0 or v.lane.max() >= len(lanes.start) - 1):
        raise ValueError("Vehicles.lane holds an index outside the lane table")


def step(world: World, dt: float) -> World:
    """Advance the world by dt [s] in place and return it."""
    _check(world)
    step_vehicles(world.vehicles, world.lanes, float(dt))
    return world


def simulate(world: World, dt: float, steps: int) -> World:
    """Advance the world by ``steps`` steps of dt [s] in place and return it."""
    _check(world)
    simulate_vehicles(world.vehicles, world.lanes, float(dt), int(steps))
    return world
