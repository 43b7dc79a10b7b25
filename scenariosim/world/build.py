"""The ONLY bridge from spec to arrays: ScenarioSpec + RoadNetwork → World + WorldInfo."""
from __future__ import annotations

import numpy as np

from scenariosim.roads.network import RoadNetwork
from scenariosim.errors import ScenarioValidationError
from scenariosim.spec.catalogue import ACTOR_KINDS, COLORS
from scenariosim.spec.scenario import ScenarioSpec
from scenariosim.taxonomy import KIND_CLASS
from scenariosim.world.state import LaneTable, Vehicles, World, WorldInfo

#: IDM and steering defaults per kind: (time_gap s, min_gap m, max_accel m/s², comfort_decel m/s²,
#: max_steer rad, wheelbase as a fraction of length). Values after Treiber & Kesting, "Traffic Flow
#: Dynamics" (2013), table 11.2 (car: T 1.5 s … we use 1.5, s0 2 m, a 1.0, b 1.5; truck a 0.7, b 1.0).
KIND_DYNAMICS = {
    "car": (1.5, 2.0, 1.0, 1.5, 0.6, 0.6),
    "suv": (1.5, 2.0, 1.0, 1.5, 0.6, 0.6),
    "van": (1.6, 2.5, 0.9, 1.3, 0.55, 0.6),
    "truck": (1.7, 3.0, 0.7, 1.0, 0.5, 0.55),
    "bus": (1.7, 3.0, 0.7, 1.0, 0.5, 0.5),
    "motorcycle": (1.2, 2.0, 2.0, 2.0, 0.6, 0.65),
    "bicycle": (1.0, 1.0, 1.0, 1.5, 0.6, 0.6),
    "pedestrian": (1.0, 0.5, 0.5, 1.0, 0.6, 0.5),
    "cone": (1.0, 0.0, 0.0, 1.0, 0.0, 0.5),       # static objects: never accelerate
    "barrier": (1.0, 0.0, 0.0, 1.0, 0.0, 0.5),
    "debris": (1.0, 0.0, 0.0, 1.0, 0.0, 0.5),
}

#: body colours (linear RGB) drawn in turn per actor; deterministic by agent index
PALETTE = np.array([
    [0.60, 0.05, 0.04], [0.05, 0.12, 0.40], [0.75, 0.75, 0.75], [0.05, 0.05, 0.05],
    [0.85, 0.85, 0.80], [0.20, 0.30, 0.20], [0.50, 0.40, 0.10], [0.30, 0.30, 0.35],
], dtype=np.float32)


def lane_table(network: RoadNetwork) -> LaneTable:
    """Concatenate every lane's centre line into the flat arrays the kernels index."""
    lengths = [len(lane.centre) for lane in network.lanes]
    start = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    points = np.concatenate([lane.centre for lane in network.lanes]).astype(np.float64)
    cum_s = np.concatenate([lane.cum_s for lane in network.lanes]).astype(np.float64)
    width = np.array([lane.width for lane in network.lanes], dtype=np.float64)
    z = np.concatenate([lane.elevation_at(lane.cum_s) for lane in network.lanes]).astype(np.float64)
    return LaneTable(points=points, cum_s=cum_s, start=start, width=width, z=z)


def build_world(spec: ScenarioSpec, network: RoadNetwork) -> tuple[World, WorldInfo]:
    """Place every actor of a concrete spec on its lane; returns the initial world and its info."""
    n = len(spec.actors)
    f = np.zeros(n, dtype=np.float64)
    x, y, heading = f.copy(), f.copy(), f.copy()
    lane = np.zeros(n, dtype=np.int64)
    s_lane = np.zeros(n, dtype=np.float64)           # [m] along the lane each actor ends up on
    dims = np.array([a.size or ACTOR_KINDS[a.kind].size for a in spec.actors], dtype=np.float64).reshape(n, 3)
    dyn = np.array([KIND_DYNAMICS[a.kind] for a in spec.actors], dtype=np.float64).reshape(n, 6)
    for i, actor in enumerate(spec.actors):
        if actor.area != "lane":
            raise ScenarioValidationError(f"actor '{actor.name}': placement on a {actor.area} is not built yet")
        lane[i], s_lane[i] = network.advance(network.lane_index(actor.road, actor.lane, actor.arm), actor.s)
        if s_lane[i] > network.lanes[lane[i]].length + 1e-9:
            where = f"lane {actor.lane}" + (f" of arm '{actor.arm}'" if actor.arm else "")
            raise ScenarioValidationError(f"actor '{actor.name}': s = {actor.s:g} m runs past the end of {where} of "
                                          f"road '{actor.road}'", field=f"actors[{i}].s")
        x[i], y[i], _, heading[i] = network.pose(lane[i], s_lane[i], actor.d)
    speed = np.array([a.speed for a in spec.actors], dtype=np.float64)
    vehicles = Vehicles(
        x=x, y=y, heading=heading, speed=speed, steer=f.copy(), accel=f.copy(), lane=lane,
        s=s_lane,
        length=dims[:, 0].copy(), width=dims[:, 1].copy(), height=dims[:, 2].copy(),
        wheelbase=dims[:, 0] * dyn[:, 5],
        v0=speed.copy(), time_gap=dyn[:, 0].copy(), min_gap=dyn[:, 1].copy(),
        max_accel=dyn[:, 2].copy(), comfort_decel=dyn[:, 3].copy(), max_steer=dyn[:, 4].copy(),
    )
    info = WorldInfo(
        names=tuple(a.name for a in spec.actors), kinds=tuple(a.kind for a in spec.actors),
        class_ids=np.array([KIND_CLASS[a.kind] for a in spec.actors], dtype=np.uint8),
        colors=np.array([COLORS[a.color] if a.color else PALETTE[i % len(PALETTE)]
                         for i, a in enumerate(spec.actors)], dtype=np.float32).reshape(n, 3),
    )
    return World(vehicles=vehicles, lanes=lane_table(network)), info
