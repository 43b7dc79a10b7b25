"""Vertex layout and mesh primitives (plain numpy, no GL): triangulated polygons, ribbons, boxes, prisms.

Every mesh is a structured array (3·T,) of ``VERTEX``: triangle lists, world metres, linear RGB albedo,
a semantic class id (scenariosim.taxonomy), an instance id (0 for static geometry) and a material.
"""
from __future__ import annotations

import numpy as np
import shapely
from numpy.lib.recfunctions import repack_fields

#: one vertex: position [m], unit normal, colour (linear RGB), semantic class, instance (agent index + 1),
#: material (how light and weather treat the surface; the constants below)
VERTEX = np.dtype([("position", "<f4", 3), ("normal", "<f4", 3), ("color", "<f4", 3),
                   ("class_id", "<u4"), ("instance", "<u4"), ("material", "<u4")])
#: the same layout for moderngl's vertex_array
VERTEX_FORMAT = "3f 3f 3f u u u"
VERTEX_ATTRIBUTES = ("in_position", "in_normal", "in_color", "in_class", "in_instance", "in_material")

# materials (VERTEX.material)
MATTE = 0          # diffuse; whitened by snow where it faces up
ASPHALT = 1        # road and its paint: darker and mirror-like when wet, partly cleared of snow by traffic
GROUND = 2         # terrain and sidewalk tops: darker when wet, snow-covered
GLASS = 3          # windows: diffuse plus a reflection of the sky
LAMP = 4           # a street light's lamp: glows when the lights are on
#: a signal lamp: SIGNAL + 3·(group + 1) + colour (0 red, 1 amber, 2 green); group −1 (unknown) shows red lit
SIGNAL = 16

UP = (0.0, 0.0, 1.0)


def vertices(position: np.ndarray, normal, color, class_id, instance=0, material=MATTE) -> np.ndarray:
    """Pack (K, 3) positions [m] with per-vertex or broadcast normal (3,)/(K, 3), colour (3,)/(K, 3),
    class, instance and material (scalars or (K,)) into a (K,) VERTEX array."""
    v = np.zeros(len(position), dtype=VERTEX)
    v["position"], v["normal"], v["color"] = position, normal, color
    v["class_id"], v["instance"], v["material"] = class_id, instance, material
    return v


def empty() -> np.ndarray:
    """(0,) VERTEX."""
    return np.zeros(0, dtype=VERTEX)


def concat(meshes) -> np.ndarray:
    """Concatenate VERTEX arrays (an empty list gives an empty mesh)."""
    meshes = [m for m in meshes if len(m)]
    return np.concatenate(meshes) if meshes else empty()


def polygon_triangles(polygon: shapely.Geometry) -> np.ndarray:
    """Triangulate a (multi)polygon [m] (holes respected) → (T, 3, 2) float64 corners [m]."""
    if polygon is None or polygon.is_empty:
        return np.zeros((0, 3, 2))
    tris = shapely.get_parts(shapely.constrained_delaunay_triangles(polygon))
    if len(tris) == 0:
        return np.zeros((0, 3, 2))
    return np.stack([np.asarray(t.exterior.coords)[:3, :2] for t in tris])


