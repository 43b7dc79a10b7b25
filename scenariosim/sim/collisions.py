"""Oriented-box geometry for agents: corners, overlap, distance and every contact in a crowd. @njit only.

An agent is an oriented box: centre (x, y) [m], heading h [rad] (0 along +x, counter-clockwise),
length l [m] along the heading and width w [m] across it. All inputs are float64 scalars or (N,) float64
arrays in the world frame (x east, y north).

Overlap is the separating axis test (Gottschalk, Lin & Manocha 1996; Ericson, *Real-Time Collision
Detection*, 2005): two convex polygons are disjoint iff their projections on some edge normal are
disjoint; a rectangle has two distinct edge normals, so four axes decide two boxes. Contact is strict:
boxes that only touch along an edge or at a corner do not overlap. The crowd search is sort and sweep
(Baraff 1992; Cohen et al. 1995, I-COLLIDE) on x (or y) with each box's bounding circle.

Each kernel has a slow twin in tests/naive_criteria.py (shapely polygons) that the tests compare against.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from scenariosim.sim.config import JIT, NESTED, SCALAR, STEP
from scenariosim.sim.kernels import nonneg

#: relative and absolute padding [m] of the sweep's bounding intervals, so that rounding in the broad
#: phase can never drop a pair that the exact narrow phase (boxes_overlap) reports
_SWEEP_PAD_REL = 1e-9
_SWEEP_PAD_ABS = 1e-9


@njit(**JIT)
def box_corners(x, y, h, l, w):
    """Corners of one oriented box, counter-clockwise from the front-right corner.

    x, y [m], h [rad], l, w [m] float64 → (4, 2) float64 [m]: front-right, front-left, rear-left, rear-right
    (front is +l/2 along the heading, left is +w/2 at heading + 90°).
    """
    c, s = math.cos(h), math.sin(h)
    hl, hw = 0.5 * l, 0.5 * w
    out = np.empty((4, 2), dtype=np.float64)
    sign_l = (1.0, 1.0, -1.0, -1.0)
    sign_w = (-1.0, 1.0, 1.0, -1.0)
    for k in range(4):
        a, b = sign_l[k] * hl, sign_w[k] * hw
        out[k, 0] = x + a * c - b * s
        out[k, 1] = y + a * s + b * c
    return out


@njit(**SCALAR)
def corner_tuple_cs(x, y, c, s, l, w):
    """corner_tuple with the heading's cosine c and sine s given."""
    hl, hw = 0.5 * l, 0.5 * w
    return (x + hl * c + hw * s, y + hl * s - hw * c, x + hl * c - hw * s, y + hl * s + hw * c,
            x - hl * c - hw * s, y - hl * s + hw * c, x - hl * c + hw * s, y - hl * s - hw * c)


@njit(**JIT)
def corner_tuple(x, y, h, l, w):
    """The corners of box_corners as a flat tuple (x0, y0, … x3, y3) [m]: no array, so nothing to allocate."""
    return corner_tuple_cs(x, y, math.cos(h), math.sin(h), l, w)


@njit(**SCALAR)
def _circles_meet(dx, dy, l1, w1, l2, w2):
    """Do the bounding circles of two boxes whose centres are (dx, dy) [m] apart overlap (strictly)?"""
    reach = 0.5 * (math.sqrt(l1 * l1 + w1 * w1) + math.sqrt(l2 * l2 + w2 * w2))
    return dx * dx + dy * dy < reach * reach


@njit(**SCALAR)
def _axes_overlap(dx, dy, c1, s1, l1, w1, c2, s2, l2, w2):
    """The separating axis test of boxes_overlap, with both headings' cosines and sines given."""
    a1, b1, a2, b2 = 0.5 * l1, 0.5 * w1, 0.5 * l2, 0.5 * w2
    # box 1's axes: u1 = (c1, s1), v1 = (-s1, c1); box 2's likewise
    dot_uu = c1 * c2 + s1 * s2          # u1·u2 = v1·v2
    dot_uv = -c1 * s2 + s1 * c2         # u1·v2 = −(v1·u2)
    au, av = abs(dot_uu), abs(dot_uv)
    # axis u1: box 2's half-extent is a2|u2·u1| + b2|v2·u1|
    if not (abs(dx * c1 + dy * s1) < a1 + a2 * au + b2 * av):
        return False
    # axis v1
    if not (abs(-dx * s1 + dy * c1) < b1 + a2 * av + b2 * au):
        return False
    # axis u2
    if not (abs(dx * c2 + dy * s2) < a2 + a1 * au + b1 * av):
        return False
    # axis v2
    if not (abs(-dx * s2 + dy * c2) < b2 + a1 * av + b1 * au):
        return False
    return True


