"""Numba kernels: pure functions over arrays and scalars; @njit only. SI units throughout.

Each kernel has a slow twin in tests/naive.py that the tests compare against.
Model references: IDM after Treiber, Hennecke & Helbing (2000); kinematic bicycle model about the
rear axle; pure-pursuit steering after Coulter (1992).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from scenariosim.sim.config import JIT

IDM_DELTA = 4.0             # IDM free-road acceleration exponent δ
LOOKAHEAD_TIME = 1.0        # [s] pure-pursuit look-ahead per unit speed
LOOKAHEAD_MIN = 6.0         # [m] shortest pure-pursuit look-ahead
NO_LEADER = -1
MAX_DECEL = 9.81            # [m/s²] hardest braking tyres allow on dry asphalt (about 1 g)
PROJECT_MARGIN = 5.0        # [m] searched beyond the distance an agent can travel in one step


@njit(**JIT)
def find_leaders(lane, s):
    """Index of the nearest agent ahead on the same lane, or NO_LEADER.

    lane (N,) int64, s (N,) float64 [m] → (N,) int64. Ties in s are broken by agent index.
    An agent with lane < 0 (it has left the road) neither leads nor follows.
    """
    n = lane.shape[0]
    leader = np.full(n, NO_LEADER, dtype=np.int64)
    if n == 0:
        return leader
    order = np.argsort(s, kind="mergesort")
    order = order[np.argsort(lane[order], kind="mergesort")]   # by lane, then s, then index
    for k in range(n - 1):
        i, j = order[k], order[k + 1]
        if lane[i] == lane[j] and lane[i] >= 0:
            leader[i] = j
    return leader


@njit(**JIT)
def idm_acceleration(v, v0, gap, dv, time_gap, min_gap, max_accel, comfort_decel):
    """IDM acceleration [m/s²] for speed v, desired speed v0, bumper gap [m] and approach rate dv = v − v_lead.

    gap = inf means a free road. v0 = 0 means "stand still": brake comfortably to a stop.
    Never brakes harder than MAX_DECEL.
    """
    if v0 <= 0.0:
        return -comfort_decel if v > 0.0 else 0.0
    free = 1.0 - (v / v0) ** IDM_DELTA
    if math.isinf(gap):
        return max(-MAX_DECEL, max_accel * free)
    s_star = min_gap + max(0.0, v * time_gap + v * dv / (2.0 * math.sqrt(max_accel * comfort_decel)))
    return max(-MAX_DECEL, max_accel * (free - (s_star / max(gap, 1e-3)) ** 2))


@njit(**JIT)
def lane_point(points, cum_s, start, lane, s):
    """Point (x, y) [m] at arc length s on lane ``lane`` of the lane table; clamped before its
    start, and beyond its end continued straight along the last segment (so a look-ahead target
    stays ahead of an agent that drives off the end)."""
    a, b = start[lane], start[lane + 1]
    if s <= cum_s[a]:
        return points[a, 0], points[a, 1]
    k = min(b - 2, a + np.searchsorted(cum_s[a:b], s, side="right") - 1)
    f = (s - cum_s[k]) / (cum_s[k + 1] - cum_s[k])
    return points[k, 0] + f * (points[k + 1, 0] - points[k, 0]), points[k, 1] + f * (points[k + 1, 1] - points[k, 1])


@njit(**JIT)
def project_on_lane(points, cum_s, start, lane, x, y, s_lo, s_hi):
    """Arc length s [m] of the closest point to (x, y) on lane ``lane``'s centre line, among the
    segments that overlap [s_lo, s_hi] [m] (the stretch the agent can have reached this step).
    The last segment continues beyond the lane's end, so s grows past the lane length off the end."""
    a, b = start[lane], start[lane + 1]
    k0 = min(b - 2, max(a, a + np.searchsorted(cum_s[a:b], s_lo, side="right") - 1))
    k1 = min(b - 1, a + np.searchsorted(cum_s[a:b], s_hi, side="left") + 1)
    best_d2, best_s = np.inf, 0.0
    for k in range(k0, k1):
        ex, ey = points[k + 1, 0] - points[k, 0], points[k + 1, 1] - points[k, 1]
        seg2 = ex * ex + ey * ey
        f = 0.0 if seg2 == 0.0 else max(0.0, ((x - points[k, 0]) * ex + (y - points[k, 1]) * ey) / seg2)
        if k < b - 2:
            f = min(1.0, f)
        px, py = points[k, 0] + f * ex - x, points[k, 1] + f * ey - y
        d2 = px * px + py * py
        if d2 < best_d2:
            best_d2, best_s = d2, cum_s[k] + f * math.sqrt(seg2)
    return best_s


