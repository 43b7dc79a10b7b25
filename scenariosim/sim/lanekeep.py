"""Lane keeping for many agents at once, in a loop the compiler turns into SIMD code. @njit only.

``engine.run_variant`` steps a lane keeper by pure pursuit and the kinematic bicycle, one agent at a time,
through branches for every rare case (steering and grip limits, sharp arcs, stopping, a target or a new
position beyond the next segment, the lane's end). Most agents on most steps meet none of them. For those,
``lane_keepers`` computes the very same step (the same operations in the same order, so bit for bit the
same numbers) in one branch-free loop over the variant's agents, several at a time in SIMD registers (four
doubles with AVX); the engine then copies the results of every agent whose step was plain and runs its
general code for the rest. tests/test_sim.py checks that trajectories with and without this pass are equal
to the last bit.

Two passes over the variant's agents j = 0 … n − 1 (agent lo + j):
1. ``segments_ahead``: which agents are candidates (on a lane, not changing lanes, kinematic, with the
   heading's cosine and sine kept from the last step), in a loop of selects that is vectorised too; then,
   in a scalar loop, the geometry of their segment k and the next one, gathered into rows the second pass
   reads in order (once per segment an agent enters);
2. ``lane_keepers`` (vector): the step, and whether it was plain (``res[OK]`` 1.0) or must be redone.

The engine runs them for variants of SIMD_MIN_AGENTS agents or more only (below, LLVM runs the loop's scalar copy).
"""
from __future__ import annotations

from numba import njit

from scenariosim.sim.config import STEP
from scenariosim.sim.kernels import (
    DYNAMIC_MIN_SPEED, LOOKAHEAD_MIN, LOOKAHEAD_TIME, arc_series, nonneg, pure_pursuit_curvature, travel,
)
from scenariosim.world.state import ON_LANE

#: the least agents per variant for which the engine runs these passes. LLVM guards the vector code of
#: lane_keepers with a minimum trip count (the cost of its runtime checks that the ~25 arrays do not overlap,
#: against its estimate of the gain): 20 with the LLVM of llvmlite 0.50 on this machine's CPU, a Sapphire Rapids
#: Xeon (the `n < 20` test before the loop; LLVM's cost tables differ by CPU: 24 with Skylake's tuning, see
#: docs/simulation.md). Below that the loop ran its scalar copy, which costs more than the engine's general code:
#: on the benchmark highway, 43–46 ns per vehicle-step at 10–19 cars against 39–41 without the pass, 29 at 20 cars
SIMD_MIN_AGENTS = 20
#: rows of the geometry scratch (13, N): segment k's start point, unit tangent and arc length at its start
#: and end; the same for segment k + 1, the arc length at its end; 1.0 for a candidate; k + 0.5 (−1: none yet),
#: so an agent still on segment k keeps what was gathered
PX0, PY0, UX0, UY0, C0, C1, PX1, PY1, UX1, UY1, C2, CAND, SEG = range(13)
GEO_ROWS = 13
#: rows of the result scratch (13, N): new position [m], cosine and sine of the new heading, heading change
#: [rad], speed [m/s], wheelbase · curvature, distance [m], yaw rate [rad/s], arc length [m] and offset [m]
#: on the lane, 1.0 if the agent moved into segment k + 1, 1.0 if the step was plain
X1, Y1, COS1, SIN1, DTH, V1, WK, DS, YAW, S1, D1, NEXT, OK = range(13)
RES_ROWS = 13


@njit(**STEP)
def segments_ahead(lo, n, mode, lane, lc_dur, dynamic, speed, heading, trig_heading, seg, start, points, cum_s,
                   tangent, geo):
    """Pass 1: geo (13, ≥ n) float64 for agents lo … lo + n − 1 (a candidate needs segments k and k + 1 on its
    lane); rows of others are left as they were but CAND, which is 0.0. The caller sets row SEG to −1 before
    a run's first step (the lane table does not change during a run)."""
    mode_v, lane_v, lc_v, dyn_v, sp_v, hd_v, th_v, seg_v = (mode[lo:lo + n], lane[lo:lo + n], lc_dur[lo:lo + n],
                                                           dynamic[lo:lo + n], speed[lo:lo + n], heading[lo:lo + n],
                                                           trig_heading[lo:lo + n], seg[lo:lo + n])
    cand_row, seg_row = geo[CAND], geo[SEG]
    for j in range(n):                                     # who is a candidate, all at once (SIMD)
        cand = (mode_v[j] == ON_LANE) & (lane_v[j] >= 0) & ~(lc_v[j] > 0.0) & \
            ~((dyn_v[j] == 1) & (sp_v[j] >= DYNAMIC_MIN_SPEED)) & (hd_v[j] == th_v[j])
        # 1.0: a candidate whose segment k was gathered on an earlier step; 2.0: one still to gather
        cand_row[j] = (1.0 if seg_row[j] == seg_v[j] + 0.5 else 2.0) if cand else 0.0
    for j in range(n):                                     # the gathering: once per segment an agent enters
        if cand_row[j] != 2.0:
            continue
        k = nonneg(seg_v[j])
        if k + 2 <= start[nonneg(lane_v[j]) + 1] - 1:
            seg_row[j] = k + 0.5
            geo[PX0, j], geo[PY0, j], geo[UX0, j], geo[UY0, j] = points[k, 0], points[k, 1], tangent[k, 0], \
                tangent[k, 1]
            geo[PX1, j], geo[PY1, j], geo[UX1, j], geo[UY1, j] = points[k + 1, 0], points[k + 1, 1], \
                tangent[k + 1, 0], tangent[k + 1, 1]
            geo[C0, j], geo[C1, j], geo[C2, j] = cum_s[k], cum_s[k + 1], cum_s[k + 2]
            cand_row[j] = 1.0
        else:
            cand_row[j] = 0.0