@njit(**JIT)
def boxes_overlap(x1, y1, h1, l1, w1, x2, y2, h2, l2, w2):
    """True when the interiors of two oriented boxes intersect (touching edges or corners: False).

    Scalars: centres [m], headings [rad], lengths and widths [m], float64 → bool.
    A bounding-circle test rejects far pairs first; then the separating axis test on the four edge
    normals: on axis n the boxes are apart when |(c2 − c1)·n| ≥ r1(n) + r2(n), where
    r(n) = l/2·|u·n| + w/2·|v·n| is a box's half-extent along n (u its heading, v its left unit vector).
    A NaN coordinate never overlaps anything.
    """
    dx, dy = x2 - x1, y2 - y1
    if not _circles_meet(dx, dy, l1, w1, l2, w2):
        return False
    return _axes_overlap(dx, dy, math.cos(h1), math.sin(h1), l1, w1, math.cos(h2), math.sin(h2), l2, w2)


@njit(**SCALAR)
def _corners_to_box2(u, v, c, s, a, b, ha, hb):
    """Least squared distance [m²] from the corners of a box (centre (u, v), heading cosine c and sine s, half
    length a and half width b) to the filled axis-aligned box [−ha, ha] × [−hb, hb] at the origin."""
    au, av, bu, bv = a * c, a * s, -b * s, b * c
    best = math.inf
    for su, sv in ((1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)):
        ex = max(abs(u + su * au + sv * bu) - ha, 0.0)
        ey = max(abs(v + su * av + sv * bv) - hb, 0.0)
        best = min(best, ex * ex + ey * ey)
    return best


@njit(**SCALAR)
def box_gap_local(u, v, c, s, l1, w1, l2, w2):
    """(overlap, distance [m]) of box 1 (l1 × w1, centred at the origin, heading 0) and box 2 (l2 × w2, centre
    (u, v), heading cosine c and sine s): box 2 in box 1's frame. overlap is boxes_overlap's strict test;
    distance is box_distance's (0 when they overlap)."""
    if _circles_meet(u, v, l1, w1, l2, w2) and _axes_overlap(u, v, 1.0, 0.0, l1, w1, c, s, l2, w2):
        return True, 0.0
    # disjoint convex polygons: the closest pair of points includes a corner of one of them, and a corner
    # outside the other box is as far from it as from the filled box
    a1, b1, a2, b2 = 0.5 * l1, 0.5 * w1, 0.5 * l2, 0.5 * w2
    d2 = _corners_to_box2(u, v, c, s, a2, b2, a1, b1)                        # box 2's corners to box 1
    d1 = _corners_to_box2(-u * c - v * s, u * s - v * c, c, -s, a1, b1, a2, b2)   # box 1's to box 2
    return False, math.sqrt(min(d1, d2))


@njit(**JIT)
def box_distance(x1, y1, h1, l1, w1, x2, y2, h2, l2, w2):
    """Minimum Euclidean distance [m] between two oriented boxes (as filled rectangles); 0 when they overlap.

    Scalars as in boxes_overlap → float64 [m]. For disjoint convex polygons the closest pair of points
    always includes a corner of one of them, so the answer is the least distance from a corner of either box
    to the other box, each taken in the other's frame, where it is the distance to an axis-aligned rectangle
    (the square root taken once, of the least square). Touching boxes give 0 (up to rounding).
    """
    c1, s1, c2, s2 = math.cos(h1), math.sin(h1), math.cos(h2), math.sin(h2)
    dx, dy = x2 - x1, y2 - y1
    return box_gap_local(dx * c1 + dy * s1, -dx * s1 + dy * c1, c2 * c1 + s2 * s1, s2 * c1 - c2 * s1,
                         l1, w1, l2, w2)[1]


@njit(**JIT)
def argsort_stable(v):
    """Indices that sort v ascending, ties kept in index order (bottom-up merge sort).

    v (M,) float64 with no NaN → (M,) int64. Written out so that it compiles in a fraction of a second
    (Numba's own np.argsort and np.sort take seconds to compile each). O(M) when v is already in order.
    """
    n = v.shape[0]
    a = np.arange(n)
    for k in range(1, n):                              # already in order (a path that runs one way): nothing
        if v[k] < v[k - 1]:                            # to merge
            break
    else:
        return a
    b = np.empty(n, dtype=np.int64)
    width = 1
    while width < n:
        for lo in range(0, n, 2 * width):
            mid, hi = min(lo + width, n), min(lo + 2 * width, n)
            i, j, k = lo, mid, lo
            while i < mid and j < hi:
                if v[a[j]] < v[a[i]]:
                    b[k] = a[j]
                    j += 1
                else:
                    b[k] = a[i]
                    i += 1
                k += 1
            while i < mid:
                b[k] = a[i]
                i += 1
                k += 1
            while j < hi:
                b[k] = a[j]
                j += 1
                k += 1
        a, b = b, a
        width *= 2
    return a


