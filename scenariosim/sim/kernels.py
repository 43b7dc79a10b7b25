"""Numba kernels for vehicles: car following, lane changes, lane geometry and the bicycle models.

Pure functions over arrays and scalars; @njit only; SI units. Each has a slow twin in tests/naive.py.
Models: IDM after Treiber, Hennecke & Helbing (2000); MOBIL after Kesting, Treiber & Helbing (2007);
kinematic bicycle about the rear axle and pure-pursuit steering after Coulter (1992); dynamic
single-track (bicycle) model with linear tyres after Rajamani, "Vehicle Dynamics and Control" (2012), §2.3.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from scenariosim.sim.config import JIT, SCALAR, STEP

G = 9.81                    # [m/s²]
IDM_DELTA = 4.0             # IDM free-road acceleration exponent δ
LOOKAHEAD_TIME = 1.0        # [s] pure-pursuit look-ahead per unit speed
LOOKAHEAD_MIN = 6.0         # [m] shortest pure-pursuit look-ahead
MAX_DECEL = 9.81            # [m/s²] hardest braking on dry asphalt (μ = 1); scaled by the road's friction
#: MOBIL (Kesting et al. 2007, table 1, European rules): changing threshold Δa_th, safe braking b_safe and the
#: keep-right bias a_bias [m/s²]
MOBIL_THRESHOLD = 0.1
MOBIL_SAFE_DECEL = 4.0
MOBIL_KEEP_RIGHT = 0.3
DYNAMIC_MIN_SPEED = 3.0     # [m/s] below this the dynamic model falls back to the kinematic one (tyre slip ill-posed)
DYNAMIC_SUBSTEP = 0.002     # [s] integration step of the dynamic model (its yaw mode is fast: ~0.1 s)
REAR_STIFFNESS = 1.15       # rear/front cornering stiffness ratio: a mildly understeering car


@njit(**SCALAR)
def nonneg(k):
    """Index k (0 ≤ k < 2⁶²) with its two top bits cleared. Numba turns every a[k] with a signed k into
    a[k + len(a) if k < 0 else k]; once LLVM sees the cleared bits it drops that select on every access with k
    (a quarter of the engine's time on the benchmark highway), and with k + 1 or the sum of two such indices
    too, which cannot overflow. A loop index from range(lo, hi) is not known to be ≥ 0 even when lo is (lo + k
    might overflow), so hot loops take theirs through nonneg as well. Only for values that cannot be negative."""
    return k & 0x3FFF_FFFF_FFFF_FFFF


@njit(**SCALAR)
def idm_root(max_accel, comfort_decel):
    """1 / (2·√(a·b)) [s²/m]: the per-agent constant of IDM's braking term, for idm_acceleration_k."""
    return 0.5 / math.sqrt(max_accel * comfort_decel)


@njit(**SCALAR)
def idm_acceleration_k(v, v0, gap, dv, time_gap, min_gap, max_accel, comfort_decel, root_k):
    """idm_acceleration with its constant root_k = idm_root(max_accel, comfort_decel) given (the engine keeps it
    per agent), and one division for both ratios v/v0 and s*/gap: a division costs ~13 cycles, a square root ~20."""
    if v0 <= 0.0:
        return -comfort_decel if v > 0.0 else 0.0
    if math.isinf(gap):
        r = v / v0
        r2 = r * r
        return max(-MAX_DECEL, max_accel * (1.0 - r2 * r2))
    g = max(gap, 1e-3)
    s_star = min_gap + max(0.0, v * time_gap + v * dv * root_k)
    inv = 1.0 / (v0 * g)
    r = v * g * inv
    q = s_star * v0 * inv
    r2 = r * r
    return max(-MAX_DECEL, max_accel * (1.0 - r2 * r2 - q * q))


@njit(**SCALAR)
def idm_acceleration(v, v0, gap, dv, time_gap, min_gap, max_accel, comfort_decel):
    """IDM acceleration [m/s²] for speed v, desired speed v0, bumper gap [m] and approach rate dv = v − v_lead:
    a·[1 − (v/v0)⁴ − (s*/gap)²] with s* = s0 + max(0, v·T + v·dv / (2·√(a·b))), the gap floored at 1 mm.

    gap = inf means a free road. v0 = 0 means "stand still": brake comfortably to a stop.
    Never brakes harder than MAX_DECEL (callers scale that by friction).
    """
    return idm_acceleration_k(v, v0, gap, dv, time_gap, min_gap, max_accel, comfort_decel,
                              idm_root(max_accel, comfort_decel))


@njit(**SCALAR)
def _before(lane_i, s_i, i, lane_j, s_j, j):
    """Agent i (on lane_i at arc length s_i) sorts before agent j: by lane, then s, then index."""
    if lane_i != lane_j:
        return lane_i < lane_j
    if s_i != s_j:
        return s_i < s_j
    return i < j


@njit(**STEP)
def sort_by_lane(order, lane, s, lo, hi, key_lane, key_s):
    """Insertion sort of order[lo:hi] by (lane, s, index), in place: O(n) on the nearly sorted order of
    the previous step (agents overtake rarely); a lane change moves an agent across one lane's block.
    key_lane (≥ hi − lo,) int64 and key_s (≥ hi − lo,) float64: scratch, left holding the lanes and arc lengths
    in the sorted order (sorting the keys beside the order spares a chain of dependent loads per comparison)."""
    lo, n = nonneg(lo), hi - lo
    for k in range(n):
        k = nonneg(k)
        i = nonneg(order[lo + k])
        key_lane[k], key_s[k] = lane[i], s[i]
    for k in range(1, n):
        k = nonneg(k)
        i, li, si = order[lo + k], key_lane[k], key_s[k]
        if not _before(li, si, i, key_lane[k - 1], key_s[k - 1], order[lo + k - 1]):
            continue                                    # in place already: the common case
        m = k - 1
        while m >= 0 and _before(li, si, i, key_lane[m], key_s[m], order[lo + m]):
            m = nonneg(m)
            order[lo + m + 1], key_lane[m + 1], key_s[m + 1] = order[lo + m], key_lane[m], key_s[m]
            m -= 1
        order[lo + m + 1], key_lane[m + 1], key_s[m + 1] = i, li, si


@njit(**STEP)
def lane_blocks(order, lane, lo, hi, n_lanes, begin):
    """begin (L + 1,) int64: agents of lane L sit at order[begin[L]:begin[L + 1]] (order sorted by lane).
    Agents with lane < 0 come first and belong to no block."""
    k = nonneg(lo)
    while k < hi and lane[nonneg(order[k])] < 0:
        k = nonneg(k + 1)
    for L in range(n_lanes + 1):
        while k < hi and lane[nonneg(order[k])] < L:
            k = nonneg(k + 1)
        begin[L] = k


@njit(**JIT)
def locate(cum_s, start, lane, hint, s):
    """Index k (absolute, in [start[lane], start[lane + 1] − 2]) of the segment holding arc length s, searched
    from ``hint`` (the agent's segment last step): cum_s[k] <= s < cum_s[k + 1] inside the lane."""
    a, b = start[lane], start[lane + 1]
    k = hint if a <= hint <= b - 2 else a
    steps = 0
    while k < b - 2 and cum_s[k + 1] <= s:
        k += 1
        steps += 1
        if steps > 32:                       # far away: binary search the rest
            return min(b - 2, max(a, a + np.searchsorted(cum_s[a:b], s, side="right") - 1))
    while k > a and cum_s[k] > s:
        k -= 1
    return k


@njit(**JIT)
def frenet_to_xy(points, cum_s, k, s, d):
    """(x, y, ux, uy): the point at arc length s on segment k (extended beyond its ends) offset d [m] to its
    left, and the segment's unit direction."""
    ex, ey = points[k + 1, 0] - points[k, 0], points[k + 1, 1] - points[k, 1]
    seg = math.sqrt(ex * ex + ey * ey)
    ux, uy = ex / seg, ey / seg
    f = (s - cum_s[k]) / (cum_s[k + 1] - cum_s[k])
    return points[k, 0] + f * ex - d * uy, points[k, 1] + f * ey + d * ux, ux, uy


@njit(**SCALAR)
def lane_point(points, cum_s, tangent, k, s, d):
    """(x, y): frenet_to_xy on a LaneTable, whose unit tangents spare the square root and divisions."""
    ux, uy, along = tangent[k, 0], tangent[k, 1], s - cum_s[k]
    return points[k, 0] + along * ux - d * uy, points[k, 1] + along * uy + d * ux


@njit(**JIT)
def project(points, cum_s, start, lane, hint, x, y):
    """(k, s, d): segment, arc length [m] and left offset [m] of (x, y) on lane ``lane``, searched from
    segment ``hint``. The first and last segments extend beyond the lane's ends (s < 0 or s > length there)."""
    a, b = start[lane], start[lane + 1]
    k = hint if a <= hint <= b - 2 else a
    moved = 0
    for _ in range(b - a):
        ex, ey = points[k + 1, 0] - points[k, 0], points[k + 1, 1] - points[k, 1]
        seg2 = ex * ex + ey * ey
        f = ((x - points[k, 0]) * ex + (y - points[k, 1]) * ey) / seg2
        if f > 1.0 and k < b - 2 and moved >= 0:
            k += 1
            moved = 1
        elif f < 0.0 and k > a and moved <= 0:
            k -= 1
            moved = -1
        else:
            break
    ex, ey = points[k + 1, 0] - points[k, 0], points[k + 1, 1] - points[k, 1]
    seg2 = ex * ex + ey * ey
    f = ((x - points[k, 0]) * ex + (y - points[k, 1]) * ey) / seg2
    if (f < 0.0 and k > a) or (f > 1.0 and k < b - 2):
        f = min(1.0, max(0.0, f))               # the point lies beyond a convex vertex: the vertex is nearest
    d = ((points[k + 1, 0] - points[k, 0]) * (y - points[k, 1]) - (points[k + 1, 1] - points[k, 1]) * (x - points[k, 0]))
    return k, cum_s[k] + f * (cum_s[k + 1] - cum_s[k]), d / math.sqrt(seg2)


@njit(**SCALAR)
def abreast(side_s, cum_s, k, s):
    """Arc length on the neighbouring lane abreast of arc length s on segment k (side_s: left_s or right_s)."""
    f = (s - cum_s[k]) / (cum_s[k + 1] - cum_s[k])
    return side_s[k] + f * (side_s[k + 1] - side_s[k])


@njit(**SCALAR)
def pure_pursuit_curvature(x, y, cos_h, sin_h, tx, ty):
    """Curvature [1/m] of the arc from a rear axle at (x, y) with heading (cos_h, sin_h) through (tx, ty):
    κ = 2·sin(α) / l_d = 2·(lateral offset of the target) / l_d² (Coulter 1992)."""
    dx, dy = tx - x, ty - y
    ld2 = dx * dx + dy * dy
    if ld2 < 1e-12:
        return 0.0
    return 2.0 * (-dx * sin_h + dy * cos_h) / ld2


@njit(**SCALAR)
def travel(speed, accel, dt):
    """(distance [m], new speed [m/s]) over dt at constant acceleration, stopping at zero speed."""
    if speed + accel * dt < 0.0:
        t_stop = speed / -accel if accel < 0.0 else 0.0
        return speed * t_stop + 0.5 * accel * t_stop * t_stop, 0.0
    return speed * dt + 0.5 * accel * dt * dt, speed + accel * dt


#: series coefficients as products: a division costs ~13 cycles, and without fastmath LLVM keeps x / 6.0 as one
THIRD, SIXTH, TWELFTH, TWENTIETH, THIRTIETH, FORTY_SECOND = (1.0 / 3.0, 1.0 / 6.0, 1.0 / 12.0, 1.0 / 20.0, 1.0 / 30.0,
                                                            1.0 / 42.0)


@njit(**SCALAR)
def arc_series(x, y, cos_h, sin_h, ds, dtheta):
    """(x, y, cos θ1, sin θ1): ds [m] along an arc turning dtheta [rad] (|dtheta| < 0.01) from (x, y) with
    heading θ0 given by its cosine and sine, by the series of sin(θ)/θ and (1 − cos θ)/θ: no sine or cosine,
    exact to rounding. Branch-free, so it also serves the SIMD loop of lanekeep.py."""
    q = dtheta * dtheta
    sinc = 1.0 - q * SIXTH * (1.0 - q * TWENTIETH)                         # sin(θ)/θ
    cosc = dtheta * 0.5 * (1.0 - q * TWELFTH * (1.0 - q * THIRTIETH))      # (1 − cos θ)/θ
    x += ds * (cos_h * sinc - sin_h * cosc)
    y += ds * (sin_h * sinc + cos_h * cosc)
    cd, sd = 1.0 - dtheta * cosc, dtheta * sinc                            # cos θ, sin θ
    return x, y, cos_h * cd - sin_h * sd, sin_h * cd + cos_h * sd


@njit(**SCALAR)
def cos_sin_small(a):
    """(cos a, sin a) by their Taylor series when |a| < 0.01 rad, exact to rounding there (the first term left out
    is below 1e-20 of the result); (nan, nan) otherwise, and for a nan. For the relative headings of agents
    along one road, which are nearly always that small: no library call."""
    if not abs(a) < 1e-2:
        return math.nan, math.nan
    q = a * a
    return (1.0 - q * 0.5 * (1.0 - q * TWELFTH * (1.0 - q * THIRTIETH)),
            a * (1.0 - q * SIXTH * (1.0 - q * TWENTIETH * (1.0 - q * FORTY_SECOND))))


@njit(**SCALAR)
def small_atan(w):
    """atan(w) for |w| ≤ 1e-4 by w·(1 − w²/3), exact to rounding there (the next term is below 1e-17·w)."""
    return w * (1.0 - w * w * THIRD)


@njit(**SCALAR)
def steer_atan(w):
    """atan(w) for any w, by small_atan where that is exact (the steering angle of a lane keeper, whose
    wheelbase · curvature is mostly tiny): no library call for most agents."""
    return math.atan(w) if abs(w) > 1e-4 else small_atan(w)


@njit(**SCALAR)
def arc_advance(x, y, heading, ds, kappa):
    """(x, y, heading) after ds [m] along an arc of curvature kappa [1/m] (exact; a straight line at κ = 0)."""
    dtheta = ds * kappa
    if abs(dtheta) < 1e-9:
        return x + ds * math.cos(heading), y + ds * math.sin(heading), heading
    h1 = heading + dtheta
    return x + (math.sin(h1) - math.sin(heading)) / kappa, y + (math.cos(heading) - math.cos(h1)) / kappa, h1


@njit(**JIT)
def bicycle_advance(x, y, heading, speed, accel, steer, wheelbase, dt):
    """Kinematic bicycle step about the rear axle (x, y) [m]: returns (x, y, heading, speed).

    Distance this step: v·dt + a·dt²/2, cut where the vehicle stops; the axle then moves along an
    exact arc of curvature tan(steer) / wheelbase, so a constant steer gives radius L / tan(δ).
    """
    ds, new_speed = travel(speed, accel, dt)
    x, y, h = arc_advance(x, y, heading, ds, math.tan(steer) / wheelbase)
    return x, y, h, new_speed


@njit(**JIT)
def dynamic_bicycle_advance(x, y, heading, vx, vy, r, accel, steer, wheelbase, mass, inertia, cornering, mu, dt):
    """Dynamic single-track model about the centre of gravity (mid-wheelbase), linear tyres: returns
    (x, y, heading, vx, vy, r). Lateral tyre force F = C·α per axle, limited to μ·m·g/2 per axle
    (friction circle, lateral share only). Semi-implicit Euler in substeps of at most DYNAMIC_SUBSTEP.

    ``cornering`` is the front axle's stiffness C_f [N/rad]; the rear's is C_r = REAR_STIFFNESS·C_f. Steady
    state (small angles, no saturation): yaw rate r = vx·δ / (L + K·vx²) with the understeer gradient
    K = m·(l_r/C_f − l_f/C_r) / L (Rajamani 2012, §3.2); here l_f = l_r = L/2.
    """
    lf = lr = 0.5 * wheelbase
    cf, cr = cornering, REAR_STIFFNESS * cornering
    f_max = 0.5 * mu * mass * G
    steps = max(1, int(math.ceil(dt / DYNAMIC_SUBSTEP)))
    h = dt / steps
    for _ in range(steps):
        alpha_f = steer - math.atan2(vy + lf * r, vx)
        alpha_r = -math.atan2(vy - lr * r, vx)
        ff = min(f_max, max(-f_max, cf * alpha_f))
        fr = min(f_max, max(-f_max, cr * alpha_r))
        vy += h * ((ff * math.cos(steer) + fr) / mass - vx * r)
        r += h * (lf * ff * math.cos(steer) - lr * fr) / inertia
        vx = max(0.0, vx + h * accel)
        heading += h * r
        c, s = math.cos(heading), math.sin(heading)
        x += h * (vx * c - vy * s)
        y += h * (vx * s + vy * c)
    return x, y, heading, vx, vy, r


HALF_PI = 0.5 * math.pi
#: Taylor coefficients of sin(w)/w and cos(w) in z = w², k = 0 … 8: (−1)^k / (2k + 1)! and (−1)^k / (2k)!
_SIN_Q = tuple((-1.0) ** k / math.factorial(2 * k + 1) for k in range(9))
_COS_Q = tuple((-1.0) ** k / math.factorial(2 * k) for k in range(9))


@njit(**SCALAR)
def _estrin8(c, z, z2, z4, z8):
    """c[0] + c[1]·z + … + c[8]·z⁸ by Estrin's scheme (given z², z⁴, z⁸): a chain of 5 operations, not Horner's 16."""
    return ((c[0] + c[1] * z) + z2 * (c[2] + c[3] * z)) + z4 * ((c[4] + c[5] * z) + z2 * (c[6] + c[7] * z)) + \
        z8 * c[8]


@njit(**SCALAR)
def _sin_cos_quarter(w):
    """(sin w, cos w) for |w| ≤ π/4 by their Taylor series to w¹⁷ and w¹⁶ (the first terms left out are below
    1e-19 and 3e-18): within a few units in the last place of math.sin and math.cos, without their two library
    calls in a row (they made a lane changer's step ~60 cycles longer)."""
    z = w * w
    z2 = z * z
    z4 = z2 * z2
    z8 = z4 * z4
    return w * _estrin8(_SIN_Q, z, z2, z4, z8), _estrin8(_COS_Q, z, z2, z4, z8)


#: Taylor coefficients of atan(z)/z in z², k = 0 … 8: (−1)^k / (2k + 1)
_ATAN_Q = tuple((-1.0) ** k / (2 * k + 1) for k in range(9))


@njit(**SCALAR)
def atan_eighth(z):
    """atan(z) for |z| ≤ 1/8 by its Taylor series to z¹⁷ (the first term left out is below 4e-19), within a few
    units in the last place of math.atan; math.atan beyond. A lane changer's heading: its lateral speed over
    its speed is nearly always that small."""
    if not abs(z) <= 0.125:
        return math.atan(z)
    q = z * z
    q2 = q * q
    q4 = q2 * q2
    return z * _estrin8(_ATAN_Q, q, q2, q4, q4 * q4)


@njit(**SCALAR)
def lane_change_offset(d0, u, profile):
    """Offset [m] from the target lane's centre at fraction u ∈ [0, 1] of a change that began at d0, and its
    rate per unit u: sinusoidal (1 − cos πu)/2 (by _sin_cos_quarter, to ~1e-16), cubic 3u² − 2u³ (both with zero
    lateral speed at the ends), or linear u."""
    if profile == 0:                     # p = sin²(πu/2) = ½ + sin(w)·cos(w), w = π(u − ½)/2
        sw, cw = _sin_cos_quarter(HALF_PI * (u - 0.5))
        p, dp = 0.5 + sw * cw, HALF_PI * ((cw - sw) * (cw + sw))
    elif profile == 1:
        p, dp = u * u * (3.0 - 2.0 * u), 6.0 * u * (1.0 - u)
    else:
        p, dp = u, 1.0
    return d0 * (1.0 - p), -d0 * dp


@njit(**SCALAR)
def mobil_incentive(a_self_new, a_self_old, a_new_follower_new, a_new_follower_old,
                    a_old_follower_new, a_old_follower_old, politeness, bias):
    """MOBIL incentive [m/s²]: own gain plus politeness times the followers' gains plus a lane bias;
    a change happens when this exceeds MOBIL_THRESHOLD (and the safety criterion holds)."""
    return (a_self_new - a_self_old + politeness * ((a_new_follower_new - a_new_follower_old)
                                                    + (a_old_follower_new - a_old_follower_old)) + bias)