def corners(*polylines: np.ndarray, tol: float = 1e-4) -> np.ndarray:
    """(P,) bool: the vertices a ribbon between polylines (P, D) [m] (D = 2 or 3) needs: both ends, and
    enough others that every dropped vertex of every polyline lies within ``tol`` [m] of the chord
    between the kept vertices around it. Straight runs (a straight lane, a solid line) shrink to their
    ends; curves keep every vertex."""
    n = len(polylines[0])
    keep = np.zeros(n, dtype=bool)
    keep[[0, -1]] = True
    while True:
        idx = np.arange(n)
        prev = np.maximum.accumulate(np.where(keep, idx, 0))
        nxt = np.minimum.accumulate(np.where(keep, idx, n - 1)[::-1])[::-1]
        bad = np.zeros(n, dtype=bool)
        for p in polylines:
            a, b = p[prev], p[nxt]
            ab = b - a
            t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.maximum(np.einsum("ij,ij->i", ab, ab), 1e-300), 0, 1)
            bad |= np.linalg.norm(p - a - t[:, None] * ab, axis=1) > tol
        bad &= ~keep
        if not bad.any():
            return keep
        # split every run that strays at its middle vertex (bisection: O(P log P) in all)
        runs = prev[bad]
        first = np.unique(runs, return_index=True)[1]
        mid = ((prev[bad] + nxt[bad]) // 2)[first]
        keep[mid] = True


def strip_triangles(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Triangles (2·(P−1), 3, D) of the ribbon between two polylines (P, D) (D = 2 or 3) [m];
    counter-clockwise seen from above when ``left`` lies left of ``right`` along the polyline."""
    a, b, c, d = left[:-1], right[:-1], right[1:], left[1:]
    return np.concatenate([np.stack([a, b, c], 1), np.stack([a, c, d], 1)])


def lift(tris: np.ndarray, z: np.ndarray | float) -> np.ndarray:
    """Triangles (T, 3, 2) [m] with heights z (scalar or (T, 3)) [m] → (T, 3, 3)."""
    z = np.broadcast_to(np.asarray(z, dtype=np.float64), tris.shape[:2])
    return np.concatenate([tris, z[..., None]], axis=-1)


def flat_mesh(tris: np.ndarray, z: float, color, class_id: int, material: int = MATTE) -> np.ndarray:
    """(3·T,) VERTEX of horizontal triangles (T, 3, 2) [m] at height z [m], facing up."""
    xy = tris.reshape(-1, 2)
    return vertices(np.column_stack([xy, np.full(len(xy), z)]), UP, color, class_id, material=material)


def surface_mesh(tris: np.ndarray, color, class_id: int, material: int = MATTE) -> np.ndarray:
    """(3·T,) VERTEX of upward-facing triangles (T, 3, 3) [m] (a ground layer that may slope): each
    triangle's normal is its face normal turned upwards; exactly (0, 0, 1) where it is level."""
    if len(tris) == 0:
        return empty()
    n = np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0])
    n *= np.where(n[:, 2:] < 0, -1.0, 1.0)
    norm = np.linalg.norm(n, axis=1, keepdims=True)
    n = np.divide(n, norm, out=np.tile(np.array(UP), (len(n), 1)), where=norm > 0)
    n[(n[:, 0] == 0) & (n[:, 1] == 0)] = UP
    return vertices(tris.reshape(-1, 3), np.repeat(n, 3, axis=0), color, class_id, material=material)


def quads_mesh(a: np.ndarray, b: np.ndarray, height_a: np.ndarray, height_b: np.ndarray, normal: np.ndarray,
               color, class_id: int) -> np.ndarray:
    """Vertical walls: per edge k a quad over the ground segment a[k]→b[k] ((K, 3) [m] bottom corners)
    rising by height_a[k], height_b[k] [m] at its ends; normal (K, 3). Gives (6·K,) VERTEX."""
    up = np.array([0.0, 0.0, 1.0])
    ta, tb = a + height_a[:, None] * up, b + height_b[:, None] * up
    pos = np.stack([a, b, tb, a, tb, ta], axis=1).reshape(-1, 3)
    return vertices(pos, np.repeat(normal, 6, axis=0), color, class_id)


def _unit_box() -> tuple[np.ndarray, np.ndarray]:
    """Box [−½, ½]² × [0, 1] without its bottom face: positions (30, 3) and unit normals (30, 3)."""
    pos, nrm = [], []
    for axis in range(3):
        for sign in (-1.0, 1.0) if axis < 2 else (1.0,):
            u, v = (a for a in range(3) if a != axis)
            quad = np.zeros((4, 3))
            quad[:, axis] = sign * 0.5
            quad[:, u] = [-0.5, 0.5, 0.5, -0.5]
            quad[:, v] = [-0.5, -0.5, 0.5, 0.5]
            pos.append(quad[[0, 1, 2, 0, 2, 3]])
            nrm.append(np.tile(np.eye(3)[axis] * sign, (6, 1)))
    pos = np.concatenate(pos)
    pos[:, 2] += 0.5
    return pos, np.concatenate(nrm)


