"""Slow reference twin of sim.walkers.step_walkers: plain Python, one walker at a time, vectors as numpy
pairs, no shared helpers with the kernel (only its constants), so a bug in the kernel shows up as a
difference. It follows the model as the kernel's module docstring states it."""
from __future__ import annotations

import math

import numpy as np

from scenariosim.sim.walkers import (A_SOCIAL, B_SOCIAL, CUTOFF, DONE_EPS, HARD_EPS, LAMBDA, LOOKAHEAD,
                                     MAX_SPEED_FACTOR, PROJECT_WINDOW, SIDESTEP, SIGHT_ANGLE, TANGENT_STEP, TAU)


def point_on(points, cum, s):
    """The point at arc length s on a polyline, clamped to its ends."""
    if len(points) < 2 or s <= cum[0]:
        return points[0].copy()
    if s >= cum[-1]:
        return points[-1].copy()
    for k in range(len(points) - 1):
        if cum[k] <= s < cum[k + 1]:
            return points[k] + (s - cum[k]) / (cum[k + 1] - cum[k]) * (points[k + 1] - points[k])
    return points[-1].copy()


def project(points, cum, p, lo, hi):
    """Nearest point among segments overlapping [lo, hi] (the last extended past the end, none before the
    start); its arc length. The first of equally near segments wins."""
    best, best_s = math.inf, None
    last = len(points) - 2
    for k in range(len(points) - 1):
        if cum[k + 1] < lo or cum[k] > hi:
            continue
        e = points[k + 1] - points[k]
        seg2 = float(e @ e)
        f = 0.0 if seg2 == 0 else max(0.0, float((p - points[k]) @ e) / seg2)
        if k < last:
            f = min(1.0, f)
        dist2 = float(np.sum((points[k] + f * e - p) ** 2))
        if dist2 < best:
            best, best_s = dist2, cum[k] + f * math.sqrt(seg2)
    return best_s


def body(p, centre, heading, length, width, disc):
    """(signed distance, unit vector from the body's nearest point to p) to a disc or an oriented box."""
    if disc:
        off = p - centre
        c = float(np.hypot(*off))
        return (-width / 2, np.zeros(2)) if c == 0 else (c - width / 2, off / c)
    ax = np.array([math.cos(heading), math.sin(heading)])        # the box's length axis
    ay = np.array([-ax[1], ax[0]])                                # and its width axis
    u, w = float((p - centre) @ ax), float((p - centre) @ ay)
    if abs(u) <= length / 2 and abs(w) <= width / 2:              # inside: out through the nearest face
        depth_u, depth_w = length / 2 - abs(u), width / 2 - abs(w)
        if depth_u <= depth_w:
            return -depth_u, ax * (1.0 if u >= 0 else -1.0)
        return -depth_w, ay * (1.0 if w >= 0 else -1.0)
    nearest = centre + np.clip(u, -length / 2, length / 2) * ax + np.clip(w, -width / 2, width / 2) * ay
    off = p - nearest
    dist = float(np.hypot(*off))
    return dist, off / dist


def step_walkers(idx, x, y, heading, speed, v_des, path, path_s, done, phase, stride,
                 paths_points, paths_cum_s, paths_start, length, width, active, dt):
    """The same contract as the kernel: updates the walkers' arrays in place."""
    n = len(x)
    walks = set(int(i) for i in idx)
    pos = np.stack([x, y], axis=1).astype(float)
    vel = np.stack([speed * np.cos(heading), speed * np.sin(heading)], axis=1)
    predicted = pos + vel * dt
    new = {}
    for i in map(int, idx):
        if not active[i] or done[i] or path[i] < 0:
            continue
        a, b = paths_start[path[i]], paths_start[path[i] + 1]
        pts, cum = paths_points[a:b], paths_cum_s[a:b]
        end = cum[-1]
        if len(pts) < 2 or path_s[i] >= end - DONE_EPS:
            new[i] = (x[i], y[i], heading[i], 0.0, end, phase[i], True)
            continue
        p = pos[i]
        to_carrot = point_on(pts, cum, path_s[i] + LOOKAHEAD) - p
        e = to_carrot / np.hypot(*to_carrot) if np.hypot(*to_carrot) > 1e-12 else np.zeros(2)
        g = point_on(pts, cum, path_s[i] + TANGENT_STEP) - point_on(pts, cum, path_s[i] - TANGENT_STEP)
        right = np.array([e[1], -e[0]])
        r = width[i] / 2
        neighbours = [j for j in range(n) if j != i and active[j]
                      and np.hypot(*(pos[j] - p)) <= CUTOFF + np.hypot(length[j], width[j]) / 2]
        acc = (v_des[i] * e - vel[i]) / TAU
        for j in neighbours:
            d, nv = body(p, pos[j], heading[j], length[j], width[j], j in walks)
            if d > CUTOFF:
                continue
            force = A_SOCIAL * math.exp((r - d) / B_SOCIAL)
            cos_phi = float(e @ -nv)
            in_sight = cos_phi >= math.cos(SIGHT_ANGLE)
            acc = acc + (1.0 if in_sight else LAMBDA) * force * nv
            if cos_phi > 0:
                j_right_of_path = g[1] * nv[0] - g[0] * nv[1] < 0
                acc = acc + (-1.0 if j_right_of_path else 1.0) * SIDESTEP * force * cos_phi * right
        v = vel[i] + acc * dt
        cap = MAX_SPEED_FACTOR * v_des[i]
        if np.hypot(*v) > cap:
            v = v * (cap / np.hypot(*v))
        for j in neighbours:                                       # slide along what it would enter
            d0, nv = body(p, predicted[j], heading[j], length[j], width[j], j in walks)
            d1, _ = body(p + v * dt, predicted[j], heading[j], length[j], width[j], j in walks)
            if d1 < r and d1 < d0:
                allowed = -max(d0 - r, 0.0) / dt
                if float(v @ nv) < allowed:
                    v = v + (allowed - float(v @ nv)) * nv
        for j in neighbours:                                       # still entering one: stay
            d0, _ = body(p, predicted[j], heading[j], length[j], width[j], j in walks)
            d1, _ = body(p + v * dt, predicted[j], heading[j], length[j], width[j], j in walks)
            if d1 < r - HARD_EPS and d1 < d0 - HARD_EPS:
                v = np.zeros(2)
                break
        q = p + v * dt
        moved = float(np.hypot(*v))
        h = math.atan2(v[1], v[0]) if moved > 0 else heading[i]
        ph = (phase[i] + moved * dt / stride[i]) % 1.0 if stride[i] > 0 else phase[i]
        s = project(pts, cum, q, path_s[i] - PROJECT_WINDOW, path_s[i] + moved * dt + PROJECT_WINDOW)
        finished = s >= end - DONE_EPS
        new[i] = (q[0], q[1], h, 0.0 if finished else moved, end if finished else s, ph, finished)
    for i, (xi, yi, hi, vi, si, phi, di) in new.items():
        x[i], y[i], heading[i], speed[i], path_s[i], phase[i], done[i] = xi, yi, hi, vi, si, phi, di
