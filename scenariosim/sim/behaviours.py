"""Behaviour interpreter (@njit): live signals, ``until`` conditions and step changes over Program arrays.

A step ends when its ``until`` holds, or, for a maneuver that finishes (change_lane, change_speed, stop_at,
follow_path, walk_across), when it has finished and another step follows. The agent then keeps what the
last step left it doing: the new lane, the new speed, standing at the stop point, and so on.
"""
from __future__ import annotations

import math

from numba import njit

from scenariosim.sim.config import NESTED
from scenariosim.sim.kernels import locate, project
from scenariosim.world.opcodes import (
    C_ACCEL, C_ADD, C_AND, C_CONST, C_D, C_DISTANCE, C_DIV, C_ELAPSED, C_EQ, C_GAP, C_GE, C_GT, C_LE, C_LT, C_MUL,
    C_NE, C_NOT, C_S, C_SPEED, C_SUB, C_TIME, C_TIME_GAP, C_TRAVELLED, C_TTC, CHANGE_LANE, CHANGE_SPEED,
    CONSTANT_SPEED, DEFAULT_LANE_CHANGE, DRIVE, FOLLOW_LANE, FOLLOW_PATH, IDM, KEEP_TIME_GAP, LANE_NUMBER,
    LANE_OF, STAY_STILL, STOP_AT, TURN, WALK_ACROSS,
)
from scenariosim.world.state import ON_LANE, ON_PATH, STATIC, WALKING

DEFAULT_SPEED_RATE = 2.0        # [m/s²] change_speed without rate or time
DEFAULT_WALK_SPEED = 1.4        # [m/s] walk_across without speed by an agent standing still (adult walking pace)
MAX_STACK = 64


@njit(**NESTED)
def gap_between(veh, a, b):
    """Bumper-to-bumper gap [m] from agent b (behind) to agent a (ahead): along the lane when both follow the
    same lane, else along b's heading."""
    half = 0.5 * (veh.length[a] + veh.length[b])
    if veh.lane[a] == veh.lane[b] and veh.lane[a] >= 0:
        return veh.s[a] - veh.s[b] - half
    c, s = math.cos(veh.heading[b]), math.sin(veh.heading[b])
    return (veh.x[a] - veh.x[b]) * c + (veh.y[a] - veh.y[b]) * s - half


@njit(**NESTED)
def closing_speed(veh, a, b):
    """Speed [m/s] at which b (behind) closes on a (ahead), along b's heading."""
    return veh.speed[b] - veh.speed[a] * math.cos(veh.heading[a] - veh.heading[b])


@njit(**NESTED)
def signal_value(w, i, code, a, b, t):
    """Value of live signal ``code`` for agent i (the step's owner); a, b are the signal's actors."""
    veh, bh, dr = w.vehicles, w.behaviour, w.drive
    if code == C_TIME:
        return t
    if code == C_ELAPSED:
        return t - bh.t0[i]
    if code == C_TRAVELLED:
        return dr.odometer[i] - bh.odo0[i]
    if code == C_DISTANCE:
        return math.hypot(veh.x[a] - veh.x[b], veh.y[a] - veh.y[b])
    if code == C_GAP:
        return gap_between(veh, a, b)
    if code == C_TIME_GAP:
        return gap_between(veh, a, b) / veh.speed[b] if veh.speed[b] > 0.0 else math.inf
    if code == C_TTC:
        dv = closing_speed(veh, a, b)
        return max(0.0, gap_between(veh, a, b)) / dv if dv > 0.0 else math.inf
    if code == C_S:
        return veh.s[a]
    if code == C_D:
        return dr.d[a]
    if code == C_SPEED:
        return veh.speed[a]
    return veh.accel[a]          # C_ACCEL


