"""Slow reference twins of the Numba kernels: plain Python, written for clarity, not speed.

Each twin follows the published model directly (no sorting tricks, no shared helpers with the
kernels) so that a bug in a kernel shows up as a difference.
"""
from __future__ import annotations

import math

import numpy as np

from scenariosim.sim.kernels import IDM_DELTA, LOOKAHEAD_MIN, LOOKAHEAD_TIME, MAX_DECEL


def find_leaders(lane, s):
    """O(N²): for each agent the closest agent ahead on its lane (ties: the higher index is ahead)."""
    n = len(lane)
    out = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        best = None
        for j in range(n):
            if j == i or lane[j] != lane[i]:
                continue
            ahead = s[j] > s[i] or (s[j] == s[i] and j > i)
            if ahead and (best is None or (s[j], j) < (s[best], best)):
                best = j
        out[i] = -1 if best is None else best
    return out


def idm_acceleration(v, v0, gap, dv, T, s0, a, b):
    """Treiber's IDM, written out term by term; v0 = 0 brakes at b to a stop; at most MAX_DECEL."""
    if v0 <= 0:
        return -b if v > 0 else 0.0
    free_road = a * (1.0 - (v / v0) ** IDM_DELTA)
    if math.isinf(gap):
        return max(-MAX_DECEL, free_road)
    desired_gap = s0 + max(0.0, v * T + v * dv / (2.0 * math.sqrt(a * b)))
    return max(-MAX_DECEL, free_road - a * (desired_gap / max(gap, 1e-3)) ** 2)


def lane_point(points, cum_s, s):
    """Point at arc length s on one lane's polyline: clamped at the start, extended straight past the end."""
    if s <= cum_s[0]:
        return tuple(points[0])
    for k in range(len(cum_s) - 1):
        if cum_s[k] <= s < cum_s[k + 1] or k == len(cum_s) - 2:
            f = (s - cum_s[k]) / (cum_s[k + 1] - cum_s[k])
            return tuple(points[k] + f * (points[k + 1] - points[k]))


def project_on_lane(points, cum_s, x, y):
    """Global nearest point over every segment (the last one extended past the lane's end)."""
    best = (math.inf, 0.0)
    for k in range(len(cum_s) - 1):
        p, q = points[k], points[k + 1]
        e = q - p
        seg2 = float(e @ e)
        f = 0.0 if seg2 == 0 else max(0.0, float((np.array([x, y]) - p) @ e) / seg2)
        if k < len(cum_s) - 2:
            f = min(1.0, f)
        d2 = float(np.sum((p + f * e - np.array([x, y])) ** 2))
        if d2 < best[0]:
            best = (d2, cum_s[k] + f * math.sqrt(seg2))
    return best[1]


def bicycle_advance(x, y, heading, speed, accel, steer, L, dt):
    """Rear-axle kinematic bicycle, integrated with many tiny Euler substeps (a different method)."""
    substeps = 2000
    h = dt / substeps
    for _ in range(substeps):
        if speed <= 0.0 and accel <= 0.0:
            speed = 0.0
            break
        v_next = max(0.0, speed + accel * h)
        v_mid = 0.5 * (speed + v_next)
        x += v_mid * h * math.cos(heading + 0.5 * v_mid * h * math.tan(steer) / L)
        y += v_mid * h * math.sin(heading + 0.5 * v_mid * h * math.tan(steer) / L)
        heading += v_mid * h * math.tan(steer) / L
        speed = v_next
    return x, y, heading, speed


def step_vehicles(v, lanes, dt, advance=bicycle_advance):
    """One step of the whole world; returns a new dict of arrays (x, y, heading, speed, s, accel, steer)."""
    n = len(v.x)
    leader = find_leaders(v.lane, v.s)
    out = {k: np.array(getattr(v, k), dtype=np.float64) for k in ("x", "y", "heading", "speed", "s", "accel", "steer")}
    for i in range(n):
        a0, a1 = lanes.start[v.lane[i]], lanes.start[v.lane[i] + 1]
        pts, cs = lanes.points[a0:a1], lanes.cum_s[a0:a1]
        j = leader[i]
        if j >= 0 and v.s[j] >= lanes.cum_s[lanes.start[v.lane[j] + 1] - 1]:
            j = -1                                       # the leader has left the lane's end
        gap = math.inf if j < 0 else v.s[j] - v.s[i] - 0.5 * (v.length[i] + v.length[j])
        dv = 0.0 if j < 0 else v.speed[i] - v.speed[j]
        acc = idm_acceleration(v.speed[i], v.v0[i], gap, dv, v.time_gap[i], v.min_gap[i], v.max_accel[i], v.comfort_decel[i])
        lr = 0.5 * v.wheelbase[i]
        rx, ry = v.x[i] - lr * math.cos(v.heading[i]), v.y[i] - lr * math.sin(v.heading[i])
        tx, ty = lane_point(pts, cs, v.s[i] - lr + max(LOOKAHEAD_MIN, LOOKAHEAD_TIME * v.speed[i]))
        alpha = math.atan2(ty - ry, tx - rx) - v.heading[i]
        ld = math.hypot(tx - rx, ty - ry)
        steer = 0.0 if ld < 1e-6 else math.atan2(2.0 * v.wheelbase[i] * math.sin(alpha), ld)
        steer = min(v.max_steer[i], max(-v.max_steer[i], steer))
        rx, ry, h, sp = advance(rx, ry, v.heading[i], v.speed[i], acc, steer, v.wheelbase[i], dt)
        out["x"][i], out["y"][i] = rx + lr * math.cos(h), ry + lr * math.sin(h)
        out["heading"][i], out["speed"][i], out["accel"][i], out["steer"][i] = h, sp, acc, steer
        out["s"][i] = project_on_lane(pts, cs, out["x"][i], out["y"][i])
    return out


def dynamic_bicycle(x, y, heading, vx, vy, r, accel, steer, L, m, Iz, cf, cr, mu, dt, substeps=4000):
    """The single-track model with linear, saturating tyres (Rajamani 2012 §2.3), by tiny Euler steps."""
    lf = lr = L / 2
    f_max = 0.5 * mu * m * 9.81
    h = dt / substeps
    for _ in range(substeps):
        ff = min(f_max, max(-f_max, cf * (steer - math.atan2(vy + lf * r, vx))))
        fr = min(f_max, max(-f_max, cr * -math.atan2(vy - lr * r, vx)))
        dvy = (ff * math.cos(steer) + fr) / m - vx * r
        dr = (lf * ff * math.cos(steer) - lr * fr) / Iz
        x += h * (vx * math.cos(heading) - vy * math.sin(heading))
        y += h * (vx * math.sin(heading) + vy * math.cos(heading))
        heading += h * r
        vy += h * dvy
        r += h * dr
        vx = max(0.0, vx + h * accel)
    return x, y, heading, vx, vy, r


def sort_by_lane(lane, s):
    """Agents by (lane, s, index)."""
    return np.array(sorted(range(len(lane)), key=lambda i: (lane[i], s[i], i)), dtype=np.int64)
