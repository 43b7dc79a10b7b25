"""Safety criteria of the ego against every other agent, accumulated step by step. @njit only.

A batched rollout keeps one (7,) float64 array per run, made by init_criteria, and calls update_criteria
once per step; no trajectory is stored. Post-encroachment time needs whole paths, so it is computed after
the run from stored trajectories by post_encroachment_time, and the caller stores it in crit[MIN_PET].

Definitions, formulas and references (Hayward 1972 for TTC, Cooper & Ferguson 1976 for DRAC, Allen, Shin
& Cooper 1978 for PET): docs/criteria.md. Units: SI throughout (m, s, m/s, m/s²).
Each kernel has a slow twin in tests/naive_criteria.py that the tests compare against.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from scenariosim.sim.collisions import argsort_stable, box_gap_local, corner_tuple_cs
from scenariosim.sim.config import BORROWING, JIT, NESTED, SCALAR, STEP
from scenariosim.sim.kernels import cos_sin_small

#: names of the entries of a criteria array, in order
CRITERIA = ("collision", "collision_time", "min_ttc", "min_thw", "min_distance", "max_drac", "min_pet")
COLLISION = 0        # 1.0 once the ego's box has overlapped another active agent's box, else 0.0
COLLISION_TIME = 1   # [s] the first time it did; inf if never
MIN_TTC = 2          # [s] least time to collision with an agent in the ego's path
MIN_THW = 3          # [s] least time headway (bumper gap / ego speed) to an agent in the ego's path
MIN_DISTANCE = 4     # [m] least box-to-box distance to any active agent
MAX_DRAC = 5         # [m/s²] largest deceleration rate to avoid a crash with an agent in the ego's path
MIN_PET = 6          # [s] least post-encroachment time; filled by the caller from post_encroachment_time

#: [m/s] least speed used in post-encroachment time, so a nearly standing agent gives a finite time
PET_MIN_SPEED = 0.1
#: relative margin [m per m of distance, plus as much] under update_criteria's cheap lower bound of a bumper gap,
#: far above its rounding (~1e-15 relative), so the bound never exceeds the gap path_gap computes
GAP_MARGIN = 1e-9
#: the least agents for which update_criteria takes two passes (_fold_marked): with fewer, the first pass and
#: its call cost about what they spare (the benchmark's batched traffic folded alone, first 8 … 20 agents: two
#: passes slower at 8 and 10, break-even at 12, faster from 16 on; the batched benchmark, 20 agents: ×1.027, see
#: docs/simulation.md)
TWO_PASSES_MIN_AGENTS = 12


@njit(**JIT)
def init_criteria():
    """A fresh criteria array: (7,) float64, indexed by the constants above, in the order of CRITERIA.

    collision 0, collision_time inf, min_ttc / min_thw / min_distance / min_pet inf, max_drac 0.
    """
    crit = np.empty(7, dtype=np.float64)
    crit[COLLISION] = 0.0
    crit[COLLISION_TIME] = math.inf
    crit[MIN_TTC] = math.inf
    crit[MIN_THW] = math.inf
    crit[MIN_DISTANCE] = math.inf
    crit[MAX_DRAC] = 0.0
    crit[MIN_PET] = math.inf
    return crit


@njit(**JIT)
def path_gap(xe, ye, he, le, we, xj, yj, hj, lj, wj):
    """Bumper gap [m] from the ego to agent j when j is in the ego's path, else NaN.

    Scalars: centres [m], headings [rad], lengths and widths [m] of the ego (e) and of j → float64 [m].
    j is in the path when its centre lies ahead of the ego's centre along the ego's heading and its box,
    projected on the ego's lateral axis, overlaps [−we/2, +we/2] with positive length. The gap is the
    distance along the ego's heading from the ego's front bumper to the nearest point of the part of j's
    box inside that corridor (the first point the ego would touch driving straight on), floored at 0.
    """
    c, s = math.cos(he), math.sin(he)
    dx, dy = xj - xe, yj - ye
    lon = dx * c + dy * s
    if not (lon > 0.0):
        return math.nan
    cj, sj = math.cos(hj), math.sin(hj)
    return _path_gap_local(lon, -dx * s + dy * c, cj * c + sj * s, sj * c - cj * s, lj, wj, le, we)


@njit(**SCALAR)
def gap_lower_bound(lon, cr, sr, lj, wj, le):
    """A lower bound [m] of path_gap for agent j whose centre lies lon [m] ahead of the ego's along its heading,
    j's heading relative to the ego's given by its cosine cr and sine sr: j's box reaches 0.5·(l·|cr| + w·|sr|)
    back from its centre along the ego's heading, less GAP_MARGIN for rounding."""
    return lon - 0.5 * (le + lj * abs(cr) + wj * abs(sr)) - GAP_MARGIN * (1.0 + abs(lon))


