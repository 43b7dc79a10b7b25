"""World state as NamedTuples of numpy arrays: exactly what the Numba kernels step.

Every per-agent array has shape (N,), fixed for an episode. A batch of V variants of one scenario
is one World whose agent arrays hold V blocks of N agents (variant v owns agents v·N … v·N + N − 1)
and whose per-variant arrays (``Clock``, ``Events``) have a leading V axis; lanes, paths and junction
rules are shared. Names, kinds and other data the kernels never see live in ``WorldInfo`` beside it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

# agent modes (Drive.mode)
ON_LANE = 0          # follows its lane: IDM, MOBIL or scripted lane changes, pure pursuit, bicycle model
WALKING = 1          # follows a walk path with social-force avoidance (pedestrians, cyclists off the road)
STATIC = 2           # never moves (cones, barriers, debris, parked); still an obstacle
ON_PATH = 3          # a vehicle following a scripted path (follow_path) by pure pursuit

# lane-change lateral profiles (Drive.lc_profile)
SINUSOIDAL, CUBIC, LINEAR = 0, 1, 2

# Drive.flags bits
REPORTED_END, OFF_ROAD = 1, 2

# route choice at the next junction (Drive.route)
STRAIGHT, LEFT, RIGHT = 0, 1, 2


class Vehicles(NamedTuple):
    """Agent pose, motion and car-following parameters; all (N,) float64 unless noted."""

    x: np.ndarray            # [m] centre of the box footprint
    y: np.ndarray            # [m]
    heading: np.ndarray      # [rad] 0 along +x, counter-clockwise
    speed: np.ndarray        # [m/s] longitudinal speed
    steer: np.ndarray        # [rad] front-wheel angle
    accel: np.ndarray        # [m/s²] last acceleration applied
    lane: np.ndarray         # (N,) int64 index into LaneTable, the lane the agent follows (−1: none)
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


class Drive(NamedTuple):
    """How each agent moves, and the motion state beyond its pose; (N,) arrays."""

    mode: np.ndarray         # int64: ON_LANE, WALKING, STATIC or ON_PATH
    seg: np.ndarray          # int64 index into LaneTable.points of the segment the agent is on (cache)
    d: np.ndarray            # [m] lateral offset from the lane centre, + left
    d_ref: np.ndarray        # [m] lateral offset the agent keeps when not changing lanes
    lc_t: np.ndarray         # [s] time into the current lane change
    lc_duration: np.ndarray  # [s] length of the current lane change; 0 when none
    lc_d0: np.ndarray        # [m] offset from the target lane's centre when the change began
    lc_profile: np.ndarray   # int64 SINUSOIDAL, CUBIC or LINEAR
    lc_from: np.ndarray      # int64 the lane the current change left (still partly occupied); −1 none
    mobil: np.ndarray        # int64 1: free lane changes by MOBIL; 0: keeps its lane unless scripted
    politeness: np.ndarray   # MOBIL politeness factor p
    route: np.ndarray        # int64 STRAIGHT, LEFT or RIGHT at the next junction
    dynamic: np.ndarray      # int64 1: dynamic bicycle model with linear tyres; 0: kinematic
    vy: np.ndarray           # [m/s] lateral velocity in the body frame (dynamic model)
    yaw_rate: np.ndarray     # [rad/s] (dynamic model)
    mass: np.ndarray         # [kg]
    yaw_inertia: np.ndarray  # [kg m²]
    cornering: np.ndarray    # [N/rad] front-axle cornering stiffness (the rear's is kernels.REAR_STIFFNESS times it)
    odometer: np.ndarray     # [m] distance travelled since the start
    path: np.ndarray         # int64 index into PathTable of the path walked or driven; −1 none
    path_s: np.ndarray       # [m] progress along that path
    done: np.ndarray         # bool: reached the end of its path
    flags: np.ndarray        # int64 bit set: REPORTED_END, OFF_ROAD (events already recorded)
    phase: np.ndarray        # walk-cycle phase in [0, 1)
    stride: np.ndarray       # [m] walk-cycle length (two steps)
    order: np.ndarray        # int64 agents of each variant sorted by (lane, s): a permutation, kept sorted
    trig_heading: np.ndarray  # [rad] the heading cos_h and sin_h belong to (nan: none): the lane keepers' cache
    cos_h: np.ndarray        # cos(trig_heading), carried from step to step by the motion's own arc rotation
    sin_h: np.ndarray        # sin(trig_heading)


class Behaviour(NamedTuple):
    """Where each agent is in its behaviour program; (N,) arrays."""

    step: np.ndarray         # int64 index into Program of the running step; −1 when none is left
    t0: np.ndarray           # [s] time the step began
    odo0: np.ndarray         # [m] odometer when the step began
    accel_cmd: np.ndarray    # [m/s²] prescribed acceleration (change_speed); nan: the controller decides
    target_speed: np.ndarray  # [m/s] speed change_speed stops at
    stop_s: np.ndarray       # [m] lane position stop_at stops at; nan: none
    stop_decel: np.ndarray   # [m/s²] the deceleration stop_at brakes with (positive)
    follow: np.ndarray       # int64 agent keep_time_gap follows; −1 none
    free: np.ndarray         # int64 1: no car following (constant_speed controller)


class Program(NamedTuple):
    """Behaviour steps compiled to opcodes; agent i owns steps first[i] … first[i + 1] − 1, in order.

    A step's ``until`` condition is a postfix program code[cond_first[k]:cond_first[k + 1]] over a
    stack of floats (comparisons push 1.0 or 0.0); an empty program never holds.
    """

    first: np.ndarray        # (N + 1,) int64
    op: np.ndarray           # (S,) int64 maneuver opcode (sim.behaviours)
    arg: np.ndarray          # (S, 4) float64 maneuver arguments, SI; nan = default
    iarg: np.ndarray         # (S, 2) int64 integer arguments (lane target mode and value, profile, actor)
    ctrl: np.ndarray         # (S,) int64 controller: 0 keep, 1 idm, 2 constant speed
    carg: np.ndarray         # (S, 5) float64 idm arguments; nan = keep the current value
    cond_first: np.ndarray   # (S + 1,) int64
    code: np.ndarray         # (C,) int64 condition opcodes
    cval: np.ndarray         # (C,) float64 constants
    ca: np.ndarray           # (C,) int64 first actor of a signal
    cb: np.ndarray           # (C,) int64 second actor of a signal


class LaneTable(NamedTuple):
    """All lane centre lines concatenated; lane i owns points[start[i]:start[i + 1]]."""

    points: np.ndarray       # (P, 2) float64 [m]
    cum_s: np.ndarray        # (P,) float64 [m] arc length within its own lane
    start: np.ndarray        # (L + 1,) int64 offsets into points
    tangent: np.ndarray      # (P, 2) float64 unit direction of segment k (points k → k + 1; a lane's last row
                             # repeats the one before), so the kernels project without square roots or divisions
    heading: np.ndarray      # (P,) float64 [rad] atan2 of each tangent (a lane changer's heading starts from it)
    width: np.ndarray        # (L,) float64 [m]
    z: np.ndarray            # (P,) float64 [m] elevation of each point (0 on flat roads)
    room_left: np.ndarray    # (P,) float64 [m] from the centre line to the road's edge on the left
    room_right: np.ndarray   # (P,) float64 [m] the same on the right
    left: np.ndarray         # (L,) int64 lane to the left, −1 none
    right: np.ndarray        # (L,) int64 lane to the right, −1 none
    left_s: np.ndarray       # (P,) float64 [m] arc length on the left lane abreast of each point (nan: none)
    right_s: np.ndarray      # (P,) float64 [m] the same on the right lane
    next: np.ndarray         # (L, 3) int64 successor lane for STRAIGHT, LEFT, RIGHT; −1 none
    signal: np.ndarray       # (L,) int64 signal group at the lane's end, −1 none
    stop_line: np.ndarray    # (L,) float64 [m] where traffic waits for a signal or to yield (lane length if no line)
    connector: np.ndarray    # (L,) int64 1 for junction connector lanes


class PathTable(NamedTuple):
    """Walk paths and scripted driving paths; path k owns points[start[k]:start[k + 1]]."""

    points: np.ndarray       # (P, 2) float64 [m]
    cum_s: np.ndarray        # (P,) float64 [m]
    start: np.ndarray        # (K + 1,) int64


class Junctions(NamedTuple):
    """Fixed-time signal groups and the conflicts between crossing lanes (world.junctions)."""

    offset: np.ndarray       # (G,) float64 [s] start of green within the cycle
    green: np.ndarray        # (G,) float64 [s]
    yellow: np.ndarray       # (G,) float64 [s]
    cycle: np.ndarray        # (G,) float64 [s]
    first: np.ndarray        # (L + 1,) int64 conflicts where lane L yields: first[L] … first[L + 1] − 1
    lane_a: np.ndarray       # (K,) int64 the lane that yields (sorted)
    s_a: np.ndarray          # (K,) float64 [m] conflict point along lane_a
    lane_b: np.ndarray       # (K,) int64 the lane with priority
    s_b: np.ndarray          # (K,) float64 [m] conflict point along lane_b


class Clock(NamedTuple):
    """Per-variant scalars as (V,) arrays."""

    t: np.ndarray            # (V,) float64 [s] scenario time
    tick: np.ndarray         # (V,) int64 steps taken
    friction: np.ndarray     # (V,) float64 tyre–road friction coefficient μ


class Events(NamedTuple):
    """What happened, per variant: rows (kind, t [s], agent i, agent j, value)."""

    rows: np.ndarray         # (V, E, 5) float64
    count: np.ndarray        # (V,) int64 events recorded (rows beyond E are counted, not kept)
    touching: np.ndarray     # (V, K, 2) int64 pairs of agents in contact after the last step, in the first rows;
                             # the other rows −1


class World(NamedTuple):
    vehicles: Vehicles
    lanes: LaneTable
    drive: Drive
    behaviour: Behaviour
    program: Program
    paths: PathTable
    junctions: Junctions
    clock: Clock
    events: Events


@dataclass(frozen=True, slots=True)
class WorldInfo:
    """What the kernels never see: per-agent names and kinds, in agent order."""

    names: tuple[str, ...]
    kinds: tuple[str, ...]
    class_ids: np.ndarray    # (N,) uint8 semantic class id (Cityscapes ids)
    colors: np.ndarray       # (N, 3) float32 body colour, linear RGB in [0, 1]
    meshes: tuple[str | None, ...] = ()   # per agent, a mesh file drawn instead of its kind's shape (or None)
