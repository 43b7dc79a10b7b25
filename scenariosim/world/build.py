"""The ONLY bridge from spec to arrays: ScenarioSpec + RoadNetwork → World + WorldInfo."""
from __future__ import annotations

import functools
import math

import numpy as np

from scenariosim.errors import ScenarioValidationError
from scenariosim.roads.network import RoadNetwork
from scenariosim.spec.behavior import BehaviorStep
from scenariosim.spec.catalogue import ACTOR_KINDS, COLORS
from scenariosim.spec.scenario import ScenarioSpec
from scenariosim.taxonomy import KIND_CLASS
from scenariosim.world.junctions import conflict_table, signal_plan
from scenariosim.world.program import ProgramBuilder
from scenariosim.world.state import (
    LEFT, ON_LANE, RIGHT, STATIC, STRAIGHT, WALKING, Behaviour, Clock, Drive, Events, Junctions, LaneTable, PathTable,
    Vehicles, World, WorldInfo,
)
from scenariosim.world.walkways import walk_path

#: IDM and steering defaults per kind: (time_gap s, min_gap m, max_accel m/s², comfort_decel m/s²,
#: max_steer rad, wheelbase as a fraction of length, mass kg). IDM values after Treiber & Kesting, "Traffic
#: Flow Dynamics" (2013), table 11.2 (car: T 1.5 s, s0 2 m, a 1.0, b 1.5; truck a 0.7, b 1.0); masses typical
#: kerb weights.
KIND_DYNAMICS = {
    "car": (1.5, 2.0, 1.0, 1.5, 0.6, 0.6, 1500.0),
    "suv": (1.5, 2.0, 1.0, 1.5, 0.6, 0.6, 2100.0),
    "van": (1.6, 2.5, 0.9, 1.3, 0.55, 0.6, 2500.0),
    "truck": (1.7, 3.0, 0.7, 1.0, 0.5, 0.55, 12000.0),
    "bus": (1.7, 3.0, 0.7, 1.0, 0.5, 0.5, 12000.0),
    "motorcycle": (1.2, 2.0, 2.0, 2.0, 0.6, 0.65, 250.0),
    "bicycle": (1.0, 1.0, 1.0, 1.5, 0.6, 0.6, 90.0),
    "pedestrian": (1.0, 0.5, 0.5, 1.0, 0.6, 0.5, 75.0),
    "cone": (1.0, 0.0, 0.0, 1.0, 0.0, 0.5, 5.0),       # static objects: never accelerate
    "barrier": (1.0, 0.0, 0.0, 1.0, 0.0, 0.5, 100.0),
    "debris": (1.0, 0.0, 0.0, 1.0, 0.0, 0.5, 20.0),
}
STATIC_KINDS = ("cone", "barrier", "debris")

#: MOBIL politeness p (Kesting, Treiber & Helbing 2007 use 0 … 1; 0.5 is their European example)
POLITENESS = 0.5
#: front-axle cornering stiffness per kilogram of vehicle mass [N/rad/kg]: about 80 kN/rad for a 1.5 t car
#: (passenger-car tyres give 40–100 kN/rad per axle; Rajamani 2012, §2.3)
CORNERING_PER_KG = 55.0
#: tyre–road friction μ: dry asphalt about 0.9, wet 0.5, packed snow 0.3 (typical values, e.g. Wong, "Theory
#: of Ground Vehicles", table 1.1); wetness 0 … 1 interpolates dry to wet
FRICTION_DRY, FRICTION_WET, FRICTION_SNOW = 0.9, 0.5, 0.3
MAX_EVENTS = 256            # events kept per variant (more are counted)
MAX_CONTACTS = 256          # pairs of agents in contact tracked at once
TURN_ANGLE = math.radians(45.0)     # a connector that turns more than this is a left or right turn (as in junctions)