@njit(**NESTED)
def condition_holds(w, i, k, t, offset, stack):
    """Evaluate step k's ``until`` program for agent i (agent indices in it shifted by ``offset``, the
    variant's first agent), with ``stack`` (MAX_STACK,) float64 as scratch. An empty program never holds."""
    p = w.program
    c0, c1 = p.cond_first[k], p.cond_first[k + 1]
    if c0 == c1:
        return False
    top = 0
    for c in range(c0, c1):
        code = p.code[c]
        if code == C_CONST:
            stack[top] = p.cval[c]
            top += 1
        elif code <= C_ACCEL:
            stack[top] = signal_value(w, i, code, p.ca[c] + offset, p.cb[c] + offset, t)
            top += 1
        elif code == C_NOT:
            stack[top - 1] = 0.0 if stack[top - 1] != 0.0 else 1.0
        else:
            top -= 1
            x, y = stack[top - 1], stack[top]
            if code == C_ADD:
                r = x + y
            elif code == C_SUB:
                r = x - y
            elif code == C_MUL:
                r = x * y
            elif code == C_DIV:
                r = x / y if y != 0.0 else (math.inf if x > 0 else (-math.inf if x < 0 else 0.0))
            elif code == C_LT:
                r = 1.0 if x < y else 0.0
            elif code == C_LE:
                r = 1.0 if x <= y else 0.0
            elif code == C_GT:
                r = 1.0 if x > y else 0.0
            elif code == C_GE:
                r = 1.0 if x >= y else 0.0
            elif code == C_EQ:
                r = 1.0 if x == y else 0.0
            elif code == C_NE:
                r = 1.0 if x != y else 0.0
            elif code == C_AND:
                r = 1.0 if (x != 0.0 and y != 0.0) else 0.0
            else:                # C_OR
                r = 1.0 if (x != 0.0 or y != 0.0) else 0.0
            stack[top - 1] = r
    return stack[0] != 0.0


@njit(**NESTED)
def finished(w, i, op):
    """Whether agent i's finite maneuver ``op`` has finished (open-ended maneuvers never do)."""
    dr, bh, veh = w.drive, w.behaviour, w.vehicles
    if op == CHANGE_LANE:
        return dr.lc_duration[i] == 0.0
    if op == CHANGE_SPEED:
        return math.isnan(bh.accel_cmd[i])
    if op == STOP_AT:
        return veh.speed[i] == 0.0
    if op == FOLLOW_PATH or op == WALK_ACROSS:
        return dr.done[i]
    return False


@njit(**NESTED)
def lane_number_of(lanes, lane, number):
    """The lane ``number`` lanes from the right of ``lane``'s carriageway (1 = rightmost); −1 if none."""
    while lanes.right[lane] >= 0:
        lane = lanes.right[lane]
    for _ in range(number - 1):
        lane = lanes.left[lane]
        if lane < 0:
            return -1
    return lane


@njit(**NESTED)
def begin_lane_change(w, i, target, duration, profile):
    """Start moving agent i onto lane ``target``: it follows the target lane from now on, its offset from the
    target's centre going to zero along ``profile`` in ``duration`` seconds."""
    veh, dr, lanes = w.vehicles, w.drive, w.lanes
    dr.lc_from[i] = veh.lane[i]
    hint = locate(lanes.cum_s, lanes.start, target, lanes.start[target], veh.s[i])
    k, s, d = project(lanes.points, lanes.cum_s, lanes.start, target, hint, veh.x[i], veh.y[i])
    veh.lane[i], veh.s[i], dr.seg[i], dr.d[i] = target, s, k, d
    dr.lc_t[i], dr.lc_duration[i], dr.lc_d0[i], dr.lc_profile[i] = 0.0, duration, d, profile
    dr.d_ref[i] = 0.0


