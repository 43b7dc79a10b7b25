"""Behaviour interpreter (@njit): live signals, ``until`` conditions and step changes over Program arrays.

A step ends when its ``until`` holds, or, for a maneuver that finishes (change_lane, change_speed, stop_at,
follow_path, walk_across), when it has finished and another step follows. The agent then keeps what the
last step left it doing: the new lane, the new speed, standing at the stop point, and so on.
"""
from __future__ import annotations

import math

from numba import njit

from scenariosim.sim.config import BORROWING, INLINED_BORROWING, SCALAR, STEP
from scenariosim.sim.kernels import locate, project
from scenariosim.world.opcodes import (
    C_ACCEL, C_ADD, C_AND, C_CONST, C_D, C_DISTANCE, C_DIV, C_ELAPSED, C_EQ, C_GAP, C_GE, C_GT, C_LE, C_LT, C_MUL,
    C_NE, C_NOT, C_S, C_SPEED, C_SUB, C_TIME, C_TIME_GAP, C_TRAVELLED, CHANGE_LANE, CHANGE_SPEED,
    CONSTANT_SPEED, DEFAULT_LANE_CHANGE, DRIVE, FOLLOW_LANE, FOLLOW_PATH, IDM, KEEP_TIME_GAP, LANE_NUMBER,
    LANE_OF, STAY_STILL, STOP_AT, TURN, WALK_ACROSS,
)
from scenariosim.world.state import ON_LANE, ON_PATH, STATIC, WALKING

DEFAULT_SPEED_RATE = 2.0        # [m/s²] change_speed without rate or time
DEFAULT_WALK_SPEED = 1.4        # [m/s] walk_across without speed by an agent standing still (adult walking pace)
MAX_STACK = 64


@njit(**SCALAR)
def gap_between(same_lane, sa, sb, xa, ya, xb, yb, hb, la, lb):
    """Bumper-to-bumper gap [m] from agent b (behind) to agent a (ahead): along the lane when both follow the
    same lane (s: their arc lengths), else along b's heading."""
    half = 0.5 * (la + lb)
    if same_lane:
        return sa - sb - half
    return (xa - xb) * math.cos(hb) + (ya - yb) * math.sin(hb) - half


@njit(**STEP)
def signal_value(x, y, hd, sp, acc, s, lane, length, d, odometer, t0, odo0, i, code, a, b, t):
    """Value of live signal ``code`` for agent i (the step's owner); a, b are the signal's actors.
    Arrays (N,) as in Vehicles, Drive and Behaviour."""
    if code == C_TIME:
        return t
    if code == C_ELAPSED:
        return t - t0[i]
    if code == C_TRAVELLED:
        return odometer[i] - odo0[i]
    if code == C_DISTANCE:
        return math.hypot(x[a] - x[b], y[a] - y[b])
    if code == C_S:
        return s[a]
    if code == C_D:
        return d[a]
    if code == C_SPEED:
        return sp[a]
    if code == C_ACCEL:
        return acc[a]
    gap = gap_between(lane[a] == lane[b] and lane[a] >= 0, s[a], s[b], x[a], y[a], x[b], y[b], hd[b],
                      length[a], length[b])
    if code == C_GAP:
        return gap
    if code == C_TIME_GAP:
        return gap / sp[b] if sp[b] > 0.0 else math.inf
    dv = sp[b] - sp[a] * math.cos(hd[a] - hd[b])          # C_TTC: b closing on a along b's heading
    return max(0.0, gap) / dv if dv > 0.0 else math.inf