#: the unit box's positions (30, 3) and normals (30, 3): faces −x, +x, −y, +y, +z (6 vertices each)
BOX_POSITIONS, BOX_NORMALS = _unit_box()


def _prism(sides: int) -> tuple[np.ndarray, np.ndarray]:
    """Regular prism of circumradius ½ over [0, 1] in z without its bottom: positions and normals."""
    a = (np.arange(sides + 1) + 0.5) * 2 * np.pi / sides
    ring = 0.5 * np.stack([np.cos(a), np.sin(a)], 1)
    p0, p1 = ring[:-1], ring[1:]
    z0, z1 = np.zeros((sides, 1)), np.ones((sides, 1))
    lo0, lo1, hi0, hi1 = (np.hstack(x) for x in ((p0, z0), (p1, z0), (p0, z1), (p1, z1)))
    walls = np.stack([lo0, lo1, hi1, lo0, hi1, hi0], 1).reshape(-1, 3)
    mid = (a[:-1] + a[1:]) / 2
    wall_n = np.repeat(np.stack([np.cos(mid), np.sin(mid), np.zeros(sides)], 1), 6, axis=0)
    top = np.stack([np.zeros((sides, 3)) + [0, 0, 1], hi0, hi1], 1).reshape(-1, 3)
    return np.concatenate([walls, top]), np.concatenate([wall_n, np.tile([0.0, 0.0, 1.0], (3 * sides, 1))])


#: an octagonal prism (circumradius ½, height 1): positions (72, 3), normals (72, 3)
OCTAGON_POSITIONS, OCTAGON_NORMALS = _prism(8)


def rotate_z(vectors: np.ndarray, heading: float) -> np.ndarray:
    """Vectors (..., 3) turned by heading [rad] about +z."""
    c, s = np.cos(heading), np.sin(heading)
    out = np.array(vectors, dtype=np.float64, copy=True)
    out[..., 0] = c * vectors[..., 0] - s * vectors[..., 1]
    out[..., 1] = s * vectors[..., 0] + c * vectors[..., 1]
    return out


def solid(unit: tuple[np.ndarray, np.ndarray], base: np.ndarray, size, heading: float, color, class_id: int,
          offset=(0.0, 0.0, 0.0)) -> np.ndarray:
    """A unit solid (BOX_* or OCTAGON_*) scaled to size (length, width, height) [m], its base centre moved
    by ``offset`` [m] in the object frame (x along heading), turned by heading [rad] and placed with the
    object frame's origin at ``base`` (3,) [m]. Normals stay unit (scaling keeps axis-aligned faces'
    normals; prisms are scaled uniformly across)."""
    pos, nrm = unit
    local = pos * np.asarray(size, dtype=np.float64) + np.asarray(offset, dtype=np.float64)
    n = nrm / np.asarray(size, dtype=np.float64)          # inverse-transpose of the scaling
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    return vertices(rotate_z(local, heading) + np.asarray(base, dtype=np.float64), rotate_z(n, heading),
                    color, class_id)


def shared_vertices(mesh: np.ndarray, fields: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """A triangle list (3·T,) as (unique vertices (U,), indices (3·T,) uint32) drawing the same triangles:
    vertices equal bit for bit in ``fields`` become one, the first of them kept, numbered in order of
    first use (a vertex cache then sees them close together). A rasteriser shades each vertex once per
    draw, not once per corner; the triangles, their order and their winding stay as they were."""
    key = repack_fields(mesh[list(fields)]).view(np.void)           # compared as bytes: −0.0 ≠ 0.0
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")               # unique vertices in order of first use
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return mesh[first[order]], rank[inverse.ravel()].astype(np.uint32)
