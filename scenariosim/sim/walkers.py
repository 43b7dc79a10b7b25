"""Walking agents (pedestrians, cyclists on foot paths): a deterministic social-force model; @njit only.

After Helbing & Molnár (1995), "Social force model for pedestrian dynamics", Phys. Rev. E 51, 4282
(HM1995): each walker relaxes towards its desired velocity and is pushed away by every agent near it.
Every walker is computed from the state at the start of the step (all see the same old positions, so
the result does not depend on the order of ``idx``). Per walker i, of radius r = width/2:

- desired direction e: towards a carrot LOOKAHEAD metres along its path beyond its projection
  ``path_s`` (clamped to the path's end);
- relaxation: (v_des·e − v) / TAU;
- repulsion from every other active agent j within CUTOFF: A·exp((r − d)/B)·n, where d is the
  distance from i's centre to j's body and n the unit vector from j's nearest point to i. Another walker
  (an agent in ``idx``) is a disc of radius width/2, so d = centre distance − r_j as in HM1995's
  r_ij = r_i + r_j; any other agent is its oriented box (centre, heading, length × width), d the distance
  to its nearest point (negative inside: minus the depth to the nearest face). Weight 1 when j lies within
  the sight cone (e·(−n) ≥ cos SIGHT_ANGLE), else LAMBDA: HM1995's anisotropy;
- sidestep (our addition, not in HM1995): a share SIDESTEP·cos φ of a repulsion from ahead (cos φ =
  e·(−n) > 0) pushes sideways, away from the side of the path's direction on which j lies, to the right
  when j is dead ahead. Without it two walkers meeting exactly head-on only stop face to face (the
  model is symmetric and has no noise); with it they pass each other, left shoulder to left shoulder;
- semi-implicit Euler: v += a·dt, |v| ≤ MAX_SPEED_FACTOR·v_des, then x += v·dt;
- hard core (our addition: HFV2000's body force made rigid): against each agent j moved on by its own
  velocity for dt, a step that would end nearer than r to it and nearer than i starts has its approach
  along n cut to the gap left (i slides along j); if some j is still entered, i stays put this step.
  A walker thus never walks into a stationary box, and two walkers do not overlap beyond rounding of
  their predicted motion; an agent driving into a walker is not prevented here.

The heading is the direction of motion (kept at zero speed); the walk-cycle phase advances by the
distance moved / stride, modulo 1. When the projection reaches the path's end: done, speed 0.

Constants: TAU = 0.5 s, the sight cone 2φ = 200° with weight c = LAMBDA = 0.5 outside it, and
MAX_SPEED_FACTOR = 1.3 are HM1995's. A = 2.1 m/s² and B = 0.3 m are HM1995's potential strength
V⁰ = 2.1 m²/s² and range σ = 0.3 m, used as amplitude and range of the circular exponential force of
Helbing, Farkas & Vicsek (2000) and Helbing & Johansson (2009) (the gradient of HM1995's potential has
amplitude V⁰/σ = 7 m/s², and its elliptical, speed-dependent shape is not modelled: avoidance starts
late, within about a metre). CUTOFF = 5 m (the force there is below 3·10⁻⁷ m/s²), LOOKAHEAD = 1 m and
SIDESTEP = 0.5 are our choices.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from scenariosim.sim.config import BORROWING, JIT, SCALAR

TAU = 0.5                   # [s] relaxation time (HM1995)
A_SOCIAL = 2.1              # [m/s²] repulsion amplitude (HM1995's V⁰ as a force amplitude, see above)
B_SOCIAL = 0.3              # [m] repulsion range (HM1995's σ)
CUTOFF = 5.0                # [m] agents' boxes farther than this are ignored
SIGHT_ANGLE = math.radians(100.0)   # [rad] half the sight cone (HM1995: 2φ = 200°)
SIGHT_COS = math.cos(SIGHT_ANGLE)
LAMBDA = 0.5                # weight of a repulsion from outside the sight cone (HM1995's c)
SIDESTEP = 0.5              # share of a repulsion from ahead turned sideways (away from its side, else right)
MAX_SPEED_FACTOR = 1.3      # speed cap as a multiple of the desired speed (HM1995)
LOOKAHEAD = 1.0             # [m] carrot distance along the path beyond the walker's projection
PROJECT_WINDOW = 1.0        # [m] searched behind path_s and beyond the step's reach for the new projection
STRIDE_PER_HEIGHT = 0.83    # stride (two steps) ≈ 0.83 × body height: step ≈ 0.415 × height, an approximation
DONE_EPS = 1e-9             # [m] a projection this close to the path's end counts as at the end
TANGENT_STEP = 0.5          # [m] either side of path_s: the chord giving the path's direction
HARD_EPS = 1e-9             # [m] rounding allowed in the hard-core check


@njit(**JIT)
def walk_stride(height):
    """Stride length [m] (one walk cycle: two steps) of a walker ``height`` [m] tall: ≈ 0.83 × height.

    The pedometer rule of thumb step ≈ 0.415 × height (0.413 for women), doubled; an approximation.
    """
    return STRIDE_PER_HEIGHT * height


@njit(**SCALAR)
def box_distance(px, py, cx, cy, heading, length, width):
    """Signed distance [m] from point (px, py) to an oriented box (centre (cx, cy) [m], heading [rad],
    length × width [m]) and the unit vector (nx, ny) from its nearest boundary point to the point.

    Outside: the Euclidean distance to the nearest point. Inside: minus the depth to the nearest face,
    n that face's outward normal (ties: the length axis; the centre itself: along +heading).
    """
    c, s = math.cos(heading), math.sin(heading)
    dx, dy = px - cx, py - cy
    u, w = c * dx + s * dy, -s * dx + c * dy                    # in the box frame
    hl, hw = 0.5 * length, 0.5 * width
    if abs(u) <= hl and abs(w) <= hw:
        pen_u, pen_w = hl - abs(u), hw - abs(w)
        if pen_u <= pen_w:
            su = 1.0 if u >= 0.0 else -1.0
            return -pen_u, su * c, su * s
        sw = 1.0 if w >= 0.0 else -1.0
        return -pen_w, -sw * s, sw * c
    qu, qw = min(hl, max(-hl, u)), min(hw, max(-hw, w))
    eu, ew = u - qu, w - qw
    d = math.sqrt(eu * eu + ew * ew)
    eu, ew = eu / d, ew / d
    return d, c * eu - s * ew, s * eu + c * ew


@njit(**SCALAR)
def agent_distance(px, py, cx, cy, heading, length, width, disc):
    """Signed distance [m] and unit vector (nx, ny) from agent (centre (cx, cy), heading, length × width
    [m]) to the point (px, py): to a disc of radius width/2 where ``disc`` (another walker), else to its
    oriented box (``box_distance``). (0, 0) for a point at a disc's centre."""
    if not disc:
        return box_distance(px, py, cx, cy, heading, length, width)
    dx, dy = px - cx, py - cy
    c = math.sqrt(dx * dx + dy * dy)
    if c == 0.0:
        return -0.5 * width, 0.0, 0.0
    return c - 0.5 * width, dx / c, dy / c