@njit(**INLINED_BORROWING)
def condition_holds(x, y, hd, sp, acc, s, lane, length, d, odometer, t0, odo0, cond_first, code, cval, ca, cb,
                    i, k, t, offset, stack):
    """Evaluate step k's ``until`` program for agent i (agent indices in it shifted by ``offset``, the
    variant's first agent), with ``stack`` (MAX_STACK,) float64 as scratch. An empty program never holds.
    The arrays are those of Vehicles, Drive, Behaviour and Program, passed one by one: cheap to call."""
    c0, c1 = cond_first[k], cond_first[k + 1]
    if c0 == c1:
        return False
    top = 0
    for c in range(c0, c1):
        op = code[c]
        if op == C_CONST:
            stack[top] = cval[c]
            top += 1
        elif op <= C_ACCEL:
            stack[top] = signal_value(x, y, hd, sp, acc, s, lane, length, d, odometer, t0, odo0, i, op,
                                      ca[c] + offset, cb[c] + offset, t)
            top += 1
        elif op == C_NOT:
            stack[top - 1] = 0.0 if stack[top - 1] != 0.0 else 1.0
        else:
            top -= 1
            u, v = stack[top - 1], stack[top]
            if op == C_ADD:
                r = u + v
            elif op == C_SUB:
                r = u - v
            elif op == C_MUL:
                r = u * v
            elif op == C_DIV:
                r = u / v if v != 0.0 else (math.inf if u > 0 else (-math.inf if u < 0 else 0.0))
            elif op == C_LT:
                r = 1.0 if u < v else 0.0
            elif op == C_LE:
                r = 1.0 if u <= v else 0.0
            elif op == C_GT:
                r = 1.0 if u > v else 0.0
            elif op == C_GE:
                r = 1.0 if u >= v else 0.0
            elif op == C_EQ:
                r = 1.0 if u == v else 0.0
            elif op == C_NE:
                r = 1.0 if u != v else 0.0
            elif op == C_AND:
                r = 1.0 if (u != 0.0 and v != 0.0) else 0.0
            else:                # C_OR
                r = 1.0 if (u != 0.0 or v != 0.0) else 0.0
            stack[top - 1] = r
    return stack[0] != 0.0


@njit(**BORROWING)
def lane_number_of(lanes, lane, number):
    """The lane ``number`` lanes from the right of ``lane``'s carriageway (1 = rightmost); −1 if none."""
    while lanes.right[lane] >= 0:
        lane = lanes.right[lane]
    for _ in range(number - 1):
        lane = lanes.left[lane]
        if lane < 0:
            return -1
    return lane


@njit(**STEP)
def lane_change_into(lane, s, x, y, seg, d, lc_from, lc_t, lc_duration, lc_d0, lc_profile, vy, yaw_rate, d_ref,
                     points, cum_s, start, i, target, duration, profile):
    """Start moving agent i onto lane ``target``: it follows the target lane from now on, its offset from the
    target's centre going to zero along ``profile`` in ``duration`` seconds. Arrays of Vehicles, Drive and the
    LaneTable, passed one by one: the engine calls this inline, where a World passed by value would cost
    more than the change itself."""
    lc_from[i] = lane[i]
    hint = locate(cum_s, start, target, start[target], s[i])
    k, s_new, d_new = project(points, cum_s, start, target, hint, x[i], y[i])
    lane[i], s[i], seg[i], d[i] = target, s_new, k, d_new
    lc_t[i], lc_duration[i], lc_d0[i], lc_profile[i] = 0.0, duration, d_new, profile
    vy[i], yaw_rate[i] = 0.0, 0.0                # the dynamic model restarts from the lane after the change
    d_ref[i] = 0.0


@njit(**BORROWING)
def begin_lane_change(w, i, target, duration, profile):
    """lane_change_into for agent i of World w."""
    veh, dr, lanes = w.vehicles, w.drive, w.lanes
    lane_change_into(veh.lane, veh.s, veh.x, veh.y, dr.seg, dr.d, dr.lc_from, dr.lc_t, dr.lc_duration, dr.lc_d0,
                     dr.lc_profile, dr.vy, dr.yaw_rate, dr.d_ref, lanes.points, lanes.cum_s, lanes.start, i, target,
                     duration, profile)


@njit(**BORROWING)
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
    if op != STAY_STILL and (dr.mode[i] == STATIC or dr.mode[i] == ON_PATH):
        dr.mode[i] = ON_LANE if veh.lane[i] >= 0 else WALKING     # back from standing, or from a path
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
        else:
            veh.v0[i] = target                 # already there (or no rate): done at once
    elif op == KEEP_TIME_GAP:
        bh.follow[i] = p.iarg[k, 0]           # within the variant, like every stored agent number
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


@njit(**BORROWING)
def start_programs(w, lo, hi, t):
    """Start the first step of every agent that has one (called once, at t = 0)."""
    p, bh = w.program, w.behaviour
    for i in range(lo, hi):
        if p.first[i] < p.first[i + 1]:
            start_step(w, i, p.first[i], t, lo)
        else:
            bh.step[i] = -1