@njit(**SCALAR)
def _path_gap_local(lon0, lat0, cr, sr, lj, wj, le, we):
    """path_gap in the ego's frame: j's centre (lon0 ahead, lat0 to the left) [m] and heading relative to the
    ego's, as its cosine cr and sine sr."""
    q = corner_tuple_cs(lon0, lat0, cr, sr, lj, wj)     # j's corners in the ego's frame
    lon, lat = (q[0], q[2], q[4], q[6]), (q[1], q[3], q[5], q[7])
    lat_lo, lat_hi = min(min(lat[0], lat[1]), min(lat[2], lat[3])), max(max(lat[0], lat[1]), max(lat[2], lat[3]))
    half = 0.5 * we
    if not (min(lat_hi, half) - max(lat_lo, -half) > 0.0):
        return math.nan
    # least lon over j's box clipped to the corridor |lat| ≤ half: reached at a corner inside the
    # corridor or where an edge crosses one of the corridor's two side lines
    near = math.inf
    for k in range(4):
        if -half <= lat[k] <= half:
            near = min(near, lon[k])
        k1 = (k + 1) % 4
        for q in range(2):
            side = half if q else -half
            if (lat[k] - side) * (lat[k1] - side) < 0.0:
                f = (side - lat[k]) / (lat[k1] - lat[k])
                near = min(near, lon[k] + f * (lon[k1] - lon[k]))
    return max(0.0, near - 0.5 * le)


@njit(**SCALAR)
def _ego_frame(dx, dy, ce, se):
    """(lon, lat) [m]: an offset (dx, dy) [m] from the ego's centre, ahead of it and to its left, the ego's heading
    given by its cosine ce and sine se."""
    return dx * ce + dy * se, -dx * se + dy * ce


@njit(**SCALAR)
def _in_reach(dx, dy, d_min, re, lj, wj):
    """Whether j's box may lie closer than d_min [m] to the ego's, its centre (dx, dy) [m] from the ego's: only if
    the centres are closer than d_min plus both circumradii, the ego's re and j's bounded by (lj + wj)/2, which
    spares two square roots (a looser test only computes a few more distances)."""
    reach = d_min + re + 0.5 * (lj + wj)
    return dx * dx + dy * dy < reach * reach


@njit(**SCALAR)
def _in_corridor(lon, lat, dh, we, lj, wj):
    """Whether j's box, its centre lon ahead and lat to the left of the ego's [m] and heading dh [rad] relative
    to the ego's, may reach into the ego's corridor ahead: not when behind, nor when wholly beside it, as the box
    reaches at most 0.5·(l·|sin dh| + w·|cos dh|) ≤ 0.5·(l·min(1, |dh|) + w) to the side of its centre."""
    return (lon > 0.0) & (abs(lat) < 0.5 * (we + lj * min(1.0, abs(dh)) + wj))


@njit(**SCALAR)
def _changes_nothing(g_lo, dv, ve, min_thw, min_ttc, max_drac):
    """Whether an agent in the ego's path at a gap of at least g_lo [m] > 0, closing at dv [m/s] on an ego at ve
    [m/s], leaves the criteria min_thw, min_ttc [s] and max_drac [m/s²] as they are (NaN g_lo, dv or ve: False)."""
    return g_lo > 0.0 and (ve <= 0.0 or g_lo >= min_thw * ve) and \
        (dv <= 0.0 or (g_lo >= min_ttc * dv and dv * dv <= 2.0 * max_drac * g_lo))