#: body colours (linear RGB) drawn in turn per actor; deterministic by agent index
PALETTE = np.array([
    [0.60, 0.05, 0.04], [0.05, 0.12, 0.40], [0.75, 0.75, 0.75], [0.05, 0.05, 0.05],
    [0.85, 0.85, 0.80], [0.20, 0.30, 0.20], [0.50, 0.40, 0.10], [0.30, 0.30, 0.35],
], dtype=np.float32)


def friction(spec: ScenarioSpec) -> float:
    """Tyre–road friction coefficient μ from the environment's wetness and snowfall."""
    env = spec.environment
    mu = FRICTION_DRY + (FRICTION_WET - FRICTION_DRY) * float(env.wetness)
    return min(mu, FRICTION_SNOW) if float(env.snow) > 0.0 else mu


def _successors(network: RoadNetwork, i: int) -> tuple[int, int, int]:
    """Successor of lane i for STRAIGHT, LEFT and RIGHT: a lane that is no connector goes straight on (a ring,
    a ramp's continuation); connectors are classed by how far they turn; a missing turn falls back to
    straight on, straight on to the least turning connector."""
    lane = network.lanes[i]
    if not lane.successors:
        return -1, -1, -1
    end = float(lane.heading_at(lane.length)[0])
    turns = {}
    for j in lane.successors:
        nxt = network.lanes[j]
        if nxt.kind != "connector":
            turns.setdefault(STRAIGHT, (0.0, j))
            continue
        turn = (float(nxt.heading_at(nxt.length)[0]) - end + math.pi) % (2 * math.pi) - math.pi
        kind = LEFT if turn > TURN_ANGLE else RIGHT if turn < -TURN_ANGLE else STRAIGHT
        if kind not in turns or abs(turn) < turns[kind][0]:
            turns[kind] = (abs(turn), j)
    straight = turns[STRAIGHT][1] if STRAIGHT in turns else min(turns.values())[1]
    return straight, turns.get(LEFT, (0, straight))[1], turns.get(RIGHT, (0, straight))[1]


def _abreast(network: RoadNetwork, i: int, other: int) -> np.ndarray:
    """(P,) arc length on lane ``other`` abreast of each point of lane i; nan where none, or no lane."""
    lane = network.lanes[i]
    if other < 0:
        return np.full(len(lane.cum_s), np.nan)
    nb = network.lanes[other]
    if len(nb.centre) == len(lane.centre):          # built on the same stations: vertex k faces vertex k
        offset = nb.centre - lane.centre
        along = np.einsum("ij,ij->i", offset, np.gradient(lane.centre, axis=0))
        if np.all(np.abs(along) < 1e-6 * np.maximum(1.0, np.hypot(*offset.T))):
            return nb.cum_s.astype(np.float64).copy()
    s, _ = nb.project(lane.centre)
    return np.where((s >= 0.0) & (s <= network.lanes[other].length), s, np.nan)


def _room(network: RoadNetwork, i: int) -> tuple[float, float]:
    """[m] from lane i's centre line to the road's edge on its left and right: its half width plus the lanes
    beside it in its direction, plus, on the left of a two-way road, the oncoming lanes of its road and arm."""
    lanes = network.lanes
    lane = lanes[i]
    left = right = lane.width / 2
    j = lane.left
    while j >= 0:
        left += lanes[j].width
        j = lanes[j].left
    j = lane.right
    while j >= 0:
        right += lanes[j].width
        j = lanes[j].right
    if lane.number != 0:
        left += sum(o.width for o in lanes if o.road == lane.road and o.arm == lane.arm and o.kind != "connector"
                    and o.number * lane.number < 0)
    return left, right


def _tangents(centre: np.ndarray) -> np.ndarray:
    """(P, 2) unit direction of each segment of a centre line (P, 2); the last row repeats the one before."""
    e = np.diff(np.asarray(centre, dtype=np.float64), axis=0)
    e = e / np.maximum(np.hypot(e[:, 0], e[:, 1]), 1e-12)[:, None]
    return np.concatenate([e, e[-1:]])