@njit(**SCALAR)
def path_point(points, cum_s, a, b, s):
    """Point (x, y) [m] at arc length s [m] on the path owning points[a:b], clamped to its ends."""
    if s <= cum_s[a] or b - a < 2:
        return points[a, 0], points[a, 1]
    if s >= cum_s[b - 1]:
        return points[b - 1, 0], points[b - 1, 1]
    k = a + np.searchsorted(cum_s[a:b], s, side="right") - 1
    seg = cum_s[k + 1] - cum_s[k]
    f = (s - cum_s[k]) / seg
    return points[k, 0] + f * (points[k + 1, 0] - points[k, 0]), points[k, 1] + f * (points[k + 1, 1] - points[k, 1])


@njit(**SCALAR)
def project_on_path(points, cum_s, a, b, x, y, s_lo, s_hi):
    """Arc length [m] of the point nearest (x, y) on the path owning points[a:b] (P ≥ 2), among the
    segments k with cum_s[k + 1] ≥ s_lo and cum_s[k] ≤ s_hi (the first of equals wins). Never below the
    path's start; the last segment continues past the end, so the result exceeds the length there."""
    k0 = min(b - 2, max(a, a + np.searchsorted(cum_s[a:b], s_lo, side="left") - 1))
    best_d2, best_s = np.inf, cum_s[k0]
    for k in range(k0, b - 1):
        if cum_s[k] > s_hi:
            break
        ex, ey = points[k + 1, 0] - points[k, 0], points[k + 1, 1] - points[k, 1]
        seg2 = ex * ex + ey * ey
        f = 0.0 if seg2 == 0.0 else max(0.0, ((x - points[k, 0]) * ex + (y - points[k, 1]) * ey) / seg2)
        if k < b - 2:
            f = min(1.0, f)
        qx, qy = points[k, 0] + f * ex - x, points[k, 1] + f * ey - y
        d2 = qx * qx + qy * qy
        if d2 < best_d2:
            best_d2, best_s = d2, cum_s[k] + f * math.sqrt(seg2)
    return best_s