@njit(**NESTED)
def start_step(w, i, k, t, offset):
    """Apply step k's entry actions to agent i."""
    p, veh, dr, bh, lanes = w.program, w.vehicles, w.drive, w.behaviour, w.lanes
    bh.step[i], bh.t0[i], bh.odo0[i] = k, t, dr.odometer[i]
    if p.ctrl[k] == IDM:
        c = p.carg[k]
        if not math.isnan(c[0]):
            veh.v0[i] = c[0]
        if not math.isnan(c[1]):
            veh.time_gap[i] = c[1]
        if not math.isnan(c[2]):
            veh.min_gap[i] = c[2]
        if not math.isnan(c[3]):
            veh.max_accel[i] = c[3]
        if not math.isnan(c[4]):
            veh.comfort_decel[i] = c[4]
        bh.free[i] = 0
    elif p.ctrl[k] == CONSTANT_SPEED:
        bh.free[i] = 1
    op = p.op[k]
    arg = p.arg[k]
    bh.accel_cmd[i] = math.nan
    bh.stop_s[i] = math.nan
    bh.follow[i] = -1
    if dr.mode[i] == STATIC and op != STAY_STILL:
        dr.mode[i] = ON_LANE if veh.lane[i] >= 0 else WALKING
    if op == FOLLOW_LANE or op == DRIVE or op == TURN:
        if not math.isnan(arg[0]):
            veh.v0[i] = arg[0]
        dr.mobil[i] = 1 if op == DRIVE else 0
        if op == TURN:
            dr.route[i] = p.iarg[k, 0]
    elif op == CHANGE_LANE:
        lane = veh.lane[i]
        mode, value = p.iarg[k, 0], p.iarg[k, 1]
        if lane < 0:
            target = -1
        elif mode == LANE_NUMBER:
            target = lane_number_of(lanes, lane, value)
        elif mode == LANE_OF:
            target = veh.lane[value + offset]
        else:
            target = lanes.left[lane] if value > 0 else lanes.right[lane]
        if target >= 0 and target != lane:
            duration = DEFAULT_LANE_CHANGE if math.isnan(arg[0]) else max(arg[0], 1e-3)
            begin_lane_change(w, i, target, duration, int(arg[1]))
    elif op == CHANGE_SPEED:
        target = arg[0]
        if not math.isnan(arg[1]):
            rate = arg[1]
        elif not math.isnan(arg[2]):
            rate = abs(target - veh.speed[i]) / max(arg[2], 1e-9)
        else:
            rate = DEFAULT_SPEED_RATE
        bh.target_speed[i] = target
        if target != veh.speed[i] and rate > 0.0:
            bh.accel_cmd[i] = rate if target > veh.speed[i] else -rate
    elif op == KEEP_TIME_GAP:
        bh.follow[i] = p.iarg[k, 0] + offset
        veh.time_gap[i] = arg[0]
        bh.free[i] = 0
    elif op == STOP_AT:
        bh.stop_s[i] = arg[0]
        bh.stop_decel[i] = veh.comfort_decel[i] if math.isnan(arg[1]) else arg[1]
    elif op == FOLLOW_PATH or op == WALK_ACROSS:
        dr.mode[i] = ON_PATH if op == FOLLOW_PATH else WALKING
        dr.path[i], dr.path_s[i], dr.done[i] = p.iarg[k, 0], 0.0, False
        if not math.isnan(arg[0]):
            veh.v0[i] = arg[0]
        elif op == WALK_ACROSS and veh.v0[i] <= 0.0:
            veh.v0[i] = DEFAULT_WALK_SPEED
        if op == WALK_ACROSS:                  # steps off at walking pace, facing across (a test target's start)
            veh.lane[i] = -1                   # off the lanes: an obstacle to drivers, not a leader
            pts = w.paths.points
            a = w.paths.start[dr.path[i]]
            veh.heading[i] = math.atan2(pts[a + 1, 1] - pts[a, 1], pts[a + 1, 0] - pts[a, 0])
            veh.speed[i] = veh.v0[i]
    elif op == STAY_STILL:
        dr.mode[i] = STATIC
        veh.speed[i] = 0.0
        veh.v0[i] = 0.0


@njit(**NESTED)
def update_behaviours(w, lo, hi, t, stack):
    """End the steps whose condition holds (or whose maneuver finished with a step after it) and start the next
    ones, for agents lo … hi − 1 (one variant). At most one step change per agent per call."""
    p, bh = w.program, w.behaviour
    for i in range(lo, hi):
        k = bh.step[i]
        if k < 0:
            continue
        last = p.first[i + 1] - 1
        if condition_holds(w, i, k, t, lo, stack) or (k < last and finished(w, i, p.op[k])):
            if k < last:
                start_step(w, i, k + 1, t, lo)
            else:
                bh.step[i] = -1


@njit(**NESTED)
def start_programs(w, lo, hi, t):
    """Start the first step of every agent that has one (called once, at t = 0)."""
    p, bh = w.program, w.behaviour
    for i in range(lo, hi):
        if p.first[i] < p.first[i + 1]:
            start_step(w, i, p.first[i], t, lo)
        else:
            bh.step[i] = -1