def lane_table(network: RoadNetwork) -> LaneTable:
    """Concatenate every lane's centre line, neighbours and successors into the flat arrays the kernels index."""
    lanes = network.lanes
    lengths = [len(lane.centre) for lane in lanes]
    start = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    plan = signal_plan(network)
    rooms = np.array([_room(network, i) for i in range(len(lanes))]).reshape(-1, 2)
    tangent = np.concatenate([_tangents(lane.centre) for lane in lanes])
    return LaneTable(
        points=np.concatenate([lane.centre for lane in lanes]).astype(np.float64),
        cum_s=np.concatenate([lane.cum_s for lane in lanes]).astype(np.float64),
        start=start,
        tangent=tangent,
        heading=np.array([math.atan2(uy, ux) for ux, uy in tangent.tolist()], dtype=np.float64),   # libm, as the kernels
        width=np.array([lane.width for lane in lanes], dtype=np.float64),
        z=np.concatenate([lane.elevation_at(lane.cum_s) for lane in lanes]).astype(np.float64),
        room_left=np.repeat(rooms[:, 0], lengths),
        room_right=np.repeat(rooms[:, 1], lengths),
        left=np.array([lane.left for lane in lanes], dtype=np.int64),
        right=np.array([lane.right for lane in lanes], dtype=np.int64),
        left_s=np.concatenate([_abreast(network, i, lane.left) for i, lane in enumerate(lanes)]),
        right_s=np.concatenate([_abreast(network, i, lane.right) for i, lane in enumerate(lanes)]),
        next=np.array([_successors(network, i) for i in range(len(lanes))], dtype=np.int64).reshape(-1, 3),
        signal=np.asarray(plan.lane_group, dtype=np.int64),
        stop_line=np.asarray(plan.stop_s, dtype=np.float64),
        connector=np.array([lane.kind == "connector" for lane in lanes], dtype=np.int64),
    )


def junctions(network: RoadNetwork) -> Junctions:
    """Signal timings and the conflicts where a lane yields, sorted by the yielding lane."""
    plan = signal_plan(network)
    table = conflict_table(network, plan)
    a_yields = np.asarray(table.a_yields, dtype=bool)
    la = np.where(a_yields, table.lane_a, table.lane_b).astype(np.int64)
    lb = np.where(a_yields, table.lane_b, table.lane_a).astype(np.int64)
    sa = np.where(a_yields, table.s_a, table.s_b).astype(np.float64)
    sb = np.where(a_yields, table.s_b, table.s_a).astype(np.float64)
    order = np.argsort(la, kind="stable")
    first = np.searchsorted(la[order], np.arange(len(network.lanes) + 1)).astype(np.int64)
    f = lambda x: np.asarray(x, dtype=np.float64)            # noqa: E731
    return Junctions(offset=f(plan.offset), green=f(plan.green), yellow=f(plan.yellow), cycle=f(plan.cycle),
                     first=first, lane_a=la[order], s_a=sa[order], lane_b=lb[order], s_b=sb[order])


@functools.lru_cache(maxsize=4)
def _network_tables(network: RoadNetwork) -> tuple[LaneTable, Junctions]:
    """lane_table and junctions of a network, computed once per network (a sweep builds thousands of
    worlds on one); build_world hands each world copies, so no two worlds share an array."""
    return lane_table(network), junctions(network)


class _Paths:
    """Collects walk and drive paths into a PathTable."""

    def __init__(self) -> None:
        self.lines: list[np.ndarray] = []

    def add(self, points: np.ndarray) -> int:
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        if len(pts) == 1:
            pts = np.concatenate([pts, pts + [1e-3, 0.0]])       # nothing to walk: a stub the walker finishes at once
        self.lines.append(pts)
        return len(self.lines) - 1

    def table(self) -> PathTable:
        if not self.lines:
            return PathTable(points=np.zeros((0, 2)), cum_s=np.zeros(0), start=np.zeros(1, dtype=np.int64))
        cum = [np.concatenate(([0.0], np.cumsum(np.hypot(*np.diff(p, axis=0).T)))) for p in self.lines]
        return PathTable(points=np.concatenate(self.lines), cum_s=np.concatenate(cum),
                         start=np.concatenate(([0], np.cumsum([len(p) for p in self.lines]))).astype(np.int64))


