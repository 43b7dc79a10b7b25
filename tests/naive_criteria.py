"""Slow reference twins of scenariosim.sim.collisions and scenariosim.sim.criteria.

Plain Python loops and shapely polygons, written for clarity, not speed; they share no helper with the
kernels (shapely does the geometry), so a bug in a kernel shows up as a difference.
"""
from __future__ import annotations

import math

import numpy as np
from shapely import affinity
from shapely.geometry import LineString, Point, box

BIG = 1e9   # [m] the corridor's half-length: "everything ahead and behind"


def box_polygon(x, y, h, l, w):
    """The box as a shapely polygon: an axis-aligned l × w rectangle rotated by h, then moved to (x, y)."""
    rect = box(-l / 2, -w / 2, l / 2, w / 2)
    return affinity.translate(affinity.rotate(rect, h, origin=(0, 0), use_radians=True), x, y)


def box_corners(x, y, h, l, w):
    """Front-right, front-left, rear-left, rear-right, by rotating the local corners with a 2×2 matrix."""
    rot = np.array([[math.cos(h), -math.sin(h)], [math.sin(h), math.cos(h)]])
    local = [(l / 2, -w / 2), (l / 2, w / 2), (-l / 2, w / 2), (-l / 2, -w / 2)]
    return np.array([rot @ np.array(p) + np.array([x, y]) for p in local])


def boxes_overlap(x1, y1, h1, l1, w1, x2, y2, h2, l2, w2):
    """Interiors intersect (DE-9IM interior/interior cell is non-empty): touching is not overlapping."""
    return box_polygon(x1, y1, h1, l1, w1).relate_pattern(box_polygon(x2, y2, h2, l2, w2), "T********")


def box_distance(x1, y1, h1, l1, w1, x2, y2, h2, l2, w2):
    """shapely's polygon distance: 0 when the filled rectangles meet."""
    return box_polygon(x1, y1, h1, l1, w1).distance(box_polygon(x2, y2, h2, l2, w2))


def find_contacts(x, y, h, l, w, active):
    """Every pair i < j of active agents whose boxes overlap, by brute force (list of (i, j), sorted)."""
    n = len(x)
    polys = [box_polygon(x[i], y[i], h[i], l[i], w[i]) for i in range(n)]
    reach = np.hypot(l, w) / 2
    pairs = []
    for i in range(n):
        if not active[i]:
            continue
        # the bounding-circle filter only saves shapely calls; it is loose enough never to drop a pair
        near = np.hypot(x - x[i], y - y[i]) <= reach + reach[i] + 1e-6
        for j in np.flatnonzero(near[i + 1:]) + i + 1:
            if active[j] and polys[i].relate_pattern(polys[j], "T********"):
                pairs.append((i, int(j)))
    return pairs


def init_criteria():
    return np.array([0.0, math.inf, math.inf, math.inf, math.inf, 0.0, math.inf])


def _in_ego_frame(poly, xe, ye, he):
    """The polygon seen from the ego: ego centre at the origin, ego heading along +x."""
    return affinity.rotate(affinity.translate(poly, -xe, -ye), -he, origin=(0, 0), use_radians=True)


def path_gap(xe, ye, he, le, we, xj, yj, hj, lj, wj):
    """Ego frame: j in path when its centre has x > 0 and its y-extent overlaps (−we/2, we/2);
    gap = least x of j's box clipped to the strip |y| ≤ we/2, minus le/2, floored at 0. None if not in path."""
    centre = _in_ego_frame(Point(xj, yj), xe, ye, he)
    if centre.x <= 0:
        return None
    other = _in_ego_frame(box_polygon(xj, yj, hj, lj, wj), xe, ye, he)
    _, ymin, _, ymax = other.bounds
    if min(ymax, we / 2) - max(ymin, -we / 2) <= 0:
        return None
    corridor = box(-BIG, -we / 2, BIG, we / 2)
    nearest_x = other.intersection(corridor).bounds[0]
    return max(0.0, nearest_x - le / 2)


def update_criteria(crit, t, ego, x, y, h, speed, l, w, active):
    """One step, agent by agent, straight from the definitions in docs/criteria.md."""
    if not active[ego]:
        return
    for j in range(len(x)):
        if j == ego or not active[j]:
            continue
        e_args = (x[ego], y[ego], h[ego], l[ego], w[ego])
        j_args = (x[j], y[j], h[j], l[j], w[j])
        if boxes_overlap(*e_args, *j_args) and crit[0] == 0:
            crit[0], crit[1] = 1.0, t
        crit[4] = min(crit[4], box_distance(*e_args, *j_args))
        gap = path_gap(*e_args, *j_args)
        if gap is None:
            continue
        closing = speed[ego] - speed[j] * math.cos(h[j] - h[ego])
        ttc = gap / closing if closing > 0 else math.inf
        thw = gap / speed[ego] if speed[ego] > 0 else math.inf
        drac = closing ** 2 / (2 * gap) if closing > 0 and gap > 0 else 0.0
        crit[2] = min(crit[2], ttc)
        crit[3] = min(crit[3], thw)
        crit[5] = max(crit[5], drac)


def _segments(tx, ty, i):
    """Agent i's path as a list of (start, end, LineString or None); None for a standing step."""
    out = []
    for k in range(tx.shape[0] - 1):
        p, q = (tx[k, i], ty[k, i]), (tx[k + 1, i], ty[k + 1, i])
        out.append((p, q, None if p == q else LineString([p, q])))
    return out


def post_encroachment_time(tx, ty, th, tv, l, w, ego, dt, min_speed=0.1):
    """Every segment of the ego's path against every segment of every other path, shapely intersections."""
    n_t, n = tx.shape
    best = math.inf
    ego_path = _segments(tx, ty, ego)
    for j in range(n):
        if j == ego:
            continue
        other_path = _segments(tx, ty, j)
        for k, (pe, qe, seg_e) in enumerate(ego_path):
            for m, (pj, qj, seg_j) in enumerate(other_path):
                if seg_e is None or seg_j is None:
                    continue            # a standing agent draws no path
                if (max(pe[0], qe[0]) < min(pj[0], qj[0]) or max(pj[0], qj[0]) < min(pe[0], qe[0])
                        or max(pe[1], qe[1]) < min(pj[1], qj[1]) or max(pj[1], qj[1]) < min(pe[1], qe[1])):
                    continue            # bounding boxes apart: only saves shapely calls
                de = np.subtract(qe, pe)
                dj = np.subtract(qj, pj)
                if de[0] * dj[1] - de[1] * dj[0] == 0:
                    continue            # parallel paths run along each other; they do not cross
                hit = seg_e.intersection(seg_j)
                if hit.is_empty or hit.geom_type != "Point":
                    continue
                fe = Point(pe).distance(hit) / math.dist(pe, qe)
                fj = Point(pj).distance(hit) / math.dist(pj, qj)
                ego_at, j_at = (k + fe) * dt, (m + fj) * dt
                ego_v = max(min_speed, (1 - fe) * tv[k, ego] + fe * tv[k + 1, ego])
                j_v = max(min_speed, (1 - fj) * tv[m, j] + fj * tv[m + 1, j])
                # (arrival time, speed, length, width) of the first and the second to reach the point
                first, second = sorted([(ego_at, ego_v, l[ego], w[ego]), (j_at, j_v, l[j], w[j])],
                                       key=lambda a: a[0])
                leaves = first[0] + (first[2] / 2 + second[3] / 2) / first[1]
                enters = second[0] - (second[2] / 2 + first[3] / 2) / second[1]
                best = min(best, max(0.0, enters - leaves))
    return best