@njit(**JIT)
def pure_pursuit(x, y, heading, wheelbase, tx, ty, max_steer):
    """Front-wheel angle [rad] that steers a rear axle at (x, y) with heading onto target (tx, ty)."""
    dx, dy = tx - x, ty - y
    ld = math.hypot(dx, dy)
    if ld < 1e-6:
        return 0.0
    alpha = math.atan2(dy, dx) - heading
    delta = math.atan2(2.0 * wheelbase * math.sin(alpha), ld)
    return min(max_steer, max(-max_steer, delta))


@njit(**JIT)
def bicycle_advance(x, y, heading, speed, accel, steer, wheelbase, dt):
    """Kinematic bicycle step about the rear axle (x, y) [m]: returns (x, y, heading, speed).

    Distance this step: v·dt + a·dt²/2, cut where the vehicle stops; the axle then moves along an
    exact arc of curvature tan(steer) / wheelbase, so a constant steer gives radius L / tan(δ).
    """
    if speed + accel * dt < 0.0:
        t_stop = speed / -accel if accel < 0.0 else 0.0
        ds = speed * t_stop + 0.5 * accel * t_stop * t_stop
        new_speed = 0.0
    else:
        ds = speed * dt + 0.5 * accel * dt * dt
        new_speed = speed + accel * dt
    kappa = math.tan(steer) / wheelbase
    dtheta = ds * kappa
    if abs(dtheta) < 1e-9:
        return x + ds * math.cos(heading), y + ds * math.sin(heading), heading, new_speed
    h1 = heading + dtheta
    return (x + (math.sin(h1) - math.sin(heading)) / kappa,
            y + (math.cos(heading) - math.cos(h1)) / kappa, h1, new_speed)


@njit(**JIT)
def step_vehicles(v, lanes, dt):
    """Advance every vehicle by dt [s] in place: IDM along its lane, pure-pursuit lane keeping,
    kinematic bicycle motion. ``v`` is a Vehicles, ``lanes`` a LaneTable."""
    n = v.x.shape[0]
    leader = find_leaders(v.lane, v.s)
    accel = np.empty(n)
    steer = np.empty(n)
    rear_x = np.empty(n)                   # [m] rear-axle positions, from the state before the step
    rear_y = np.empty(n)
    for i in range(n):
        j = leader[i]
        if j != NO_LEADER and v.s[j] >= lanes.cum_s[lanes.start[v.lane[j] + 1] - 1]:
            j = NO_LEADER                  # the leader has driven off the end of the lane
        if j == NO_LEADER:
            gap, dv = np.inf, 0.0
        else:
            gap = v.s[j] - v.s[i] - 0.5 * (v.length[i] + v.length[j])
            dv = v.speed[i] - v.speed[j]
        accel[i] = idm_acceleration(v.speed[i], v.v0[i], gap, dv, v.time_gap[i], v.min_gap[i],
                                    v.max_accel[i], v.comfort_decel[i])
        lr = 0.5 * v.wheelbase[i]
        rear_x[i] = v.x[i] - lr * math.cos(v.heading[i])
        rear_y[i] = v.y[i] - lr * math.sin(v.heading[i])
        look = max(LOOKAHEAD_MIN, LOOKAHEAD_TIME * v.speed[i])
        tx, ty = lane_point(lanes.points, lanes.cum_s, lanes.start, v.lane[i], v.s[i] - lr + look)
        steer[i] = pure_pursuit(rear_x[i], rear_y[i], v.heading[i], v.wheelbase[i], tx, ty, v.max_steer[i])
    for i in range(n):
        lr = 0.5 * v.wheelbase[i]
        rx, ry, h, sp = bicycle_advance(rear_x[i], rear_y[i], v.heading[i], v.speed[i],
                                        accel[i], steer[i], v.wheelbase[i], dt)
        v.x[i] = rx + lr * math.cos(h)
        v.y[i] = ry + lr * math.sin(h)
        v.heading[i] = h
        v.speed[i] = sp
        v.accel[i] = accel[i]
        v.steer[i] = steer[i]
        reach = abs(v.speed[i]) * dt + 0.5 * abs(accel[i]) * dt * dt + PROJECT_MARGIN
        v.s[i] = project_on_lane(lanes.points, lanes.cum_s, lanes.start, v.lane[i], v.x[i], v.y[i],
                                 v.s[i] - reach, v.s[i] + reach)


@njit(**JIT)
def simulate_vehicles(v, lanes, dt, steps):
    """``steps`` calls of step_vehicles in one kernel call (no Python between steps)."""
    for _ in range(steps):
        step_vehicles(v, lanes, dt)