def build_world(spec: ScenarioSpec, network: RoadNetwork) -> tuple[World, WorldInfo]:
    """Place every actor of a concrete spec and compile its behaviour; returns the initial world and its info."""
    n = len(spec.actors)
    f = np.zeros(n, dtype=np.float64)
    x, y, heading = f.copy(), f.copy(), f.copy()
    lane = np.full(n, -1, dtype=np.int64)
    s_lane, d_lane = f.copy(), f.copy()
    mode = np.full(n, ON_LANE, dtype=np.int64)
    path = np.full(n, -1, dtype=np.int64)
    dims = np.array([a.size or ACTOR_KINDS[a.kind].size for a in spec.actors], dtype=np.float64).reshape(n, 3)
    dyn = np.array([KIND_DYNAMICS[a.kind] for a in spec.actors], dtype=np.float64).reshape(n, 7)
    paths = _Paths()
    names = {a.name: i for i, a in enumerate(spec.actors)}
    program = ProgramBuilder(names.__getitem__)
    for i, actor in enumerate(spec.actors):
        where = f"lane {actor.lane}" + (f" of arm '{actor.arm}'" if actor.arm else "")
        if actor.area == "lane":
            lane[i], s_lane[i] = network.advance(network.lane_index(actor.road, actor.lane, actor.arm), actor.s)
            if s_lane[i] > network.lanes[lane[i]].length + 1e-9:
                raise ScenarioValidationError(f"actor '{actor.name}': s = {actor.s:g} m runs past the end of {where} "
                                              f"of road '{actor.road}'", field=f"actors[{i}].s")
            d_lane[i] = actor.d                         # placed after the loop, all lanes at once
            if actor.kind in STATIC_KINDS:
                mode[i] = STATIC
        else:
            try:
                x[i], y[i], _, heading[i] = network.place(actor.road, area=actor.area, side=actor.side,
                                                          crosswalk=actor.crosswalk, s=actor.s, d=actor.d)
                walk = walk_path(network, actor.road, actor.area, actor.side, actor.crosswalk, actor.s, actor.d)
            except (KeyError, StopIteration, ValueError) as e:
                raise ScenarioValidationError(f"actor '{actor.name}': cannot place it on the {actor.area} of road "
                                              f"'{actor.road}' ({e or 'there is none'})", field=f"actors[{i}].at") from None
            mode[i] = STATIC if actor.kind in STATIC_KINDS else WALKING
            path[i] = paths.add(walk)
            if len(walk) > 1:                            # face along the path
                heading[i] = math.atan2(walk[1, 1] - walk[0, 1], walk[1, 0] - walk[0, 0])

        def path_of(step: BehaviorStep, i: int = i, actor=actor) -> int:
            if step.action.name == "walk_across":
                side = step.action.arg("side", "left")
                return paths.add(walk_path(network, actor.road, actor.area, actor.side, actor.crosswalk, actor.s,
                                           actor.d, across=side, lane=actor.lane, arm=actor.arm))
            points = [(float(px.value), float(py.value)) for px, py in step.action.arg("points")]
            start = network.lane_index(actor.road, actor.lane, actor.arm) if actor.area == "lane" else None
            if start is None:
                raise ScenarioValidationError(f"actor '{actor.name}': follow_path needs an actor placed on a lane",
                                              field=f"actors[{i}].behavior")
            return paths.add(np.array([network.pose(*network.advance(start, ps), pd)[:2] for ps, pd in points]))

        try:
            program.add_agent(actor.behavior, path_of)
        except ValueError as e:
            raise ScenarioValidationError(f"actor '{actor.name}': {e}", field=f"actors[{i}].behavior") from None
    on_lane = lane >= 0
    x[on_lane], y[on_lane], _, heading[on_lane] = network.poses(lane[on_lane], s_lane[on_lane], d_lane[on_lane])
    speed = np.array([a.speed for a in spec.actors], dtype=np.float64)
    length, width = dims[:, 0].copy(), dims[:, 1].copy()
    lanes, junction_table = (type(t)(*(a.copy() for a in t)) for t in _network_tables(network))
    seg = _segments(lanes, lane, s_lane)
    vehicles = Vehicles(
        x=x, y=y, heading=heading, speed=speed, steer=f.copy(), accel=f.copy(), lane=lane, s=s_lane,
        length=length, width=width, height=dims[:, 2].copy(), wheelbase=length * dyn[:, 5],
        v0=speed.copy(), time_gap=dyn[:, 0].copy(), min_gap=dyn[:, 1].copy(),
        max_accel=dyn[:, 2].copy(), comfort_decel=dyn[:, 3].copy(), max_steer=dyn[:, 4].copy(),
    )
    mass = dyn[:, 6].copy()
    drive = Drive(
        mode=mode, seg=seg, d=d_lane, d_ref=d_lane.copy(), lc_t=f.copy(), lc_duration=f.copy(), lc_d0=f.copy(),
        lc_profile=np.zeros(n, dtype=np.int64), lc_from=np.full(n, -1, dtype=np.int64),
        mobil=np.zeros(n, dtype=np.int64), politeness=np.full(n, POLITENESS),
        route=np.full(n, STRAIGHT, dtype=np.int64),
        dynamic=np.array([a.dynamics == "dynamic" for a in spec.actors], dtype=np.int64), vy=f.copy(),
        yaw_rate=f.copy(), mass=mass, yaw_inertia=mass * (length ** 2 + width ** 2) / 12.0,
        cornering=CORNERING_PER_KG * mass, odometer=f.copy(), path=path, path_s=f.copy(),
        done=np.zeros(n, dtype=np.bool_), flags=np.zeros(n, dtype=np.int64), phase=f.copy(),
        stride=0.83 * dims[:, 2], order=np.arange(n, dtype=np.int64),
        trig_heading=np.full(n, np.nan), cos_h=f.copy(), sin_h=f.copy(),
    )
    behaviour = Behaviour(
        step=np.full(n, -1, dtype=np.int64), t0=f.copy(), odo0=f.copy(), accel_cmd=np.full(n, np.nan),
        target_speed=f.copy(), stop_s=np.full(n, np.nan), stop_decel=f.copy(), follow=np.full(n, -1, dtype=np.int64),
        free=np.zeros(n, dtype=np.int64),
    )
    world = World(vehicles=vehicles, lanes=lanes, drive=drive, behaviour=behaviour, program=program.program(),
                  paths=paths.table(), junctions=junction_table,
                  clock=Clock(t=np.zeros(1), tick=np.zeros(1, dtype=np.int64), friction=np.array([friction(spec)])),
                  events=Events(rows=np.zeros((1, MAX_EVENTS, 5)), count=np.zeros(1, dtype=np.int64),
                                touching=np.full((1, MAX_CONTACTS, 2), -1, dtype=np.int64)))
    info = WorldInfo(
        names=tuple(a.name for a in spec.actors), kinds=tuple(a.kind for a in spec.actors),
        class_ids=np.array([KIND_CLASS[a.kind] for a in spec.actors], dtype=np.uint8),
        colors=np.array([COLORS[a.color] if a.color else PALETTE[i % len(PALETTE)]
                         for i, a in enumerate(spec.actors)], dtype=np.float32).reshape(n, 3),
        meshes=tuple(a.mesh for a in spec.actors),
    )
    return world, info


def _segments(lanes: LaneTable, lane: np.ndarray, s: np.ndarray) -> np.ndarray:
    """(N,) int64 index of the lane-table segment holding arc length s (N,) on lane (N,) (0 for agents on
    no lane)."""
    seg = np.zeros(len(lane), dtype=np.int64)
    for L in np.unique(lane[lane >= 0]):
        on = lane == L
        a, b = lanes.start[L], lanes.start[L + 1]
        seg[on] = np.clip(a + np.searchsorted(lanes.cum_s[a:b], s[on], side="right") - 1, a, b - 2)
    return seg