@njit(**SCALAR)
def _near(i, j, x, y, length, width, active):
    """Whether agent j counts as a neighbour of walker i: another active agent within reach of the cut-off."""
    if j == i or not active[j]:
        return False
    reach = CUTOFF + 0.5 * math.sqrt(length[j] * length[j] + width[j] * width[j])
    dx, dy = x[j] - x[i], y[j] - y[i]
    return dx * dx + dy * dy <= reach * reach


@njit(**JIT)
def step_walkers(idx, x, y, heading, speed, v_des, path, path_s, done, phase, stride,
                 paths_points, paths_cum_s, paths_start, length, width, active, dt):
    """Advance the walking agents ``idx`` one step of dt [s] (see the module docstring); in place.

    idx (M,) int64 agents that walk; x, y (N,) float64 [m] box centres, heading (N,) [rad], speed (N,)
    [m/s], path_s (N,) [m], done (N,) bool, phase (N,) in [0, 1): updated for idx only. v_des (N,) [m/s]
    desired speed; path (N,) int64 index into the path table (−1: none, the agent stays); stride (N,) [m]
    walk-cycle length (≤ 0: phase kept); paths_points (P, 2) [m], paths_cum_s (P,) [m] arc length within
    each path, paths_start (K + 1,) int64; length, width (N,) [m] every agent's box; active (N,) bool:
    inactive agents neither move nor push. Walkers not active, done or without a path are left as they are.
    """
    m, n = idx.shape[0], x.shape[0]
    walk_into(idx, x, y, heading, speed, v_des, path, path_s, done, phase, stride, paths_points, paths_cum_s,
              paths_start, length, width, active, dt, np.zeros(n, dtype=np.bool_), np.empty((6, m)),
              np.empty(m, dtype=np.bool_))