@njit(**STEP)
def update_criteria(crit, t, ego, x, y, h, speed, l, w, active, need):
    """Fold one step of the world into the ego's criteria, in place.

    crit (7,) float64 from init_criteria; t float64 [s] the time of this state; ego int the ego's index;
    x, y (N,) float64 [m]; h (N,) float64 [rad]; speed (N,) float64 [m/s] along each heading;
    l, w (N,) float64 [m]; active (N,) bool. Inactive agents (and an inactive ego) are ignored.
    need (≥ N,) bool: scratch, where _fold_marked (below) marks whom to measure.

    collision becomes 1 (and collision_time t) the first time the ego's box overlaps an active agent's box.
    For each active agent j in the ego's path (see path_gap), with bumper gap g and closing speed
    dv = v_ego − v_j·cos(h_j − h_ego): TTC = g/dv when dv > 0; THW = g/v_ego when v_ego > 0;
    DRAC = dv²/(2g) when dv > 0 and g > 0. min_distance: the least box_distance to any active agent.
    min_ttc, min_thw and min_distance keep their least value over time, max_drac its largest.
    Each agent is taken in the ego's frame, its heading relative to the ego's by its cosine and sine
    (kernels.cos_sin_small when nearly parallel: no library call), where collisions.box_gap_local gives both
    the overlap and the distance. An agent in the path whose gap cannot be below a cheap lower bound that
    already changes no criterion (the usual case: agents further ahead than the leader) is not measured.

    With TWO_PASSES_MIN_AGENTS agents or more, _fold_marked takes two passes; with fewer, one pass measures
    every agent in turn. The results are the same to the bit.
    """
    if not active[ego]:
        return
    xe, ye, he, le, we, ve = x[ego], y[ego], h[ego], l[ego], w[ego], speed[ego]
    ce, se = math.cos(he), math.sin(he)
    re = 0.5 * math.sqrt(le * le + we * we)              # the ego's circumradius
    if x.shape[0] >= TWO_PASSES_MIN_AGENTS:
        _fold_marked(crit, t, ego, x, y, h, speed, l, w, active, need, xe, ye, he, ce, se, le, we, ve, re)
        return
    for j in range(x.shape[0]):
        if j == ego or not active[j]:
            continue
        _measure(crit, t, j, x, y, h, speed, l, w, xe, ye, he, ce, se, le, we, ve, re)


@njit(**BORROWING)
def _fold_marked(crit, t, ego, x, y, h, speed, l, w, active, need, xe, ye, he, ce, se, le, we, ve, re):
    """update_criteria in two passes; the ego's centre (xe, ye), heading he with its cosine ce and sine se,
    length le, width we, speed ve and circumradius re given. The first pass, without branches (so in SIMD),
    marks in need the agents that may change a criterion, judged by the criteria as they stood before this
    step; the second measures those, in order, judging each anew by the criteria as they stand then. Within a
    step min_distance, min_thw and min_ttc only fall and max_drac only rises, and every test is monotonic in
    them; both passes compute the same values by the same helpers and expressions (fastmath off: no fused
    operations), and a NaN (a relative heading beyond cos_sin_small) always marks. So every agent that could
    change a criterion in one pass over all agents is marked: the same result to the bit. (Not inlined: at few
    agents even the unused first pass, inlined into the engine, slowed it.)"""
    n = x.shape[0]
    d_min, thw, ttc, drac = crit[MIN_DISTANCE], crit[MIN_THW], crit[MIN_TTC], crit[MAX_DRAC]
    for j in range(n):                                   # 1. who may change a criterion
        dx, dy = x[j] - xe, y[j] - ye
        lon, lat = _ego_frame(dx, dy, ce, se)
        dh = h[j] - he
        cr, sr = cos_sin_small(dh)                       # NaN beyond 0.01 rad: then never ruled out
        in_path = _in_corridor(lon, lat, dh, we, l[j], w[j]) & (not _changes_nothing(
            gap_lower_bound(lon, cr, sr, l[j], w[j], le), ve - speed[j] * cr, ve, thw, ttc, drac))
        need[j] = (j != ego) & active[j] & (_in_reach(dx, dy, d_min, re, l[j], w[j]) | in_path)
    for j in range(n):                                   # 2. those, measured
        if need[j]:
            _measure(crit, t, j, x, y, h, speed, l, w, xe, ye, he, ce, se, le, we, ve, re)


