"""Running one variant of a World (@njit): behaviours, car following, lane changes, motion, events.

Each step of ``run_variant``, in order:
1. behaviours: every agent's ``until`` is judged on the same state, then the next steps start;
2. agents are re-sorted by (lane, s); signal states for the time t;
3. longitudinal acceleration: IDM against the leader (or the last agent on the next lane of its route)
   and lane changers beside, stop lines at red and yellow signals, conflicts it must yield at, walkers in
   its path, stop_at targets; a prescribed change_speed acceleration overrides; braking ≥ −μ·g;
4. MOBIL lane changes (left on even steps, right on odd ones, so that no two agents take one gap from
   both sides);
5. motion: lane keepers steer by pure pursuit (kinematic or dynamic bicycle; the plain steps of all of
   them are computed first, in one SIMD pass: sim/lanekeep.py); lane changers follow their lateral profile
   in the target lane's frame; path followers pursue their path; lanes ending hand agents to their route's
   successor; off-road and end-of-road events; the clock advances;
6. walkers walk (social force), seeing the vehicles where step 5 left them;
7. collisions are recorded; the ego's criteria and the trajectories are kept when asked for.
Steps 2–4 read the state that step 1 left.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from scenariosim.sim.behaviours import MAX_STACK, condition_holds, lane_change_into, start_programs, start_step
from scenariosim.sim.collisions import sweep_contacts
from scenariosim.sim.config import BORROWING
from scenariosim.sim.criteria import update_criteria
from scenariosim.sim.kernels import (
    DYNAMIC_MIN_SPEED, G, LOOKAHEAD_MIN, LOOKAHEAD_TIME, MOBIL_KEEP_RIGHT, MOBIL_SAFE_DECEL, MOBIL_THRESHOLD,
    REAR_STIFFNESS,
    abreast, arc_advance, arc_series, atan_eighth, dynamic_bicycle_advance, frenet_to_xy, idm_acceleration,
    idm_acceleration_k, idm_root, lane_blocks, lane_point, nonneg,
    lane_change_offset, locate, mobil_incentive, project, pure_pursuit_curvature, sort_by_lane, steer_atan, travel,
)
from scenariosim.sim.lanekeep import (
    COS1, D1, DS, DTH, GEO_ROWS, NEXT, OK, RES_ROWS, S1, SEG, SIMD_MIN_AGENTS, SIN1, V1, WK, X1, Y1, YAW,
    lane_keepers, segments_ahead,
)
from scenariosim.sim.signals import signal_states_into, stop_for_signal
from scenariosim.sim.walkers import walk_into
from scenariosim.world.opcodes import CHANGE_LANE, CHANGE_SPEED, DEFAULT_LANE_CHANGE, FOLLOW_PATH, STOP_AT, WALK_ACROSS
from scenariosim.world.state import OFF_ROAD, ON_LANE, ON_PATH, REPORTED_END, SINUSOIDAL, STATIC, STRAIGHT, WALKING

# event kinds (Events.rows[:, 0])
COLLISION, OFF_ROAD_EVENT, END_OF_ROAD = 0, 1, 2
EVENT_KINDS = ("collision", "off_road", "end_of_road")
WALKER_LOOKOUT = 60.0       # [m] how far ahead drivers watch for walkers in their path
WALKER_CLEARANCE = 0.5      # [m] room drivers leave a walker
YIELD_HORIZON = 50.0        # [m] drivers consider conflicts this close to their stop line
CLEARANCE_TIME = 1.0        # [s] margin after a priority agent has cleared the conflict point
CRITICAL_GAP = 4.0          # [s] gap acceptance at a conflict (a typical critical gap for turning; HCM 2010 ch. 19)
MAX_CONTACTS = 256
LEADER_SCAN = 8             # agents ahead checked for one that blocks the lane
LATERAL_CLEARANCE = 0.1     # [m] a driver passes an agent beside its path with this much room


@njit(**BORROWING)
def record(w, vi, kind, t, i, j, value):
    """Append an event to variant vi's list (counted even when the list is full); agents i, j are absolute
    indices, stored as numbers within the variant (−1: none)."""
    ev = w.events
    n = ev.count[vi]
    off = vi * (w.vehicles.x.shape[0] // w.clock.t.shape[0])   # agent numbers within the variant
    if n < ev.rows.shape[1]:
        row = ev.rows[vi, n]
        row[0], row[1], row[2], row[3], row[4] = kind, t, i - off, j - off if j >= 0 else -1, value
    ev.count[vi] = n + 1


@njit(**BORROWING)
def lane_length(lanes, lane):
    return lanes.cum_s[lanes.start[lane + 1] - 1]


@njit(**BORROWING)
def _must_yield(w, i, lane, nxt, lo, hi):
    """Must agent i (on ``lane``, entering ``nxt`` at the lane's end) wait at its stop line for traffic with
    priority at a conflict of ``nxt``? Yes if a priority agent is on the conflict point now, or reaches it
    before agent i's earliest arrival (at full acceleration up to v0) + CRITICAL_GAP and has not cleared
    it (its length and agent i's width, at its speed) CLEARANCE_TIME before that arrival."""
    veh, lanes, jn = w.vehicles, w.lanes, w.junctions
    if nxt < 0 or nxt + 1 >= jn.first.shape[0]:
        return False
    to_line = lane_length(lanes, lane) - veh.s[i]
    v, a, v0 = veh.speed[i], max(veh.max_accel[i], 0.1), max(veh.v0[i], 0.1)
    for k in range(jn.first[nxt], jn.first[nxt + 1]):
        b, s_b = jn.lane_b[k], jn.s_b[k]
        dist_me = to_line + jn.s_a[k]                 # earliest arrival: full acceleration up to v0
        t_full = max(0.0, (v0 - v) / a)
        d_full = 0.5 * (v + v0) * t_full
        if dist_me <= d_full:
            t_me = (math.sqrt(v * v + 2.0 * a * dist_me) - v) / a
        else:
            t_me = t_full + (dist_me - d_full) / v0
        for j in range(lo, hi):
            if j == i or w.drive.mode[j] != ON_LANE:
                continue                       # parked and walking agents are obstacles, not traffic to yield to
            lj = veh.lane[j]
            if lj == b:
                dist = s_b - veh.s[j]
            elif lj >= 0 and lanes.next[lj, w.drive.route[j]] == b:
                dist = lane_length(lanes, lj) - veh.s[j] + s_b
            else:
                continue
            if dist < -veh.length[j]:
                continue                       # already past the conflict point
            if dist <= veh.length[j]:
                return True                    # on the conflict point now
            t_j = dist / max(veh.speed[j], 0.1)
            t_clear = t_j + (veh.length[j] + veh.width[i]) / max(veh.speed[j], 0.1)
            if t_clear + CLEARANCE_TIME > t_me and t_j < t_me + CRITICAL_GAP:
                return True
    return False


@njit(**BORROWING)
def stop_line_accel(w, i, lane, nxt, states, lo, hi):
    """IDM deceleration [m/s²] towards the stop line of ``lane`` when agent i must wait there (a red or yellow
    signal, or a conflict on ``nxt`` where it yields); inf when it may go on."""
    veh, lanes = w.vehicles, w.lanes
    v = veh.speed[i]
    to_line = lanes.stop_line[lane] - veh.s[i] - 0.5 * veh.length[i]
    g = lanes.signal[lane]
    stop = g >= 0 and stop_for_signal(states[g], to_line, v, veh.comfort_decel[i])
    if not stop and to_line < YIELD_HORIZON:
        stop = _must_yield(w, i, lane, nxt, lo, hi)
    if not stop:
        return math.inf
    return idm_acceleration(v, veh.v0[i], to_line, v, veh.time_gap[i], veh.min_gap[i], veh.max_accel[i],
                            veh.comfort_decel[i])


@njit(**BORROWING)
def walkers_accel(w, i, walkers, n_walkers):
    """IDM deceleration [m/s²] of driver i for walkers ahead in its corridor, or who will be in it (or across
    it) by the time the driver gets there at its present speed; inf if none."""
    veh = w.vehicles
    c, s = math.cos(veh.heading[i]), math.sin(veh.heading[i])
    a = math.inf
    for m in range(n_walkers):
        j = walkers[m]
        dx, dy = veh.x[j] - veh.x[i], veh.y[j] - veh.y[i]
        ahead = dx * c + dy * s
        if ahead <= 0.0 or ahead > WALKER_LOOKOUT:
            continue
        half = 0.5 * (veh.width[i] + veh.width[j]) + WALKER_CLEARANCE
        lat = -dx * s + dy * c                       # the walker's offset now and when the driver gets there
        lat_then = lat + veh.speed[j] * math.sin(veh.heading[j] - veh.heading[i]) * ahead / max(veh.speed[i], 0.1)
        if abs(lat) < half or abs(lat_then) < half or lat * lat_then < 0.0:
            a = min(a, idm_acceleration(veh.speed[i], veh.v0[i], ahead - 0.5 * (veh.length[i] + veh.length[j]),
                                        veh.speed[i], veh.time_gap[i], veh.min_gap[i], veh.max_accel[i],
                                        veh.comfort_decel[i]))
    return a


@njit(**BORROWING)
def follow_accel(w, i, j):
    """keep_time_gap: IDM acceleration [m/s²] of agent i behind agent j, measured along i's heading."""
    veh = w.vehicles
    c, s = math.cos(veh.heading[i]), math.sin(veh.heading[i])
    along = (veh.x[j] - veh.x[i]) * c + (veh.y[j] - veh.y[i]) * s
    if along <= 0.0:
        return math.inf                               # the agent to follow is behind: nothing to keep a gap to
    gap = along - 0.5 * (veh.length[i] + veh.length[j])
    v = veh.speed[i]
    return idm_acceleration(v, veh.v0[i], gap, v - veh.speed[j] * math.cos(veh.heading[j] - veh.heading[i]),
                            veh.time_gap[i], veh.min_gap[i], veh.max_accel[i], veh.comfort_decel[i])


@njit(**BORROWING)
def move_through(w, i, st):
    """Pure-pursuit target (x, y) at arc length st beyond the end of agent i's lane, on its route's successor."""
    veh, dr, lanes = w.vehicles, w.drive, w.lanes
    lane = veh.lane[i]
    st -= lanes.cum_s[lanes.start[lane + 1] - 1]
    nxt = lanes.next[lane, dr.route[i]]
    k = locate(lanes.cum_s, lanes.start, nxt, lanes.start[nxt], st)
    return lane_point(lanes.points, lanes.cum_s, lanes.tangent, k, st, dr.d_ref[i])


@njit(**BORROWING)
def move_on_path(w, i, a, dt):
    """Drive agent i along its path by pure pursuit; at the path's end it joins the nearest lane abreast."""
    veh, dr, paths, lanes = w.vehicles, w.drive, w.paths, w.lanes
    pth = dr.path[i]
    p0, p1 = paths.start[pth], paths.start[pth + 1]
    end = paths.cum_s[p1 - 1]
    h = veh.heading[i]
    c, sn = math.cos(h), math.sin(h)
    lr = 0.5 * veh.wheelbase[i]
    v = veh.speed[i]
    rx, ry = veh.x[i] - lr * c, veh.y[i] - lr * sn
    st = dr.path_s[i] + max(LOOKAHEAD_MIN, LOOKAHEAD_TIME * v)
    k = locate(paths.cum_s, paths.start, pth, p0, min(st, end))
    tx, ty, _, _ = frenet_to_xy(paths.points, paths.cum_s, k, st, 0.0)
    kappa = pure_pursuit_curvature(rx, ry, c, sn, tx, ty)
    k_max = math.tan(veh.max_steer[i]) / veh.wheelbase[i]
    kappa = min(k_max, max(-k_max, kappa))
    veh.steer[i] = math.atan(veh.wheelbase[i] * kappa)
    ds, v1 = travel(v, a, dt)
    rx, ry, h1 = arc_advance(rx, ry, h, ds, kappa)
    x, y = rx + lr * math.cos(h1), ry + lr * math.sin(h1)
    veh.x[i], veh.y[i], veh.heading[i], veh.speed[i] = x, y, h1, v1
    dr.odometer[i] += ds
    hint = locate(paths.cum_s, paths.start, pth, p0, dr.path_s[i])
    _, dr.path_s[i], _ = project(paths.points, paths.cum_s, paths.start, pth, hint, x, y)
    lane = veh.lane[i]
    k, s, d = project(lanes.points, lanes.cum_s, lanes.start, lane, dr.seg[i], x, y)
    dr.seg[i], veh.s[i], dr.d[i] = k, s, d
    if dr.path_s[i] >= end - 0.5:
        dr.done[i] = True
        dr.mode[i] = ON_LANE
        for side in (lanes.left[lane], lanes.right[lane]):   # join the lane the path ended in
            if side >= 0:
                hint = locate(lanes.cum_s, lanes.start, side, lanes.start[side], s)
                k2, s2, d2 = project(lanes.points, lanes.cum_s, lanes.start, side, hint, x, y)
                if abs(d2) < abs(dr.d[i]):
                    veh.lane[i], dr.seg[i], veh.s[i], dr.d[i] = side, k2, s2, d2
        dr.d_ref[i] = 0.0


@njit(**BORROWING)
def next_lane(w, vi, i, t):
    """Agent i ran past its lane's end: continue on the route's successor, or record the end of the road."""
    veh, dr, lanes = w.vehicles, w.drive, w.lanes
    while True:
        lane = veh.lane[i]
        length = lane_length(lanes, lane)
        if veh.s[i] <= length:
            return
        nxt = lanes.next[lane, dr.route[i]]
        if nxt < 0:
            if dr.flags[i] & REPORTED_END == 0:
                dr.flags[i] |= REPORTED_END
                record(w, vi, END_OF_ROAD, t, i, -1, veh.s[i] - length)
            return
        if lanes.connector[lane] == 1:
            dr.route[i] = STRAIGHT                  # the turn is done; straight on at the next junction
        k, s, d = project(lanes.points, lanes.cum_s, lanes.start, nxt, lanes.start[nxt], veh.x[i], veh.y[i])
        veh.lane[i], dr.seg[i], veh.s[i], dr.d[i] = nxt, k, s, d
        dr.lc_from[i] = -1                          # the lane it left is behind it now
        w.behaviour.stop_s[i] -= length             # a stop_at target stays where it was (nan stays nan)


class Scratch(NamedTuple):
    """Working arrays of a run, owned by the caller so that step kernels allocate nothing."""

    ints: np.ndarray         # (N_total,) int64 MOBIL decisions, by agent
    changers: np.ndarray     # (N,) int64 agents changing lanes this step
    shadow: np.ndarray       # (N_total,) int64 a lane changer still partly ahead in the agent's lane
    ahead: np.ndarray        # (N_total,) int64 a lane changer's leader in the lane it leaves
    accel: np.ndarray        # (N_total,) float64 [m/s²] by agent
    follow_a: np.ndarray     # (N_total,) float64 [m/s²] car following in the lane alone (what MOBIL weighs)
    idm_k: np.ndarray        # (N_total,) float64 [s²/m] kernels.idm_root of each agent
    walkers: np.ndarray      # (N,) int64 walking agents (absolute indices)
    walk_idx: np.ndarray     # (N,) int64 the same, relative to the variant's first agent
    radius: np.ndarray       # (N,) float64 [m] circumradius of each box, set at the start of a run
    sweep: np.ndarray        # (N,) int64 agents of the variant by x (or y) − radius (collisions.sweep_contacts)
    sweep_key: np.ndarray    # (N,) float64 [m] their x (or y) − radius, in that order
    sweep_axis: np.ndarray   # (1,) int64 the axis of that order: 0 x, 1 y
    walk_x: np.ndarray       # (N,) float64 [m] walkers' positions before they step
    walk_y: np.ndarray       # (N,) float64 [m]
    walks: np.ndarray        # (N,) bool, all False: walkers.walk_into's working arrays
    walk_new: np.ndarray     # (6, N) float64
    walk_done: np.ndarray    # (N,) bool
    active: np.ndarray       # (N,) bool, all True
    lanes: np.ndarray        # (L + 1,) int64 lane blocks of the sorted order
    calm: np.ndarray         # (L,) int64 1: no stop line matters (no signal, no successor with conflicts)
    plain: np.ndarray        # (N_total,) int64 1: may take step 3's plain path (on a lane, not changing, no
                             # change_speed, stop_at, keep_time_gap or constant_speed) this step
    states: np.ndarray       # (G,) int8 signal states
    stack: np.ndarray        # (MAX_STACK,) float64 condition evaluation
    contacts: np.ndarray     # (MAX_CONTACTS, 2) int64
    geo: np.ndarray          # (lanekeep.GEO_ROWS, N) float64 the lane keepers' segment geometry
    res: np.ndarray          # (lanekeep.RES_ROWS, N) float64 their plain steps; both 0 columns: no fast paths
    ends: np.ndarray         # (K,) int64 1: behaviour step k can end (set by run_variant for its agents)
    sort_lane: np.ndarray    # (N,) int64 kernels.sort_by_lane's keys
    sort_s: np.ndarray       # (N,) float64
    judged: np.ndarray       # (N,) int64 agents on a behaviour step that can end (absolute indices)
    need: np.ndarray         # (N,) bool criteria.update_criteria's marks


def scratch(w, fast_paths: bool = True) -> Scratch:
    """Scratch arrays for running World w (any variant). Without ``fast_paths`` every agent takes the general
    code: no SIMD lane-keeping pass, no plain path in the acceleration pass (the results are bit for bit the
    same; tests compare the two)."""
    total = w.vehicles.x.shape[0]
    n = total // w.clock.t.shape[0]
    return Scratch(ints=np.empty(total, dtype=np.int64), changers=np.empty(n, dtype=np.int64),
                   shadow=np.full(total, -1, dtype=np.int64), ahead=np.full(total, -1, dtype=np.int64),
                   accel=np.zeros(total), follow_a=np.zeros(total), idm_k=np.zeros(total),
                   walkers=np.empty(n, dtype=np.int64),
                   walk_idx=np.empty(n, dtype=np.int64),
                   radius=np.empty(n), sweep=np.arange(n, dtype=np.int64), sweep_key=np.empty(n),
                   sweep_axis=np.zeros(1, dtype=np.int64),
                   walk_x=np.empty(n), walk_y=np.empty(n), walks=np.zeros(n, dtype=np.bool_), walk_new=np.empty((6, n)),
                   walk_done=np.empty(n, dtype=np.bool_),
                   active=np.ones(n, dtype=np.bool_), lanes=np.empty(w.lanes.start.shape[0], dtype=np.int64),
                   calm=np.empty(w.lanes.start.shape[0] - 1, dtype=np.int64), plain=np.zeros(total, dtype=np.int64),
                   states=np.empty(w.junctions.offset.shape[0], dtype=np.int8), stack=np.empty(MAX_STACK),
                   contacts=np.empty((MAX_CONTACTS, 2), dtype=np.int64), geo=np.zeros((GEO_ROWS, n * fast_paths)),
                   res=np.zeros((RES_ROWS, n * fast_paths)),
                   ends=np.zeros(w.program.op.shape[0], dtype=np.int64), sort_lane=np.empty(n, dtype=np.int64),
                   sort_s=np.empty(n), judged=np.empty(n, dtype=np.int64),
                   need=np.empty(n, dtype=np.bool_))


@njit(**BORROWING)
def run_variant(w, vi, lo, hi, dt, steps, sc, collide, ego, crit, rec_x, rec_y, rec_h, rec_v):
    """Advance variant vi (agents lo … hi − 1) ``steps`` steps of dt [s], in place, with Scratch sc.

    collide: record collision events. crit (7,) float64: the ego's criteria, folded in after every step
    (empty: none). rec_x, rec_y, rec_h, rec_v (steps + 1, N): x, y, heading, speed after every step (row 0
    is left to the caller; empty: none). The whole run is one function with the arrays taken out of the records once:
    a Numba call costs about 10 ns per array it passes (reference counting), so helpers are called only
    for what is rare (signals, yielding, walkers, paths, lane ends, step changes, events). It counts no
    references itself (config.BORROWING): with counting, every array an inlined kernel binds (sweep_contacts,
    update_criteria) cost an atomic increment and decrement each step, some 4 ns per agent-step."""
    lo, hi = nonneg(lo), nonneg(hi)            # every index below is ≥ 0: see kernels.nonneg
    veh, dr, bh, lanes, jn, clk, prog = w.vehicles, w.drive, w.behaviour, w.lanes, w.junctions, w.clock, w.program
    mu = clk.friction[vi]
    g_mu = mu * G
    accel, walkers, walk_idx, changers, stack = sc.accel, sc.walkers, sc.walk_idx, sc.changers, sc.stack
    follow_a, holds, decide, states = sc.follow_a, sc.ints, sc.ints, sc.states   # the agents whose step ends, then
    # MOBIL's decisions: one array
    # taken out here, not in the loop: a record's field read there costs an atomic reference count each step
    b_t0, b_odo0, c_code, c_val, c_a, c_b = bh.t0, bh.odo0, prog.code, prog.cval, prog.ca, prog.cb
    j_offset, j_green, j_yellow, j_cycle = jn.offset, jn.green, jn.yellow, jn.cycle
    wx, wy, radius = sc.walk_x, sc.walk_y, sc.radius
    walks, walk_new, walk_done = sc.walks, sc.walk_new, sc.walk_done
    shadow, ahead, contacts, active, need = sc.shadow, sc.ahead, sc.contacts, sc.active[:hi - lo], sc.need
    sweep, sweep_key, sweep_axis, sort_lane, sort_s = sc.sweep, sc.sweep_key, sc.sweep_axis, sc.sort_lane, sc.sort_s
    for k in range(hi - lo):
        sweep[k] = k
        ln, wd = veh.length[lo + k], veh.width[lo + k]
        radius[k] = 0.5 * math.sqrt(ln * ln + wd * wd)
    touching = w.events.touching[vi]
    record_crit, record_traj = crit.shape[0] > 0, rec_x.shape[0] > 0
    x, y, hd, sp, lane, s = veh.x, veh.y, veh.heading, veh.speed, veh.lane, veh.s
    length, width, wb, v0, tg, s0, amax, bc = (veh.length, veh.width, veh.wheelbase, veh.v0, veh.time_gap,
                                               veh.min_gap, veh.max_accel, veh.comfort_decel)
    xv, yv, hv, vv, lv, wv = x[lo:hi], y[lo:hi], hd[lo:hi], sp[lo:hi], length[lo:hi], width[lo:hi]   # views
    mode, seg, d, d_ref, route, order = dr.mode, dr.seg, dr.d, dr.d_ref, dr.route, dr.order
    lc_t, lc_dur = dr.lc_t, dr.lc_duration
    cmds, free, follow, stop_s = bh.accel_cmd, bh.free, bh.follow, bh.stop_s
    pts, cum, start, nxt_tab, stop_line = lanes.points, lanes.cum_s, lanes.start, lanes.next, lanes.stop_line
    tan = lanes.tangent
    max_steer, steer, acc_out, dynamic, vy_a, yaw_a = veh.max_steer, veh.steer, veh.accel, dr.dynamic, dr.vy, dr.yaw_rate
    mobil_a, flags, odo, lc_d0, lc_prof = dr.mobil, dr.flags, dr.odometer, dr.lc_d0, dr.lc_profile
    mass, inertia, corner = dr.mass, dr.yaw_inertia, dr.cornering
    trig_h, cos_h, sin_h = dr.trig_heading, dr.cos_h, dr.sin_h
    room_l, room_r, signal, jfirst = lanes.room_left, lanes.room_right, lanes.signal, jn.first
    target_speed, stop_decel = bh.target_speed, bh.stop_decel
    lc_from, politeness, path_done, bstep, pop, pfirst, cond_first = (dr.lc_from, dr.politeness, dr.done, bh.step,
                                                                       prog.op, prog.first, prog.cond_first)
    lane_hd = lanes.heading
    n_agents = hi - lo                                 # views of this variant for the lane keepers' SIMD pass
    geo, res = sc.geo, sc.res
    fast = geo.shape[1] >= n_agents                    # the fast paths: off with scratch(…, fast_paths=False)
    simd = fast and n_agents >= SIMD_MIN_AGENTS        # the lane keepers' SIMD pass: see lanekeep.SIMD_MIN_AGENTS
    begin, calm, plain = sc.lanes, sc.calm, sc.plain
    for L in range(calm.shape[0]):                     # lanes where no driver ever waits at a stop line
        calm[L] = 1 if fast and signal[L] < 0 else 0
        for r in range(nxt_tab.shape[1]):
            nx = nxt_tab[L, r]
            if nx >= 0 and jfirst[nx + 1] > jfirst[nx]:
                calm[L] = 0
    if simd:
        geo[SEG, :n_agents] = -1.0                     # nothing gathered yet for this variant
    cv, snv, s_v, acc_v, wb_v, dref_v, ms_v = (dr.cos_h[lo:hi], dr.sin_h[lo:hi], veh.s[lo:hi], sc.accel[lo:hi],
                                               veh.wheelbase[lo:hi], dr.d_ref[lo:hi], veh.max_steer[lo:hi])
    th_v, seg_v, d_v, vy_v, yaw_v, acco_v, odo_v = (dr.trig_heading[lo:hi], dr.seg[lo:hi], dr.d[lo:hi], dr.vy[lo:hi],
                                                    dr.yaw_rate[lo:hi], veh.accel[lo:hi], dr.odometer[lo:hi])
    g0, g1, g2, g3, g4, g5, g6, g7, g8, g9, g10, g11 = (geo[0], geo[1], geo[2], geo[3], geo[4], geo[5], geo[6],
                                                        geo[7], geo[8], geo[9], geo[10], geo[11])
    ends = sc.ends                                     # 1: a step that can end (an until, or a maneuver that
    for i in range(lo, hi):                            # finishes with a step after it); the rest are never judged
        for k in range(pfirst[i], pfirst[i + 1]):
            op = pop[k]
            ends[k] = 1 if cond_first[k] < cond_first[k + 1] or (k < pfirst[i + 1] - 1 and (
                op == CHANGE_LANE or op == CHANGE_SPEED or op == STOP_AT or op == FOLLOW_PATH or op == WALK_ACROSS)) \
                else 0
    judged, n_judged = sc.judged, -1                   # (−1: to be listed)
    rk = sc.idm_k                                      # IDM's 1/(2√(ab)), renewed wherever a step sets a or b
    for i in range(lo, hi):
        rk[i] = idm_root(amax[i], bc[i])
    for it in range(steps):
        t = clk.t[vi]
        if clk.tick[vi] == 0:
            start_programs(w, lo, hi, t)
            n_judged = -1
            for i in range(lo, hi):
                rk[i] = idm_root(amax[i], bc[i])
        if n_judged < 0:                                   # the agents on a step that can end, listed anew
            n_judged = 0                                   # whenever steps have changed
            for i in range(lo, hi):
                i = nonneg(i)
                k = bstep[i]
                if k >= 0 and ends[k] == 1:
                    judged[n_judged] = i
                    n_judged += 1
        n_hold = 0
        for m in range(n_judged):                          # 1. behaviours: which steps end (all judged first) …
            i = judged[m]
            k = nonneg(bstep[i])
            op = pop[k]
            done = (op == CHANGE_LANE and lc_dur[i] == 0.0) or (op == CHANGE_SPEED and math.isnan(cmds[i])) or \
                (op == STOP_AT and sp[i] == 0.0 and s[i] >= stop_s[i] - 0.5) or \
                ((op == FOLLOW_PATH or op == WALK_ACROSS) and path_done[i])
            if (done and k < pfirst[i + 1] - 1) or (cond_first[k] < cond_first[k + 1] and condition_holds(
                    x, y, hd, sp, acc_out, s, lane, length, d, odo, b_t0, b_odo0, cond_first, c_code, c_val, c_a, c_b,
                    i, k, t, lo, stack)):
                holds[lo + n_hold] = i
                n_hold += 1
        for m in range(n_hold):                            # … then the next ones start
            i = holds[lo + m]
            if bstep[i] < pfirst[i + 1] - 1:
                start_step(w, i, bstep[i] + 1, t, lo)
                rk[i] = idm_root(amax[i], bc[i])
            else:                                          # the last step ended by its until: its commands too
                bstep[i] = -1
                cmds[i], stop_s[i], follow[i] = math.nan, math.nan, -1
        if n_hold > 0:
            n_judged = -1
        sort_by_lane(order, lane, s, lo, hi, sort_lane, sort_s)
        lane_blocks(order, lane, lo, hi, start.shape[0] - 1, begin)
        if states.shape[0] > 0:
            signal_states_into(t, j_offset, j_green, j_yellow, j_cycle, states)
        n_walkers = n_walking = n_changers = n_mobil = n_listed = 0
        for i in range(lo, hi):                        # who may take step 3's plain path, without a branch
            i = nonneg(i)
            m, ln, lc = mode[i], lane[i], lc_dur[i]
            on = (m == ON_LANE) & (ln >= 0)
            n_mobil += on & (mobil_a[i] == 1)
            plain[i] = on & math.isnan(cmds[i]) & (free[i] == 0) & (follow[i] < 0) & math.isnan(stop_s[i]) & \
                (lc <= 0.0)
            n_listed += (lc > 0.0) | (m == WALKING) | ((m == STATIC) & (ln < 0))
        if n_listed > 0:                               # lane changers; walkers and what stands off the lanes
            for i in range(lo, hi):
                i = nonneg(i)
                m = mode[i]
                if m == WALKING or (m == STATIC and lane[i] < 0):
                    walkers[n_walkers] = i
                    n_walkers += 1
                    if m == WALKING:                   # those who walk in step 6
                        walk_idx[n_walking] = i - lo
                        n_walking += 1
                if lc_dur[i] > 0.0:
                    changers[n_changers] = i
                    n_changers = nonneg(n_changers + 1)
        any_change, any_mobil = n_changers > 0, n_mobil > 0
        if any_change:                                     # lane changers still partly in the lane they left
            for i in range(lo, hi):
                i = nonneg(i)
                shadow[i] = -1
                ahead[i] = -1
            for m in range(n_changers):
                c = changers[m]
                L = lc_from[c]
                if L < 0 or mode[c] != ON_LANE:
                    continue
                T = lane[c]
                k = seg[c]
                if lanes.right[T] == L or lanes.left[T] == L:
                    s_old = abreast(lanes.right_s if lanes.right[T] == L else lanes.left_s, cum, k, s[c])
                else:
                    s_old = s[c]
                if math.isnan(s_old):
                    continue
                L = nonneg(L)
                first, end = nonneg(begin[L]), nonneg(begin[L + 1])
                lo_b, hi_b = first, end
                while lo_b < hi_b:                         # the first agent of lane L at or beyond s_old
                    mid = nonneg((lo_b + hi_b) // 2)
                    if s[nonneg(order[mid])] < s_old:
                        lo_b = nonneg(mid + 1)
                    else:
                        hi_b = mid
                if lo_b > first:
                    fol = nonneg(order[lo_b - 1])
                    if shadow[fol] < 0 or s[shadow[fol]] > s[c]:
                        shadow[fol] = c
                if lo_b < end:
                    ahead[c] = order[lo_b]
        # 3. accelerations, in lane order
        for p in range(lo, hi):
            p = nonneg(p)
            i = nonneg(order[p])
            if plain[i] == 1 and n_walkers == 0 and not (any_change and shadow[i] >= 0):
                L = nonneg(lane[i])                    # the plain path: the agent right ahead leads, IDM alone
                if calm[L] == 1 and p + 1 < begin[L + 1]:
                    j = nonneg(order[p + 1])
                    if lc_dur[j] > 0.0 or abs(d[j] - d[i]) < 0.5 * (width[i] + width[j]) + LATERAL_CLEARANCE:
                        a = idm_acceleration_k(sp[i], v0[i], s[j] - s[i] - 0.5 * (length[i] + length[j]),
                                               sp[i] - sp[j], tg[i], s0[i], amax[i], bc[i], rk[i])
                        follow_a[i] = a
                        accel[i] = max(-g_mu, a)
                        continue
            m = mode[i]
            if m == ON_PATH:
                accel[i] = follow_a[i] = cmds[i] if not math.isnan(cmds[i]) else \
                    idm_acceleration_k(sp[i], v0[i], math.inf, 0.0, tg[i], s0[i], amax[i], bc[i], rk[i])
                continue
            if m != ON_LANE or lane[i] < 0:
                accel[i] = follow_a[i] = 0.0
                continue
            if not math.isnan(cmds[i]):
                accel[i] = follow_a[i] = max(-g_mu, cmds[i])
                continue
            if free[i] == 1:
                accel[i] = follow_a[i] = 0.0
                continue
            L = nonneg(lane[i])
            v = sp[i]
            a = math.inf
            nxt = nxt_tab[L, nonneg(route[i])]
            to_line = stop_line[L] - s[i] - 0.5 * length[i]
            at_line = (signal[L] >= 0 or (nxt >= 0 and jfirst[nxt + 1] > jfirst[nxt])) and \
                0.0 < to_line < YIELD_HORIZON + v * v / (2.0 * bc[i])     # a signal or a conflict ahead matters
            beside = any_change and (shadow[i] >= 0 or ahead[i] >= 0)    # a lane changer half in this lane
            if follow[i] >= 0:
                a = a_lane = follow_accel(w, i, follow[i] + lo)
            else:
                j = -1
                gap_base = 0.0
                p0, p1 = p + 1, nonneg(begin[L + 1])
                if p0 >= p1 and nxt >= 0:                  # nobody ahead here: the last agent on the route's next lane
                    p0, p1 = nonneg(begin[nxt]), nonneg(begin[nxt + 1])
                    gap_base = cum[start[L + 1] - 1]
                for q in range(p0, min(p1, p0 + LEADER_SCAN)):
                    q = nonneg(q)
                    jj = nonneg(order[q])
                    # agents beside the corridor (parked at the kerb) let others pass; lane changers see all
                    if lc_dur[i] > 0.0 or lc_dur[jj] > 0.0 or \
                            abs(d[jj] - d[i]) < 0.5 * (width[i] + width[jj]) + LATERAL_CLEARANCE:
                        j = jj
                        break
                gap, dv = math.inf, 0.0                    # inf: no leader, the free road
                if j >= 0:
                    gap, dv = gap_base + s[j] - s[i] - 0.5 * (length[i] + length[j]), v - sp[j]
                if not (at_line or beside) and n_walkers == 0 and math.isnan(stop_s[i]):
                    a = idm_acceleration_k(v, v0[i], gap, dv, tg[i], s0[i], amax[i], bc[i], rk[i])
                    follow_a[i] = a                        # the common case, the leader alone: done here
                    accel[i] = max(-g_mu, a)
                    continue
                if j >= 0:
                    a = idm_acceleration_k(v, v0[i], gap, dv, tg[i], s0[i], amax[i], bc[i], rk[i])
                a_lane = a                                 # what MOBIL weighs: not the lane changers beside
                if beside:
                    c, sn = math.cos(hd[i]), math.sin(hd[i])
                    for j in (shadow[i], ahead[i]):
                        if j >= 0:
                            gap = (x[j] - x[i]) * c + (y[j] - y[i]) * sn - 0.5 * (length[i] + length[j])
                            a = min(a, idm_acceleration_k(v, v0[i], gap, v - sp[j], tg[i], s0[i], amax[i], bc[i],
                                                          rk[i]))
            follow_a[i] = a_lane if not math.isinf(a_lane) else \
                idm_acceleration_k(v, v0[i], math.inf, 0.0, tg[i], s0[i], amax[i], bc[i], rk[i])
            if at_line:
                a = min(a, stop_line_accel(w, i, L, nxt, states, lo, hi))
            if n_walkers > 0:
                a = min(a, walkers_accel(w, i, walkers, n_walkers))
            if not math.isnan(stop_s[i]):                  # stop_at: brake at v²/2r once that reaches the set deceleration
                rest = stop_s[i] - s[i]
                if rest <= 1e-6:
                    a = min(a, -v / dt)
                elif v * v / (2.0 * rest) >= stop_decel[i]:
                    a = min(a, -v * v / (2.0 * rest))
            if math.isinf(a):
                a = idm_acceleration_k(v, v0[i], math.inf, 0.0, tg[i], s0[i], amax[i], bc[i], rk[i])
            accel[i] = max(-g_mu, a)
        # 4. lane changes
        if any_mobil:                                       # MOBIL: left on even steps, right on odd ones
            decide[lo:hi] = -1
            right = clk.tick[vi] % 2 == 1
            bias = MOBIL_KEEP_RIGHT if right else -MOBIL_KEEP_RIGHT
            for L in range(start.shape[0] - 1):
                T = lanes.right[L] if right else lanes.left[L]
                if T < 0 or begin[L] == begin[L + 1]:
                    continue
                side_s = lanes.right_s if right else lanes.left_s
                first, end = nonneg(begin[T]), nonneg(begin[T + 1])
                ptr = first
                for p in range(nonneg(begin[L]), nonneg(begin[L + 1])):
                    p = nonneg(p)
                    i = nonneg(order[p])
                    if mobil_a[i] == 0 or lc_dur[i] > 0.0 or mode[i] != ON_LANE:
                        continue
                    k = nonneg(seg[i])
                    s2 = abreast(side_s, cum, k, s[i])                    # abreast on lane T
                    if math.isnan(s2):
                        continue
                    while ptr < end and s[nonneg(order[ptr])] <= s2:
                        ptr = nonneg(ptr + 1)
                    while ptr > first and s[nonneg(order[ptr - 1])] > s2:
                        ptr = nonneg(ptr - 1)
                    half_i = 0.5 * length[i]
                    lead = nonneg(order[ptr]) if ptr < end else -1
                    fol = nonneg(order[ptr - 1]) if ptr > first else -1
                    o = nonneg(order[p - 1]) if p > begin[L] else -1    # the follower it leaves behind
                    gap, dv = math.inf, 0.0
                    if lead >= 0:
                        gap = s[lead] - s2 - half_i - 0.5 * length[lead]
                        if gap <= 0.0:
                            continue
                        dv = sp[i] - sp[lead]
                    a_new = idm_acceleration_k(sp[i], v0[i], gap, dv, tg[i], s0[i], amax[i], bc[i], rk[i])
                    if a_new < -MOBIL_SAFE_DECEL:
                        continue                            # nor may the changer itself need to brake harder
                    most = 0.0                              # the followers gain at most up to their max_accel
                    if fol >= 0:
                        most += amax[fol] - follow_a[fol]
                    if o >= 0:
                        most += amax[o] - follow_a[o]
                    if a_new - follow_a[i] + bias + politeness[i] * most <= MOBIL_THRESHOLD:
                        continue                            # no gain worth it even if the followers gained fully
                    a_fol_new = a_fol_old = 0.0
                    if fol >= 0:
                        gap = s2 - s[fol] - half_i - 0.5 * length[fol]
                        if gap <= 0.0:
                            continue
                        a_fol_new = idm_acceleration_k(sp[fol], v0[fol], gap, sp[fol] - sp[i], tg[fol], s0[fol],
                                                       amax[fol], bc[fol], rk[fol])
                        if a_fol_new < -MOBIL_SAFE_DECEL:
                            continue                        # the safety criterion
                        a_fol_old = follow_a[fol]
                    a_old_new = a_old_old = 0.0
                    if o >= 0:
                        a_old_old = follow_a[o]
                        gap, dv = math.inf, 0.0
                        if p + 1 < begin[L + 1]:
                            nb = nonneg(order[p + 1])
                            gap, dv = s[nb] - s[o] - 0.5 * (length[o] + length[nb]), sp[o] - sp[nb]
                        a_old_new = idm_acceleration_k(sp[o], v0[o], gap, dv, tg[o], s0[o], amax[o], bc[o], rk[o])
                    if mobil_incentive(a_new, follow_a[i], a_fol_new, a_fol_old, a_old_new, a_old_old,
                                       politeness[i], bias) <= MOBIL_THRESHOLD:
                        continue
                    clear = True                            # not into the space an agent still leaving T takes
                    ci, si = math.cos(hd[i]), math.sin(hd[i])
                    for m in range(n_changers):
                        c = changers[m]
                        if lc_from[c] == T:
                            along = (x[c] - x[i]) * ci + (y[c] - y[i]) * si
                            if abs(along) < 0.5 * (length[i] + length[c]) + s0[i] + sp[i] * tg[i]:
                                clear = False
                                break
                    if clear:
                        decide[i] = T
            for i in range(lo, hi):
                i = nonneg(i)
                if decide[i] >= 0:
                    lane_change_into(lane, s, x, y, seg, d, lc_from, lc_t, lc_dur, lc_d0, lc_prof, vy_a, yaw_a, d_ref,
                                     pts, cum, start, i, decide[i], DEFAULT_LANE_CHANGE, SINUSOIDAL)
        # 5. motion
        t1 = round(t + dt, 9)                          # nanoseconds: 10 × 0.1 s is 1 s, not 0.9999999999999999
        if simd:
            segments_ahead(lo, n_agents, mode, lane, lc_dur, dynamic, sp, hd, trig_h, seg, start, pts, cum, tan, geo)
            lane_keepers(n_agents, xv, yv, cv, snv, vv, s_v, acc_v, wb_v, dref_v, ms_v, g0, g1, g2, g3, g4, g5, g6,
                         g7, g8, g9, g10, g11, res, dt, g_mu)
            for j in range(n_agents):                  # the plain steps committed, the others left (SIMD selects)
                ok = res[OK, j] > 0.0
                h1 = hv[j] + res[DTH, j]
                xv[j] = res[X1, j] if ok else xv[j]
                yv[j] = res[Y1, j] if ok else yv[j]
                hv[j] = h1 if ok else hv[j]
                vv[j] = res[V1, j] if ok else vv[j]
                th_v[j] = h1 if ok else th_v[j]
                cv[j] = res[COS1, j] if ok else cv[j]
                snv[j] = res[SIN1, j] if ok else snv[j]
                seg_v[j] = seg_v[j] + 1 if ok and res[NEXT, j] > 0.0 else seg_v[j]
                s_v[j] = res[S1, j] if ok else s_v[j]
                d_v[j] = res[D1, j] if ok else d_v[j]
                vy_v[j] = 0.0 if ok else vy_v[j]
                yaw_v[j] = res[YAW, j] if ok else yaw_v[j]
                acco_v[j] = acc_v[j] if ok else acco_v[j]
                odo_v[j] = odo_v[j] + res[DS, j] if ok else odo_v[j]
        for i in range(lo, hi):
            i = nonneg(i)
            a = accel[i]
            col = nonneg(i - lo)                           # its column in the lane keepers' arrays
            kept = simd and res[OK, col] > 0.0             # lane keeping, the plain case: computed above
            m = ON_LANE if kept else mode[i]
            on_lane = kept or (m == ON_LANE and lane[i] >= 0)
            if kept:                                   # (a plain step ends on its lane: no lane's end here)
                steer[i] = steer_atan(res[WK, col])
            elif on_lane:
                L = nonneg(lane[i])
                a0, a1 = nonneg(start[L]), nonneg(start[L + 1])
                v = sp[i]
                if lc_dur[i] > 0.0:                        # a lane change: its profile in the target lane's frame
                    ds, v1 = travel(v, a, dt)
                    lc_t[i] += dt
                    u = min(1.0, lc_t[i] / lc_dur[i])
                    off, rate = lane_change_offset(lc_d0[i], u, lc_prof[i])
                    s1 = s[i] + ds
                    k = nonneg(seg[i])
                    while k < a1 - 2 and cum[k + 1] <= s1:
                        k += 1
                    x[i], y[i] = lane_point(pts, cum, tan, k, s1, off)
                    hd[i] = lane_hd[k] + atan_eighth(rate / (lc_dur[i] * max(v1, 0.1)))
                    sp[i], s[i], seg[i], d[i] = v1, s1, k, off
                    steer[i] = 0.0
                    if u >= 1.0:
                        lc_dur[i] = 0.0
                        lc_from[i] = -1
                else:                                      # lane keeping: pure pursuit, then a bicycle model
                    h = hd[i]
                    if h == trig_h[i]:                     # the rotation of the last step left them for h
                        c, sn = cos_h[i], sin_h[i]
                    else:
                        c, sn = math.cos(h), math.sin(h)
                    lr = 0.5 * wb[i]
                    rx, ry = x[i] - lr * c, y[i] - lr * sn
                    st = s[i] - lr + max(LOOKAHEAD_MIN, LOOKAHEAD_TIME * v)
                    if st > cum[a1 - 1] and nxt_tab[L, nonneg(route[i])] >= 0:
                        tx, ty = move_through(w, i, st)
                    else:
                        k = nonneg(seg[i])
                        while k < a1 - 2 and cum[k + 1] <= st:
                            k += 1
                        tx, ty = lane_point(pts, cum, tan, k, st, d_ref[i])
                    kappa = pure_pursuit_curvature(rx, ry, c, sn, tx, ty)
                    wk = wb[i] * kappa
                    if abs(wk) > max_steer[i]:           # tan(δ) ≥ δ: only then can the steering limit bind
                        lim = math.tan(max_steer[i])
                        if abs(wk) > lim:
                            wk = min(lim, max(-lim, wk))
                            kappa = wk / wb[i]
                    if v > 0.0 and abs(wk) * v * v > g_mu * wb[i]:
                        lim = g_mu * wb[i] / (v * v)        # no sharper than the tyres can hold
                        wk = min(lim, max(-lim, wk))
                        kappa = wk / wb[i]
                    steer[i] = steer_atan(wk)
                    if dynamic[i] == 1 and v >= DYNAMIC_MIN_SPEED:
                        # steer for the curvature through the understeer gradient: δ = (L + K·v²)·κ
                        k_us = 0.5 * mass[i] * (1.0 - 1.0 / REAR_STIFFNESS) / corner[i]
                        lim = math.tan(max_steer[i])
                        steer[i] = math.atan(min(lim, max(-lim, (wb[i] + k_us * v * v) * kappa)))
                        x1, y1, h1, v1, vy, r = dynamic_bicycle_advance(x[i], y[i], h, v, vy_a[i], yaw_a[i], a,
                                                                        steer[i], wb[i], mass[i],
                                                                        inertia[i], corner[i], mu, dt)
                        vy_a[i], yaw_a[i] = vy, r
                        ds = math.hypot(x1 - x[i], y1 - y[i])
                    else:
                        ds, v1 = travel(v, a, dt)
                        dth = ds * kappa
                        if abs(dth) < 1e-2:                  # the exact arc by series: no sine or cosine
                            rx, ry, c1, s1 = arc_series(rx, ry, c, sn, ds, dth)
                            h1 = h + dth
                        else:
                            rx, ry, h1 = arc_advance(rx, ry, h, ds, kappa)
                            c1, s1 = math.cos(h1), math.sin(h1)
                        x1, y1 = rx + lr * c1, ry + lr * s1
                        vy_a[i], yaw_a[i] = 0.0, v1 * kappa
                        trig_h[i], cos_h[i], sin_h[i] = h1, c1, s1
                    x[i], y[i], hd[i], sp[i] = x1, y1, h1, v1
                    k = nonneg(seg[i])                     # project back onto the lane, from the cached segment
                    moved = 0
                    while True:                            # f: [m] along segment k, of its length seg_len
                        ux, uy = tan[k, 0], tan[k, 1]
                        seg_len = cum[k + 1] - cum[k]
                        f = (x1 - pts[k, 0]) * ux + (y1 - pts[k, 1]) * uy
                        if f > seg_len and k < a1 - 2 and moved >= 0:
                            k += 1
                            moved = 1
                        elif f < 0.0 and k > a0 and moved <= 0:
                            k -= 1
                            moved = -1
                        else:
                            break
                    if (f < 0.0 and k > a0) or (f > seg_len and k < a1 - 2):
                        f = min(seg_len, max(0.0, f))
                    seg[i] = k
                    s[i] = cum[k] + f
                    d[i] = ux * (y1 - pts[k, 1]) - uy * (x1 - pts[k, 0])
                acc_out[i] = a
                odo[i] += ds
                if s[i] > cum[a1 - 1]:
                    next_lane(w, vi, i, t1)
            elif m == ON_PATH:
                move_on_path(w, i, a, dt)
                acc_out[i] = a
            elif m == STATIC:
                sp[i] = 0.0
                acc_out[i] = 0.0
            if on_lane:
                k = nonneg(seg[i])
                off_road = d[i] > room_l[k] or d[i] < -room_r[k]
                if off_road != (flags[i] & OFF_ROAD != 0):
                    if off_road:
                        record(w, vi, OFF_ROAD_EVENT, t1, i, -1, d[i])
                    flags[i] ^= OFF_ROAD
            if not math.isnan(cmds[i]):                    # change_speed reached its target: hold it from now on
                target = target_speed[i]
                if (cmds[i] < 0.0 and sp[i] <= target) or (cmds[i] > 0.0 and sp[i] >= target):
                    sp[i] = v0[i] = target
                    cmds[i] = math.nan
        clk.t[vi] = t1
        clk.tick[vi] += 1
        if n_walking > 0:
            sl = slice(lo, hi)
            for m in range(n_walking):
                wx[m], wy[m] = x[lo + walk_idx[m]], y[lo + walk_idx[m]]
            walk_into(walk_idx[:n_walking], x[sl], y[sl], hd[sl], sp[sl], v0[sl], dr.path[sl], dr.path_s[sl],
                      path_done[sl], dr.phase[sl], dr.stride[sl], w.paths.points, w.paths.cum_s, w.paths.start,
                      length[sl], width[sl], active, dt, walks, walk_new, walk_done)
            for m in range(n_walking):
                i = lo + walk_idx[m]
                odo[i] += math.hypot(x[i] - wx[m], y[i] - wy[m])
                acc_out[i] = 0.0
        if collide:
            n = sweep_contacts(x, y, hd, length, width, lo, hi, radius, sweep, sweep_key, sweep_axis, it == 0,
                               contacts)                # sort and sweep, nothing allocated
            for m in range(n):
                i, j = contacts[m, 0] + lo, contacts[m, 1] + lo
                new = True
                for q in range(touching.shape[0]):         # last step's pairs fill the first rows
                    if touching[q, 0] < 0:
                        break
                    if touching[q, 0] == i - lo and touching[q, 1] == j - lo:
                        new = False
                        break
                if new:
                    rel = math.hypot(sp[i] * math.cos(hd[i]) - sp[j] * math.cos(hd[j]),
                                     sp[i] * math.sin(hd[i]) - sp[j] * math.sin(hd[j]))
                    record(w, vi, COLLISION, t1, i, j, rel)
            for q in range(touching.shape[0]):             # clear the rows in use, not all K
                if touching[q, 0] < 0:
                    break
                touching[q, 0] = touching[q, 1] = -1
            for m in range(min(n, touching.shape[0])):
                touching[m, 0], touching[m, 1] = contacts[m, 0], contacts[m, 1]     # within the variant
        if record_crit:
            update_criteria(crit, t1, ego, xv, yv, hv, vv, lv, wv, active, need)
        if record_traj:
            kk = it + 1
            for j in range(n_agents):
                rec_x[kk, j], rec_y[kk, j], rec_h[kk, j], rec_v[kk, j] = xv[j], yv[j], hv[j], vv[j]