@njit(**NESTED)
def _grown(a, count):
    """A copy of a's first ``count`` entries in an int64 array twice a's length (element loop: array
    slice assignment costs Numba seconds of compilation)."""
    out = np.empty(2 * a.shape[0], dtype=np.int64)
    for c in range(count):
        out[c] = a[c]
    return out


@njit(**NESTED)
def _counting_order(key, n_keys, order):
    """order, stably re-sorted by key[order] (int64 keys in [0, n_keys)): one counting-sort pass."""
    start = np.zeros(n_keys + 1, dtype=np.int64)
    for p in order:
        start[key[p] + 1] += 1
    for k in range(n_keys):
        start[k + 1] += start[k]
    out = np.empty_like(order)
    for p in order:
        out[start[key[p]]] = p
        start[key[p]] += 1
    return out


@njit(**JIT)
def find_contacts(x, y, h, l, w, active, out):
    """Every overlapping pair of active agents, in order of (i, j) with i < j.

    x, y (N,) float64 [m], h (N,) float64 [rad], l, w (N,) float64 [m], active (N,) bool,
    out (K, 2) int64 → int: the number of overlapping pairs. The first min(count, K) pairs in
    lexicographic (i, j) order are written to out[:min(count, K)]; later rows are left untouched.

    Broad phase: sort and sweep on x, each active agent spanning [x − r, x + r] with r its bounding-circle
    radius (padded by a hair so rounding never drops a pair), then the same interval test on y; the
    sweep runs on y instead when the active agents spread further north-south than east-west, so a
    crowd along one road stays near O(N log N). Narrow phase: boxes_overlap. The result is exactly the
    set an all-pairs loop of boxes_overlap gives (an agent with a non-finite x, y, l or w overlaps
    nothing there either, and is left out of the sweep). Overlap is strict (see boxes_overlap).
    """
    n = x.shape[0]
    x0, x1, y0, y1 = math.inf, -math.inf, math.inf, -math.inf
    for i in range(n):
        if active[i] and math.isfinite(x[i]) and math.isfinite(y[i]):
            x0, x1 = min(x0, x[i]), max(x1, x[i])
            y0, y1 = min(y0, y[i]), max(y1, y[i])
    # sweep along the wider spread (x unless the crowd is taller than wide, e.g. a north-south road)
    sweep, cross = x, y
    if y1 - y0 > x1 - x0:
        sweep, cross = y, x
    idx = np.empty(n, dtype=np.int64)
    lo = np.empty(n, dtype=np.float64)
    hi = np.empty(n, dtype=np.float64)
    rad = np.empty(n, dtype=np.float64)
    m = 0
    for i in range(n):
        r = 0.5 * math.sqrt(l[i] * l[i] + w[i] * w[i])
        r = r * (1.0 + _SWEEP_PAD_REL) + _SWEEP_PAD_ABS
        if active[i] and math.isfinite(sweep[i] - r) and math.isfinite(sweep[i] + r) and math.isfinite(cross[i]):
            idx[m], rad[m], lo[m], hi[m] = i, r, sweep[i] - r, sweep[i] + r
            m += 1
    order = argsort_stable(lo[:m])

    cap = 64
    first = np.empty(cap, dtype=np.int64)
    second = np.empty(cap, dtype=np.int64)
    count = 0
    for a in range(m):
        oa = order[a]
        i = idx[oa]
        for b in range(a + 1, m):
            ob = order[b]
            if lo[ob] > hi[oa]:
                break
            j = idx[ob]
            if abs(cross[j] - cross[i]) > rad[oa] + rad[ob]:
                continue
            if boxes_overlap(x[i], y[i], h[i], l[i], w[i], x[j], y[j], h[j], l[j], w[j]):
                if count == cap:
                    first = _grown(first, count)
                    second = _grown(second, count)
                    cap = first.shape[0]
                first[count], second[count] = min(i, j), max(i, j)
                count += 1
    # lexicographic (i, j): stable counting sorts by j, then by i
    pairs = _counting_order(second, n, np.arange(count))
    pairs = _counting_order(first, n, pairs)
    for c in range(min(count, out.shape[0])):
        out[c, 0] = first[pairs[c]]
        out[c, 1] = second[pairs[c]]
    return count


@njit(**SCALAR)
def _sift_down(key, order, root, end):
    """Heapsort's sift-down of key[root] (order beside it) within key[:end] (a max-heap)."""
    while True:
        child = 2 * root + 1
        if child >= end:
            return
        if child + 1 < end and key[child + 1] > key[child]:
            child += 1
        if not key[child] > key[root]:
            return
        key[root], key[child] = key[child], key[root]
        order[root], order[child] = order[child], order[root]
        root = child