@njit(**SCALAR)
def _measure(crit, t, j, x, y, h, speed, l, w, xe, ye, he, ce, se, le, we, ve, re):
    """Fold active agent j (not the ego) into the criteria: update_criteria's work for one agent, the ego's
    state given as in _fold_marked."""
    dx, dy = x[j] - xe, y[j] - ye
    near = _in_reach(dx, dy, crit[MIN_DISTANCE], re, l[j], w[j])
    lon, lat = _ego_frame(dx, dy, ce, se)                 # j's centre in the ego's frame
    dh = h[j] - he
    ahead = _in_corridor(lon, lat, dh, we, l[j], w[j])
    if not (near or ahead):
        return
    cr, sr = cos_sin_small(dh)                            # cos and sin of j's heading relative to the ego's
    if math.isnan(cr):
        cj, sj = math.cos(h[j]), math.sin(h[j])
        cr, sr = cj * ce + sj * se, sj * ce - cj * se
    if near:
        hit, dist = box_gap_local(lon, lat, cr, sr, le, we, l[j], w[j])
        if hit and crit[COLLISION] == 0.0:
            crit[COLLISION] = 1.0
            crit[COLLISION_TIME] = t
        crit[MIN_DISTANCE] = min(crit[MIN_DISTANCE], dist)
    if not ahead:
        return
    dv = ve - speed[j] * cr
    g_lo = gap_lower_bound(lon, cr, sr, l[j], w[j], le)   # skip the exact gap if even g_lo changes nothing
    if _changes_nothing(g_lo, dv, ve, crit[MIN_THW], crit[MIN_TTC], crit[MAX_DRAC]):
        return
    g = _path_gap_local(lon, lat, cr, sr, l[j], w[j], le, we)
    if math.isnan(g):
        return
    if dv > 0.0:
        crit[MIN_TTC] = min(crit[MIN_TTC], g / dv)
        if g > 0.0:
            crit[MAX_DRAC] = max(crit[MAX_DRAC], dv * dv / (2.0 * g))
    if ve > 0.0:
        crit[MIN_THW] = min(crit[MIN_THW], g / ve)


@njit(**NESTED)
def _path_bounds(tx, ty):
    """Bounding boxes of every column of a trajectory: (x0, y0, x1, y1), each (N,) float64 [m]; NaN samples
    are skipped (a column of NaN only gives inf, inf, −inf, −inf). One pass along the rows, so the inner loop
    runs along memory over the agents."""
    n = tx.shape[1]
    x0, y0 = np.full(n, math.inf), np.full(n, math.inf)
    x1, y1 = np.full(n, -math.inf), np.full(n, -math.inf)
    for k in range(tx.shape[0]):
        for i in range(n):
            a, b = tx[k, i], ty[k, i]
            x0[i] = a if a < x0[i] else x0[i]
            x1[i] = a if a > x1[i] else x1[i]
            y0[i] = b if b < y0[i] else y0[i]
            y1[i] = b if b > y1[i] else y1[i]
    return x0, y0, x1, y1