@njit(**STEP)
def lane_keepers(n, x, y, cos_h, sin_h, speed, s, accel, wheelbase, d_ref, max_steer, px0, py0, ux0, uy0, c0,
                 c1, px1, py1, ux1, uy1, c2, cand, res, dt, g_mu):
    """Pass 2: one step of pure pursuit and the kinematic bicycle for agents 0 … n − 1 of the given views,
    into res (13, ≥ n) float64. The geometry comes as rows of pass 1 (separate arguments, so the compiler
    sees plain arrays). Plain means: a candidate whose look-ahead point lies on segment k or k + 1, neither
    the steering nor the grip limit binds, the arc turns less than 0.01 rad, it does not stop within dt, and
    it ends on segment k or k + 1 of its lane, at an arc length no greater than the end of k + 1 (so not past the
    lane's end: the engine skips that check for plain steps)."""
    for j in range(n):
        c, sn = cos_h[j], sin_h[j]
        v, a, wb = speed[j], accel[j], wheelbase[j]
        lr = 0.5 * wb
        rx, ry = x[j] - lr * c, y[j] - lr * sn
        st = s[j] - lr + max(LOOKAHEAD_MIN, LOOKAHEAD_TIME * v)
        a0x, a0y, e0x, e0y, s0 = px0[j], py0[j], ux0[j], uy0[j], c0[j]
        a1x, a1y, e1x, e1y, s1, s2 = px1[j], py1[j], ux1[j], uy1[j], c1[j], c2[j]
        ahead = s1 <= st                                   # the look-ahead point is on segment k + 1
        ux = e1x if ahead else e0x
        uy = e1y if ahead else e0y
        along = st - (s1 if ahead else s0)
        d = d_ref[j]
        tx = (a1x if ahead else a0x) + along * ux - d * uy
        ty = (a1y if ahead else a0y) + along * uy + d * ux
        dx, dy = tx - rx, ty - ry
        ld2 = dx * dx + dy * dy                            # (plain only if ld2 ≥ 1e-12, where the kernel divides)
        kappa = pure_pursuit_curvature(rx, ry, c, sn, tx, ty)
        wk = wb * kappa
        ds, v1 = travel(v, a, dt)                          # (plain only if it does not stop)
        dth = ds * kappa
        rx, ry, ch, sh = arc_series(rx, ry, c, sn, ds, dth)
        x1, y1 = rx + lr * ch, ry + lr * sh
        f0 = (x1 - a0x) * e0x + (y1 - a0y) * e0y
        f1 = (x1 - a1x) * e1x + (y1 - a1y) * e1y
        moved = f0 > s1 - s0                               # it ends on segment k + 1
        s_new = s1 + f1 if moved else s0 + f0
        awk = abs(wk)
        ok = (cand[j] > 0.0) & (st < s2) & (ld2 >= 1e-12) & (awk <= max_steer[j]) & \
            ((v <= 0.0) | (awk * v * v <= g_mu * wb)) & (abs(dth) < 1e-2) & (v + a * dt >= 0.0) & (f0 >= 0.0) & \
            ((f0 <= s1 - s0) | ((f1 >= 0.0) & (f1 <= s2 - s1))) & (s_new <= s2)
        res[X1, j], res[Y1, j], res[COS1, j], res[SIN1, j] = x1, y1, ch, sh
        res[DTH, j], res[V1, j], res[WK, j], res[DS, j], res[YAW, j] = dth, v1, wk, ds, v1 * kappa
        res[S1, j] = s_new
        res[D1, j] = e1x * (y1 - a1y) - e1y * (x1 - a1x) if moved else e0x * (y1 - a0y) - e0y * (x1 - a0x)
        res[NEXT, j] = 1.0 if moved else 0.0
        res[OK, j] = 1.0 if ok else 0.0