@njit(**STEP)
def heapsort_keys(key, order, n):
    """Sort key[:n] ascending in place, order[:n] beside it: O(n log n) whatever the order, allocating nothing
    (not stable). key (≥ n,) float64 with no NaN, order (≥ n,) int64."""
    for root in range(n // 2 - 1, -1, -1):
        _sift_down(key, order, root, n)
    for end in range(n - 1, 0, -1):
        key[0], key[end] = key[end], key[0]
        order[0], order[end] = order[end], order[0]
        _sift_down(key, order, 0, end)


@njit(**STEP)
def sweep_contacts(x, y, h, l, w, lo, hi, radius, order, key, axis, fresh, out):
    """Overlapping pairs among agents lo … hi − 1 of a batch, allocating nothing: find_contacts for one variant.

    radius (≥ hi − lo,) float64 [m]: the agents' circumradii 0.5·√(l² + w²), set by the caller (they do not
    change from step to step); order (≥ hi − lo,) int64: agents (numbered from lo) by c − r along the sweep axis
    c, kept by the caller from step to step, so the insertion sort here is O(n) on a nearly sorted order;
    key (≥ hi − lo,) float64: scratch, left holding c − r in that order (sorting the keys beside the order
    spares a chain of dependent loads per comparison); axis (1,) int64: the sweep axis of that order, 0 for x,
    1 for y, kept by the caller too. fresh: order holds no earlier step's order (the first step of a run):
    the axis is chosen anew and the keys heap-sorted. Otherwise the sweep switches axis (and heap-sorts) when
    the agents spread over twice as far along the other axis, so a crowd along one road, of any direction,
    stays near O(N). out (K, 2) int64 receives pairs (i − lo, j − lo), i < j, in lexicographic order
    → int: how many (at most K; with more, which K are kept is unspecified). A pair is reported when the
    bounding circles meet (strictly) and boxes_overlap; the sweep only skips pairs whose spans
    [c − r, c + r] are apart, which the circle test would reject, so the pairs are those of an all-pairs loop.
    Positions must be finite.
    """
    lo, n = nonneg(lo), nonneg(hi - lo)
    if n == 0:
        return 0
    x0, x1, y0, y1 = x[lo], x[lo], y[lo], y[lo]
    for i in range(lo, hi):                             # the spread along each axis (a loop in SIMD)
        i = nonneg(i)
        x0, x1 = min(x0, x[i]), max(x1, x[i])
        y0, y1 = min(y0, y[i]), max(y1, y[i])
    ax = axis[0]
    if fresh:
        ax = 1 if y1 - y0 > x1 - x0 else 0
    elif (ax == 0 and y1 - y0 > 2.0 * (x1 - x0)) or (ax == 1 and x1 - x0 > 2.0 * (y1 - y0)):
        ax = 1 - ax
        fresh = True
    axis[0] = ax
    c = y if ax == 1 else x
    for k in range(n):                                  # the keys c − r, in the order of the last step
        a = nonneg(order[k])
        key[k] = c[lo + a] - radius[a]
    if fresh:
        heapsort_keys(key, order, n)
    else:
        for k in range(1, n):                           # insertion sort of order[:n] (and key) by c − r
            if not key[k - 1] > key[k]:
                continue                                # in place already: the common case
            a, ka = order[k], key[k]
            m = k - 1
            while m >= 0 and key[m] > ka:
                order[m + 1], key[m + 1] = order[m], key[m]
                m -= 1
            order[m + 1], key[m + 1] = a, ka
    count = 0
    for p in range(n):
        p = nonneg(p)
        a = nonneg(order[p])
        ia = lo + a
        right = c[ia] + radius[a]
        for q in range(p + 1, n):
            q = nonneg(q)
            if key[q] > right:
                break
            b = nonneg(order[q])
            jb = lo + b
            dx, dy = x[jb] - x[ia], y[jb] - y[ia]
            reach = radius[a] + radius[b]
            if dx * dx + dy * dy < reach * reach and count < out.shape[0] and boxes_overlap(
                    x[ia], y[ia], h[ia], l[ia], w[ia], x[jb], y[jb], h[jb], l[jb], w[jb]):
                out[count, 0], out[count, 1] = min(a, b), max(a, b)
                count += 1
    for k in range(1, count):                           # lexicographic (i, j), insertion sort
        i0, j0 = out[k, 0], out[k, 1]
        m = k - 1
        while m >= 0 and (out[m, 0] > i0 or (out[m, 0] == i0 and out[m, 1] > j0)):
            out[m + 1, 0], out[m + 1, 1] = out[m, 0], out[m, 1]
            m -= 1
        out[m + 1, 0], out[m + 1, 1] = i0, j0
    return count