@njit(**JIT)
def post_encroachment_time(tx, ty, th, tv, l, w, ego, dt):
    """Least post-encroachment time [s] between the ego and any other agent whose centre path crosses it.

    tx, ty (T, N) float64 [m]: centre positions, row k at time k·dt; th (T, N) float64 [rad] headings
    (accepted for a later oblique conflict area; unused); tv (T, N) float64 [m/s] speeds; l, w (N,) float64
    [m]; ego int; dt float64 [s] → float64 [s], inf when no path crosses the ego's.

    Paths are the polylines through each agent's centres; a crossing is a proper point intersection of a
    segment of the ego's path with a segment of j's (parallel or zero-length segments never cross; a NaN
    sample breaks a path). At crossing point P, reached by the ego at t_e and by j at t_j (interpolated
    linearly within the segments), with speeds v interpolated from tv and floored at PET_MIN_SPEED, the first
    to arrive, A, leaves the conflict area at t_A + (l_A/2 + w_B/2)/v_A and the second, B, enters it at
    t_B − (l_B/2 + w_A/2)/v_B; PET = max(0, enter_B − exit_A). Minimum over all crossings and agents.
    """
    n_t, n = tx.shape
    best = math.inf
    if n_t < 2:
        return best
    bx0, by0, bx1, by1 = _path_bounds(tx, ty)
    ex0, ey0, ex1, ey1 = bx0[ego], by0[ego], bx1[ego], by1[ego]
    # per-segment bounds of the ego's path
    sx0 = np.empty(n_t - 1)
    sx1 = np.empty(n_t - 1)
    sy0 = np.empty(n_t - 1)
    sy1 = np.empty(n_t - 1)
    for k in range(n_t - 1):
        sx0[k] = min(tx[k, ego], tx[k + 1, ego])
        sx1[k] = max(tx[k, ego], tx[k + 1, ego])
        sy0[k] = min(ty[k, ego], ty[k + 1, ego])
        sy1[k] = max(ty[k, ego], ty[k + 1, ego])
    # the ego's segments without NaN ends (only those can cross) by their least x, so that each segment of j
    # looks only at those whose least x is within the widest ego segment's x extent of its own x span
    usable = np.empty(n_t - 1, dtype=np.int64)
    n_use, widest = 0, 0.0
    for k in range(n_t - 1):
        if not (math.isnan(tx[k, ego]) or math.isnan(tx[k + 1, ego]) or math.isnan(ty[k, ego]) or
                math.isnan(ty[k + 1, ego])):
            usable[n_use] = k
            n_use += 1
            widest = max(widest, sx1[k] - sx0[k])
    usable = usable[:n_use]
    by_x = usable[argsort_stable(sx0[usable])]
    x0_sorted = sx0[by_x]
    pad = 1e-6 * (1.0 + widest)                       # [m] against rounding in sx0 + widest ≥ sx1
    for j in range(n):
        if j == ego:
            continue
        if not (bx0[j] <= ex1 and ex0 <= bx1[j] and by0[j] <= ey1 and ey0 <= by1[j]):
            continue
        first = 0                                     # the first ego segment (by least x) that j's may cross
        for m in range(n_t - 1):
            qx, qy = tx[m, j], ty[m, j]
            rx, ry = tx[m + 1, j] - qx, ty[m + 1, j] - qy
            mx0, mx1 = min(qx, qx + rx), max(qx, qx + rx)
            my0, my1 = min(qy, qy + ry), max(qy, qy + ry)
            if not (mx0 <= ex1 and ex0 <= mx1 and my0 <= ey1 and ey0 <= my1):
                continue
            low = mx0 - widest - pad                  # np.searchsorted(x0_sorted, low), walked from the last
            while first > 0 and x0_sorted[first - 1] >= low:     # segment's: j's path moves a little per step
                first -= 1
            while first < n_use and x0_sorted[first] < low:
                first += 1
            for r in range(first, n_use):
                k = by_x[r]
                if x0_sorted[r] > mx1:
                    break
                if not (mx0 <= sx1[k] and sx0[k] <= mx1 and my0 <= sy1[k] and sy0[k] <= my1):
                    continue
                px, py = tx[k, ego], ty[k, ego]
                ux, uy = tx[k + 1, ego] - px, ty[k + 1, ego] - py
                denom = ux * ry - uy * rx
                if denom == 0.0:
                    continue
                ax, ay = qx - px, qy - py
                fe = (ax * ry - ay * rx) / denom       # fraction along the ego's segment
                fj = (ax * uy - ay * ux) / denom       # fraction along j's segment
                if not (0.0 <= fe <= 1.0 and 0.0 <= fj <= 1.0):
                    continue
                t_e = (k + fe) * dt
                t_j = (m + fj) * dt
                v_e = max(PET_MIN_SPEED, tv[k, ego] + fe * (tv[k + 1, ego] - tv[k, ego]))
                v_j = max(PET_MIN_SPEED, tv[m, j] + fj * (tv[m + 1, j] - tv[m, j]))
                if t_e <= t_j:
                    exit_first = t_e + (0.5 * l[ego] + 0.5 * w[j]) / v_e
                    enter_second = t_j - (0.5 * l[j] + 0.5 * w[ego]) / v_j
                else:
                    exit_first = t_j + (0.5 * l[j] + 0.5 * w[ego]) / v_j
                    enter_second = t_e - (0.5 * l[ego] + 0.5 * w[j]) / v_e
                best = min(best, max(0.0, enter_second - exit_first))
    return best