@njit(**BORROWING)
def walk_into(idx, x, y, heading, speed, v_des, path, path_s, done, phase, stride, paths_points, paths_cum_s,
              paths_start, length, width, active, dt, walks, new, new_done):
    """step_walkers with its working arrays given, so that it allocates and counts nothing (the engine's
    form): walks (N,) bool all False (left so), new (6, ≥ M) float64, new_done (≥ M,) bool."""
    m = idx.shape[0]
    n = x.shape[0]
    for k in range(m):
        walks[idx[k]] = True
    nx_, ny_, nh, nv, ns, nph, nd = new[0], new[1], new[2], new[3], new[4], new[5], new_done
    for k in range(m):
        i = idx[k]
        nx_[k], ny_[k], nh[k], nv[k] = x[i], y[i], heading[i], speed[i]
        ns[k], nph[k], nd[k] = path_s[i], phase[i], done[i]
        p = path[i]
        if not active[i] or done[i] or p < 0:
            continue
        a, b = paths_start[p], paths_start[p + 1]
        end = paths_cum_s[b - 1]
        if b - a < 2 or path_s[i] >= end - DONE_EPS:
            nd[k], nv[k], ns[k] = True, 0.0, end
            continue
        # desired direction: towards the carrot
        tx, ty = path_point(paths_points, paths_cum_s, a, b, path_s[i] + LOOKAHEAD)
        ex, ey = tx - x[i], ty - y[i]
        dist = math.sqrt(ex * ex + ey * ey)
        if dist > 1e-12:
            ex, ey = ex / dist, ey / dist
        else:
            ex, ey = 0.0, 0.0
        px_, py_ = path_point(paths_points, paths_cum_s, a, b, path_s[i] + TANGENT_STEP)
        qx_, qy_ = path_point(paths_points, paths_cum_s, a, b, path_s[i] - TANGENT_STEP)
        gx, gy = px_ - qx_, py_ - qy_                           # the path's direction here (sidestep side)
        vx, vy = speed[i] * math.cos(heading[i]), speed[i] * math.sin(heading[i])
        ax, ay = (v_des[i] * ex - vx) / TAU, (v_des[i] * ey - vy) / TAU
        # repulsion
        r = 0.5 * width[i]
        for j in range(n):
            if not _near(i, j, x, y, length, width, active):
                continue
            d, nx, ny = agent_distance(x[i], y[i], x[j], y[j], heading[j], length[j], width[j], walks[j])
            if d > CUTOFF:
                continue
            f = A_SOCIAL * math.exp((r - d) / B_SOCIAL)
            cos_phi = -(ex * nx + ey * ny)                      # e · (direction towards j)
            w = 1.0 if cos_phi >= SIGHT_COS else LAMBDA
            ax += w * f * nx
            ay += w * f * ny
            if cos_phi > 0.0:                                   # sidestep: to the right, (ey, −ex) ...
                side = -1.0 if gy * nx - gx * ny < 0.0 else 1.0  # ... unless j lies right of the path
                ax += side * SIDESTEP * f * cos_phi * ey
                ay -= side * SIDESTEP * f * cos_phi * ex
        # semi-implicit Euler with the speed cap
        vx += ax * dt
        vy += ay * dt
        v = math.sqrt(vx * vx + vy * vy)
        cap = MAX_SPEED_FACTOR * v_des[i]
        if v > cap:
            vx, vy = vx * (cap / v), vy * (cap / v)
        # hard core, against the others where they will be after dt at their current velocity
        for j in range(n):
            if not _near(i, j, x, y, length, width, active):
                continue
            cx, cy = x[j] + speed[j] * math.cos(heading[j]) * dt, y[j] + speed[j] * math.sin(heading[j]) * dt
            d0, nx, ny = agent_distance(x[i], y[i], cx, cy, heading[j], length[j], width[j], walks[j])
            d1 = agent_distance(x[i] + vx * dt, y[i] + vy * dt, cx, cy, heading[j], length[j], width[j], walks[j])[0]
            if d1 < r and d1 < d0:                              # slide: cut the approach to the gap left
                vn, allowed = vx * nx + vy * ny, -max(d0 - r, 0.0) / dt
                if vn < allowed:
                    vx += (allowed - vn) * nx
                    vy += (allowed - vn) * ny
        for j in range(n):
            if not _near(i, j, x, y, length, width, active):
                continue
            cx, cy = x[j] + speed[j] * math.cos(heading[j]) * dt, y[j] + speed[j] * math.sin(heading[j]) * dt
            d0 = agent_distance(x[i], y[i], cx, cy, heading[j], length[j], width[j], walks[j])[0]
            d1 = agent_distance(x[i] + vx * dt, y[i] + vy * dt, cx, cy, heading[j], length[j], width[j], walks[j])[0]
            if d1 < r - HARD_EPS and d1 < d0 - HARD_EPS:         # still entering: stay this step
                vx, vy = 0.0, 0.0
                break
        v = math.sqrt(vx * vx + vy * vy)
        nx_[k], ny_[k] = x[i] + vx * dt, y[i] + vy * dt
        nv[k] = v
        if v > 0.0:
            nh[k] = math.atan2(vy, vx)
        if stride[i] > 0.0:
            nph[k] = (phase[i] + v * dt / stride[i]) % 1.0
        s_new = project_on_path(paths_points, paths_cum_s, a, b, nx_[k], ny_[k],
                                path_s[i] - PROJECT_WINDOW, path_s[i] + v * dt + PROJECT_WINDOW)
        if s_new >= end - DONE_EPS:
            nd[k], nv[k], ns[k] = True, 0.0, end
        else:
            ns[k] = s_new
    for k in range(m):
        i = idx[k]
        x[i], y[i], heading[i], speed[i] = nx_[k], ny_[k], nh[k], nv[k]
        path_s[i], phase[i], done[i] = ns[k], nph[k], nd[k]
        walks[i] = False
