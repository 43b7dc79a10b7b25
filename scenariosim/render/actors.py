"""Actor mesh templates for instanced drawing (plain numpy, no GL).

One template per actor kind (spec.catalogue.ACTOR_KINDS), a triangle list in the UNIT ACTOR BOX:
x ∈ [−½, ½] forward (+x = the actor's front), y ∈ [−½, ½] left, z ∈ [0, 1] up. The renderer draws every
actor of a kind with one instanced call; its vertex shader does what ``pose_template`` does here:

1. scale the position by the actor's box size (L, W, H) [m]: p = position · size; the normal by the
   inverse transpose: n = normalize(normal / size);
2. swing (walking limbs), in metres so that a limb turns rigidly whatever the box's proportions: with
   θ = amplitude · sin(2π · phase) and h = pivot · H [m], turn p and n by θ about the axis parallel to +y
   through (x = 0, z = h), right-handed, so θ > 0 turns +z towards +x:
   x' = x cos θ + (z − h) sin θ,  z' = h − x sin θ + (z − h) cos θ,  y' = y  (n likewise, without h);
   rigid vertices have amplitude 0;
3. turn p and n by the heading [rad] about +z and move the base centre (bottom centre of the box) to
   ``base`` [m].

Each template is authored in metres at its kind's default size (the actor frame: base centre at the
origin) and divided by that size, so scaled by an actor's own (L, W, H) it fills its 3D label box: its
bounds are the unit box exactly. The pedestrian is the one exception: its rest pose reaches the box's
width and height but only about half its length, the rest being room for the stride: at the default
proportions (and near them: a child's box) a swung limb stays inside the box at every phase.
Stored normals are unit normals in the unit-box frame; triangles wind counter-clockwise seen from outside.
Parts say how the shader colours a vertex: BODY takes the actor's colour, the rest keep their own.
"""
from __future__ import annotations

import numpy as np
import shapely

from scenariosim.errors import RenderError, unknown
from scenariosim.render.geometry import BOX_NORMALS, BOX_POSITIONS, polygon_triangles
from scenariosim.spec.catalogue import ACTOR_KINDS

#: one template vertex: position in the unit box, unit normal (unit-box frame), linear RGB albedo,
#: part (BODY …), swing (amplitude [rad], pivot height in unit z)
TEMPLATE_VERTEX = np.dtype([("position", "<f4", 3), ("normal", "<f4", 3), ("color", "<f4", 3),
                            ("part", "<u4"), ("swing", "<f4", 2)])
#: the same layout for moderngl's vertex_array
TEMPLATE_FORMAT = "3f 3f 3f u 2f"
TEMPLATE_ATTRIBUTES = ("in_position", "in_normal", "in_color", "in_part", "in_swing")

#: parts: BODY takes the actor's colour (paint, a pedestrian's clothes, a bicycle's frame); TRIM keeps its
#: own (tyres, bumpers, skin); GLASS is dark and reflects the sky; HEADLIGHT and TAILLIGHT glow at night
#: (tail lights brighter when braking); RIDER keeps its own colour and is labelled class rider
BODY, TRIM, GLASS, HEADLIGHT, TAILLIGHT, RIDER = 0, 1, 2, 3, 4, 5

#: one posed vertex in the world (``expand``): position [m], unit normal, albedo, part, actor index
WORLD_VERTEX = np.dtype([("position", "<f4", 3), ("normal", "<f4", 3), ("color", "<f4", 3),
                         ("part", "<u4"), ("actor", "<u4")])

# linear RGB albedos
PAINT = (0.5, 0.5, 0.5)            # stored for BODY (the shader uses the actor's colour instead)
TYRE_COLOR = (0.02, 0.02, 0.02)    # every tyre, and nothing else, has exactly this colour
RIM_COLOR = (0.32, 0.32, 0.34)
GLASS_COLOR = (0.02, 0.025, 0.03)
LAMP_COLOR = (0.85, 0.85, 0.80)
TAIL_COLOR = (0.45, 0.01, 0.01)
PLASTIC = (0.03, 0.03, 0.035)
STEEL = (0.40, 0.40, 0.42)
PLATE = (0.80, 0.80, 0.78)
CARGO = (0.62, 0.62, 0.60)
SKIN = (0.70, 0.42, 0.28)
HAIR = (0.03, 0.018, 0.01)
DENIM = (0.025, 0.04, 0.11)
SHOE = (0.025, 0.02, 0.018)
CONE_ORANGE = (0.90, 0.16, 0.01)
WHITE = (0.80, 0.80, 0.78)
STRIPE_RED = (0.60, 0.02, 0.02)
ROCK = (0.12, 0.10, 0.08)

#: ground clearance [m] of each road vehicle's body at its default size: every vertex but its tyres and
#: rims lies at least this high
CLEARANCE = {"car": 0.16, "suv": 0.21, "van": 0.2, "truck": 0.5, "bus": 0.28}
#: most triangles a template may have
TRIANGLE_BUDGET = 800


class _Mesh:
    """Triangles being authored in metres in the actor frame (x forward, y left, z up, base centre at 0)."""

    def __init__(self) -> None:
        self.tris: list[np.ndarray] = []      # (T, 3, 3) [m]
        self.normals: list[np.ndarray] = []   # (T, 3, 3) unit
        self.attrs: list[tuple] = []          # (T, part, colour, swing (amplitude [rad], pivot z [m]))

    def _add(self, tris, normals, part, color, swing) -> None:
        face = np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0])
        keep = np.linalg.norm(face, axis=1) > 1e-12
        flip = np.einsum("ij,ij->i", face, normals.sum(axis=1)) < 0      # wind CCW about the normals
        order = np.where(flip[:, None], [0, 2, 1], [0, 1, 2])
        tris = np.take_along_axis(tris, order[:, :, None], axis=1)[keep]
        normals = np.take_along_axis(normals, order[:, :, None], axis=1)[keep]
        self.tris.append(tris)
        self.normals.append(normals)
        self.attrs.append((len(tris), part, color, swing))

    def flat(self, tris, hint, part, color, swing=(0.0, 0.0)) -> None:
        """Flat triangles (T, 3, 3) [m]; each one's normal is its face normal turned to agree with hint
        ((3,) or (T, 3))."""
        tris = np.asarray(tris, dtype=np.float64).reshape(-1, 3, 3)
        n = np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0])
        n *= np.where(np.einsum("ij,ij->i", n, np.broadcast_to(hint, n.shape)) < 0, -1.0, 1.0)[:, None]
        n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-300)
        self._add(tris, np.repeat(n[:, None], 3, axis=1), part, color, swing)

    def smooth(self, tris, normals, part, color, swing=(0.0, 0.0)) -> None:
        """Triangles (T, 3, 3) [m] with unit vertex normals (T, 3, 3)."""
        self._add(np.asarray(tris, dtype=np.float64), np.asarray(normals, dtype=np.float64), part, color, swing)

    def quad(self, corners, hint, part, color, swing=(0.0, 0.0)) -> None:
        """A flat quad (4, 3) [m], corners in order around it."""
        a, b, c, d = np.asarray(corners, dtype=np.float64)
        self.flat([[a, b, c], [a, c, d]], hint, part, color, swing)

    def finish(self, size) -> np.ndarray:
        """(3·T,) TEMPLATE_VERTEX: positions divided by size (L, W, H) [m], normals by its inverse."""
        size = np.asarray(size, dtype=np.float64)
        tris = np.concatenate(self.tris).reshape(-1, 3)
        normals = np.concatenate(self.normals).reshape(-1, 3) * size
        out = np.zeros(len(tris), dtype=TEMPLATE_VERTEX)
        out["position"] = tris / size
        out["normal"] = normals / np.linalg.norm(normals, axis=1, keepdims=True)
        count = np.array([3 * a[0] for a in self.attrs])
        out["part"] = np.repeat([a[1] for a in self.attrs], count)
        out["color"] = np.repeat(np.array([a[2] for a in self.attrs], dtype=np.float64), count, axis=0)
        swing = np.repeat(np.array([a[3] for a in self.attrs], dtype=np.float64), count, axis=0)
        out["swing"] = swing / [1.0, size[2]]
        out.setflags(write=False)
        return out


# ---------------------------------------------------------------------------------------------- primitives

def _box(m: _Mesh, lo, hi, part, color, bottom: bool = False, swing=(0.0, 0.0)) -> None:
    """Axis-aligned box between corners lo, hi (3,) [m]; five faces, six with ``bottom``."""
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    pos = BOX_POSITIONS * (hi - lo) + [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, lo[2]]
    m.flat(pos.reshape(-1, 3, 3), BOX_NORMALS[::3], part, color, swing)
    if bottom:
        m.quad([lo, [hi[0], lo[1], lo[2]], [hi[0], hi[1], lo[2]], [lo[0], hi[1], lo[2]]], (0, 0, -1), part, color,
               swing)


def _cuboid(m: _Mesh, center, size, yaw: float, part, color) -> None:
    """Box of size (3,) [m] standing on its base centre (3,) [m], turned by yaw [rad] about +z."""
    c, s = np.cos(yaw), np.sin(yaw)
    rot = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    pos = (BOX_POSITIONS * size) @ rot.T + center
    m.flat(pos.reshape(-1, 3, 3), BOX_NORMALS[::3] @ rot.T, part, color)


def _panel(m: _Mesh, corners, inside, us=(0.0, 1.0), vs=(0.0, 1.0), cells=None, part=BODY, color=PAINT) -> None:
    """A flat quad (4, 3) [m] with corners A (u=0, v=0), B (1, 0), C (1, 1), D (0, 1), split at parameters us
    and vs into cells; cells maps (i, j) (the cell from us[i], vs[j]) to (part, colour), default (part, color).
    ``inside`` (3,) [m] is a point behind the quad (its solid's centre): normals point away from it."""
    a, b, c, d = np.asarray(corners, dtype=np.float64)
    hint = (a + b + c + d) / 4 - np.asarray(inside, dtype=np.float64)
    for i in range(len(us) - 1):
        for j in range(len(vs) - 1):
            pts = [(1 - u) * (1 - v) * a + u * (1 - v) * b + u * v * c + (1 - u) * v * d
                   for u, v in ((us[i], vs[j]), (us[i + 1], vs[j]), (us[i + 1], vs[j + 1]), (us[i], vs[j + 1]))]
            m.quad(pts, hint, *(cells or {}).get((i, j), (part, color)))


def _frustum(m: _Mesh, z0, z1, bottom_x, top_x, bottom_hw, top_hw, side=None, front=None, rear=None,
             roof=(BODY, PAINT), y0: float = 0.0) -> None:
    """Tapered box (a cabin) from height z0 to z1 [m]: bottom spans x ∈ bottom_x (rear, front) [m], y ∈ y0 ±
    bottom_hw [m]; its top x ∈ top_x, y0 ± top_hw. No bottom face. side, front and rear are (us, vs, cells)
    grids for _panel (side: u rear → front; front and rear: u right → left; v upwards)."""
    (bx0, bx1), (tx0, tx1) = bottom_x, top_x
    def p(x, y, z): return (x, y0 + y, z)
    inside = ((bx0 + bx1 + tx0 + tx1) / 4, y0, (z0 + z1) / 2)
    for s in (1.0, -1.0):
        quad = [p(bx0, s * bottom_hw, z0), p(bx1, s * bottom_hw, z0), p(tx1, s * top_hw, z1), p(tx0, s * top_hw, z1)]
        _panel(m, quad, inside, *(side or ((0, 1), (0, 1), None)))
    for x0, x1, grid in ((bx1, tx1, front), (bx0, tx0, rear)):
        quad = [p(x0, -bottom_hw, z0), p(x0, bottom_hw, z0), p(x1, top_hw, z1), p(x1, -top_hw, z1)]
        _panel(m, quad, inside, *(grid or ((0, 1), (0, 1), None)))
    _panel(m, [p(tx0, -top_hw, z1), p(tx1, -top_hw, z1), p(tx1, top_hw, z1), p(tx0, top_hw, z1)], inside,
           part=roof[0], color=roof[1])


def _extrude(m: _Mesh, outline: shapely.Polygon, y0: float, y1: float, part, color, swing=(0.0, 0.0)) -> None:
    """A side profile (a polygon in the (x, z) plane [m], holes allowed) extruded across y ∈ [y0, y1] [m]."""
    tris = polygon_triangles(outline)
    for y, sign in ((y1, 1.0), (y0, -1.0)):
        side = np.stack([tris[..., 0], np.full(tris.shape[:2], y), tris[..., 1]], axis=-1)
        m.flat(side, (0.0, sign, 0.0), part, color, swing)
    outline = shapely.orient_polygons(outline)          # exteriors counter-clockwise, holes clockwise
    rings = [r for p in shapely.get_parts(outline) for r in (p.exterior, *p.interiors)]
    for ring in rings:
        xz = np.asarray(ring.coords)
        p, q = xz[:-1], xz[1:]
        out = np.stack([q[:, 1] - p[:, 1], np.zeros(len(p)), p[:, 0] - q[:, 0]], axis=1)   # right of each edge
        a, b = (np.stack([e[:, 0], np.full(len(e), y0), e[:, 1]], 1) for e in (p, q))
        c, d = b + (0.0, y1 - y0, 0.0), a + (0.0, y1 - y0, 0.0)
        m.flat(np.concatenate([np.stack([a, b, c], 1), np.stack([a, c, d], 1)]), np.concatenate([out, out]), part,
               color, swing)


def _frame(axis) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors across a unit axis (3,): e2 along the part of +y across it (or +z for an axis along
    y), e1 completing them."""
    axis = np.asarray(axis, dtype=np.float64)
    ref = np.array([0.0, 0.0, 1.0]) if abs(axis[1]) > 0.9 else np.array([0.0, 1.0, 0.0])
    e2 = ref - ref @ axis * axis
    e2 /= np.linalg.norm(e2)
    return np.cross(e2, axis), e2


def _tube(m: _Mesh, p0, p1, r0, r1, part, color, sides: int = 8, caps=(True, True), swing=(0.0, 0.0)) -> None:
    """Tapered tube from p0 to p1 (3,) [m], smooth-shaded; cross-sections are ellipses of radii r0, r1
    (a scalar or (across e1, across e2) [m], see _frame) with a vertex at −e2 (a wheel's lowest point)."""
    p0, p1 = np.asarray(p0, dtype=np.float64), np.asarray(p1, dtype=np.float64)
    length = np.linalg.norm(p1 - p0)
    axis = (p1 - p0) / length
    e1, e2 = _frame(axis)
    (a0, b0), (a1, b1) = np.broadcast_to(r0, 2), np.broadcast_to(r1, 2)
    phi = -np.pi / 2 + 2 * np.pi * np.arange(sides + 1) / sides
    cos, sin = np.cos(phi)[:, None], np.sin(phi)[:, None]
    ring0 = p0 + a0 * cos * e1 + b0 * sin * e2
    ring1 = p1 + a1 * cos * e1 + b1 * sin * e2
    n = cos * e1 / ((a0 + a1) / 2) + sin * e2 / ((b0 + b1) / 2)
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    n += ((a0 + b0 - a1 - b1) / 2 / length) * axis                  # a taper tilts the walls
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    k = np.arange(sides)
    tris = np.concatenate([np.stack([ring0[k], ring0[k + 1], ring1[k + 1]], 1),
                           np.stack([ring0[k], ring1[k + 1], ring1[k]], 1)])
    nrm = np.concatenate([np.stack([n[k], n[k + 1], n[k + 1]], 1), np.stack([n[k], n[k + 1], n[k]], 1)])
    m.smooth(tris, nrm, part, color, swing)
    fan = np.arange(1, sides - 1)
    for ring, sign, cap in ((ring0, -1.0, caps[0]), (ring1, 1.0, caps[1])):
        if cap:
            m.flat(np.stack([np.broadcast_to(ring[0], (len(fan), 3)), ring[fan], ring[fan + 1]], 1), sign * axis,
                   part, color, swing)


def _disc(m: _Mesh, center, axis, radius: float, part, color, sides: int = 12) -> None:
    """Flat regular polygon of circumradius radius [m] facing along axis (3,), a vertex at −e2."""
    axis = np.asarray(axis, dtype=np.float64)
    e1, e2 = _frame(axis)
    phi = -np.pi / 2 + 2 * np.pi * np.arange(sides) / sides
    ring = np.asarray(center) + radius * (np.cos(phi)[:, None] * e1 + np.sin(phi)[:, None] * e2)
    fan = np.arange(1, sides - 1)
    m.flat(np.stack([np.broadcast_to(ring[0], (len(fan), 3)), ring[fan], ring[fan + 1]], 1), axis, part, color)


def _ellipsoid(m: _Mesh, center, radii, part, color, lat: int = 6, lon: int = 8, swing=(0.0, 0.0)) -> None:
    """Smooth ellipsoid of semi-axes radii (3,) [m] along x, y, z; lat must be even and lon a multiple of 4
    so that its vertices reach all six extremes."""
    theta = np.pi * np.arange(lat + 1) / lat
    phi = 2 * np.pi * np.arange(lon + 1) / lon
    s = np.stack([np.sin(theta)[:, None] * np.cos(phi), np.sin(theta)[:, None] * np.sin(phi),
                  np.cos(theta)[:, None] * np.ones_like(phi)], axis=-1)          # (lat+1, lon+1, 3)
    pos = np.asarray(center) + s * radii
    n = s / radii
    n /= np.linalg.norm(n, axis=-1, keepdims=True)
    i, k = np.meshgrid(np.arange(lat), np.arange(lon), indexing="ij")
    i, k = i.ravel(), k.ravel()
    quads = [(i, k), (i + 1, k), (i + 1, k + 1), (i, k + 1)]
    upper = [quads[0], quads[1], quads[2]]
    lower = [quads[0], quads[2], quads[3]]
    for corners, mask in ((upper, i < lat - 1), (lower, i > 0)):     # pole quads are single triangles
        tris = np.stack([pos[a[mask], b[mask]] for a, b in corners], 1)
        nrm = np.stack([n[a[mask], b[mask]] for a, b in corners], 1)
        m.smooth(tris, nrm, part, color, swing)


def _ring(m: _Mesh, center, radius: float, tube: float, part, color, sides: int = 16, tube_sides: int = 4) -> None:
    """Torus about an axle along y through center (3,) [m] (a bicycle tyre): outer radius radius, tube
    radius tube [m]; a vertex at its lowest point."""
    alpha = -np.pi / 2 + 2 * np.pi * np.arange(sides + 1) / sides
    beta = 2 * np.pi * np.arange(tube_sides + 1) / tube_sides
    radial = np.stack([np.cos(alpha), np.zeros_like(alpha), np.sin(alpha)], -1)[:, None]      # (S+1, 1, 3)
    across = np.array([0.0, 1.0, 0.0])
    n = np.cos(beta)[None, :, None] * radial + np.sin(beta)[None, :, None] * across         # (S+1, B+1, 3)
    pos = np.asarray(center) + (radius - tube) * radial + tube * n
    i, k = np.meshgrid(np.arange(sides), np.arange(tube_sides), indexing="ij")
    i, k = i.ravel(), k.ravel()
    for corners in (((i, k), (i + 1, k), (i + 1, k + 1)), ((i, k), (i + 1, k + 1), (i, k + 1))):
        m.smooth(np.stack([pos[a, b] for a, b in corners], 1), np.stack([n[a, b] for a, b in corners], 1),
                 part, color)


def _wheel(m: _Mesh, x: float, y: float, radius: float, width: float, rim: float, sides: int = 12,
           both_sides: bool = False) -> None:
    """Tyre (a cylinder along y) centred at (x, y) [m] with its lowest vertex on z = 0; its outer face (both
    faces with ``both_sides``) a tyre ring around a rim disc of radius rim [m], in one plane."""
    out = 1.0 if y >= 0 else -1.0
    _tube(m, (x, y - out * width / 2, radius), (x, y + out * width / 2, radius), radius, radius, TRIM, TYRE_COLOR,
          sides, caps=(False, False))
    phi = -np.pi / 2 + 2 * np.pi * np.arange(sides + 1) / sides
    circle = np.stack([np.cos(phi), np.zeros_like(phi), np.sin(phi)], 1)
    for s in (1.0, -1.0) if both_sides else (1.0,):
        c = np.array([x, y + s * out * width / 2, radius])
        outer, inner = c + radius * circle, c + rim * circle
        k = np.arange(sides)
        ring = np.concatenate([np.stack([inner[k], outer[k], outer[k + 1]], 1),
                               np.stack([inner[k], outer[k + 1], inner[k + 1]], 1)])
        m.flat(ring, (0.0, s * out, 0.0), TRIM, TYRE_COLOR)
        _disc(m, c, (0.0, s * out, 0.0), rim, TRIM, RIM_COLOR, sides)


def _body(m: _Mesh, profile, arches, half_width: float, liner: float, part=BODY, color=PAINT) -> None:
    """Lower body: a side profile [(x, z) …] [m] less a wheel arch of radius r about each (x, z, r),
    extruded across the full width, with a dark wheel-well liner filling each arch at |y| = liner [m]
    (inside the tyres) so that the arches are not see-through."""
    outline = shapely.Polygon(profile)
    for x, z, r in arches:
        arch = shapely.Point(x, z).buffer(r, quad_segs=4)
        tris = polygon_triangles(arch.intersection(outline))
        for sign in (1.0, -1.0):
            m.flat(np.stack([tris[..., 0], np.full(tris.shape[:2], sign * liner), tris[..., 1]], -1),
                   (0.0, sign, 0.0), TRIM, PLASTIC)
        outline = outline.difference(arch)
    _extrude(m, outline, -half_width, half_width, part, color)


def _lamp(m: _Mesh, x0: float, x1: float, y0: float, y1: float, z0: float, z1: float, part, color) -> None:
    """A pair of lamps (or any trim pair) mirrored across y = 0: boxes x ∈ [x0, x1], |y| ∈ [y0, y1],
    z ∈ [z0, z1] [m]."""
    for s in (1.0, -1.0):
        _box(m, (x0, min(s * y0, s * y1), z0), (x1, max(s * y0, s * y1), z1), part, color)


def _grid(us, vs, glass, frame=(BODY, PAINT), glass_color=GLASS_COLOR):
    """(us, vs, cells) for _panel: the cells (i, j) in ``glass`` are GLASS, the rest ``frame``."""
    cells = {(i, j): (GLASS, glass_color) if (i, j) in glass else frame
             for i in range(len(us) - 1) for j in range(len(vs) - 1)}
    return us, vs, cells


def _knee(hip, foot, thigh: float, shin: float, forward=(1.0, 0.0, 0.0)) -> np.ndarray:
    """Knee (3,) [m] of a leg from hip to foot (3,) [m] with those bone lengths [m], bent towards forward."""
    hip, foot = np.asarray(hip, dtype=np.float64), np.asarray(foot, dtype=np.float64)
    d = foot - hip
    dist = min(np.linalg.norm(d), thigh + shin - 1e-6)
    u = d / np.linalg.norm(d)
    a = (thigh ** 2 - shin ** 2 + dist ** 2) / (2 * dist)
    h = np.sqrt(max(thigh ** 2 - a ** 2, 0.0))
    side = np.asarray(forward, dtype=np.float64) - np.dot(forward, u) * u
    return hip + a * u + h * side / np.linalg.norm(side)


# ---------------------------------------------------------------------------------------------- road vehicles

def _car() -> np.ndarray:
    """Sedan, 4.6 × 1.85 × 1.5 m: hood, sloped windscreen, cabin with side windows, rear window, trunk."""
    L, W, H = ACTOR_KINDS["car"].size
    m, hw, r = _Mesh(), W / 2, 0.32
    axles = (1.36, -1.36)
    _body(m, [(-2.2, 0.24), (-2.2, 0.88), (-2.1, 0.96), (1.0, 0.96), (1.9, 0.85), (2.2, 0.76), (2.2, 0.3),
              (2.08, 0.16), (-2.05, 0.16)], [(x, r, 0.38) for x in axles], hw, hw - 0.26)
    side = _grid((0, 0.1, 0.46, 0.52, 0.92, 1), (0, 0.1, 0.87, 1), {(1, 1), (3, 1)})
    _frustum(m, 0.96, H, (-1.6, 1.0), (-1.05, 0.2), 0.86, 0.68, side=side,
             front=_grid((0, 0.05, 0.95, 1), (0, 0.05, 0.93, 1), {(1, 1)}),
             rear=_grid((0, 0.08, 0.92, 1), (0, 0.1, 0.9, 1), {(1, 1)}))
    _box(m, (2.16, -0.9, 0.2), (L / 2, 0.9, 0.48), TRIM, PLASTIC, bottom=True)              # bumpers
    _box(m, (-L / 2, -0.9, 0.22), (-2.16, 0.9, 0.5), TRIM, PLASTIC, bottom=True)
    _box(m, (2.19, -0.42, 0.5), (2.215, 0.42, 0.66), TRIM, PLASTIC)                          # grille
    _lamp(m, 2.18, 2.215, 0.5, 0.85, 0.56, 0.7, HEADLIGHT, LAMP_COLOR)
    _lamp(m, -2.215, -2.18, 0.5, 0.88, 0.72, 0.86, TAILLIGHT, TAIL_COLOR)
    _box(m, (-2.212, -0.26, 0.56), (-2.19, 0.26, 0.68), TRIM, PLATE)                        # number plate
    for x in axles:
        for s in (1.0, -1.0):
            _wheel(m, x, s * (hw - 0.03 - 0.105), r, 0.21, 0.2)
    return m.finish((L, W, H))


def _suv() -> np.ndarray:
    """SUV, 4.7 × 1.9 × 1.7 m: a taller two-box with a near-vertical tailgate, more clearance, bigger wheels
    and roof rails."""
    L, W, H = ACTOR_KINDS["suv"].size
    m, hw, r = _Mesh(), W / 2, 0.36
    axles = (1.4, -1.3)
    belt, roof = 1.05, H - 0.04
    _body(m, [(-2.25, 0.3), (-2.25, belt), (1.0, belt), (2.05, 0.98), (2.25, 0.9), (2.25, 0.36), (2.1, 0.21),
              (-2.1, 0.21)], [(x, r, 0.42) for x in axles], hw, hw - 0.28)
    side = _grid((0, 0.13, 0.4, 0.45, 0.7, 0.74, 0.94, 1), (0, 0.08, 0.88, 1), {(1, 1), (3, 1), (5, 1)})
    _frustum(m, belt, roof, (-2.22, 1.0), (-2.05, 0.02), 0.9, 0.74, side=side,
             front=_grid((0, 0.05, 0.95, 1), (0, 0.05, 0.92, 1), {(1, 1)}),
             rear=_grid((0, 0.1, 0.9, 1), (0, 0.15, 0.88, 1), {(1, 1)}))
    _lamp(m, -1.9, -0.15, 0.6, 0.66, roof, H, TRIM, PLASTIC)                                  # roof rails
    _box(m, (2.2, -0.92, 0.25), (L / 2, 0.92, 0.55), TRIM, PLASTIC, bottom=True)
    _box(m, (-L / 2, -0.92, 0.3), (-2.2, 0.92, 0.58), TRIM, PLASTIC, bottom=True)
    _box(m, (2.24, -0.45, 0.58), (2.265, 0.45, 0.78), TRIM, PLASTIC)                           # grille
    _lamp(m, 2.23, 2.265, 0.55, 0.88, 0.72, 0.85, HEADLIGHT, LAMP_COLOR)
    _lamp(m, -2.275, -2.24, 0.6, 0.9, 0.8, 0.98, TAILLIGHT, TAIL_COLOR)
    _box(m, (-2.27, -0.26, 0.62), (-2.24, 0.26, 0.74), TRIM, PLATE)
    for x in axles:
        for s in (1.0, -1.0):
            _wheel(m, x, s * (hw - 0.03 - 0.115), r, 0.23, 0.23)
    return m.finish((L, W, H))


def _van() -> np.ndarray:
    """Van, 5.9 × 2.0 × 2.6 m: one tall box with a short sloping hood, a big windscreen, cab windows and
    two rear-door windows."""
    L, W, H = ACTOR_KINDS["van"].size
    m, hw, r = _Mesh(), W / 2, 0.36
    axles = (2.0, -1.66)
    belt = 1.15
    _body(m, [(-2.9, 0.3), (-2.9, belt), (1.95, belt), (2.7, 1.02), (2.9, 0.9), (2.9, 0.36), (2.75, 0.2),
              (-2.75, 0.2)], [(x, r, 0.42) for x in axles], hw, hw - 0.27)
    side = _grid((0, 0.74, 0.95, 1), (0, 0.06, 0.8, 1), {(1, 1)})
    _frustum(m, belt, H, (-2.9, 1.95), (-2.9, 1.25), 0.98, 0.94, side=side,
             front=_grid((0, 0.04, 0.96, 1), (0, 0.04, 0.84, 1), {(1, 1)}),
             rear=_grid((0, 0.08, 0.47, 0.53, 0.92, 1), (0, 0.45, 0.85, 1), {(1, 1), (3, 1)}))
    _box(m, (2.8, -0.98, 0.28), (L / 2, 0.98, 0.6), TRIM, PLASTIC, bottom=True)
    _box(m, (-L / 2, -0.98, 0.28), (-2.85, 0.98, 0.55), TRIM, PLASTIC, bottom=True)
    _box(m, (2.88, -0.5, 0.62), (2.915, 0.5, 0.86), TRIM, PLASTIC)
    _lamp(m, 2.87, 2.915, 0.58, 0.92, 0.68, 0.84, HEADLIGHT, LAMP_COLOR)
    _lamp(m, -2.925, -2.89, 0.84, 0.97, 0.6, 1.1, TAILLIGHT, TAIL_COLOR)
    _box(m, (-2.925, -0.26, 0.6), (-2.89, 0.26, 0.72), TRIM, PLATE)
    for x in axles:
        for s in (1.0, -1.0):
            _wheel(m, x, s * (hw - 0.03 - 0.11), r, 0.22, 0.22)
    return m.finish((L, W, H))


def _truck() -> np.ndarray:
    """Box truck, 9.0 × 2.5 × 3.4 m: a cab-over cab (BODY) with a roof deflector, a light grey cargo box on a
    dark chassis, 6 wheels on 3 axles."""
    L, W, H = ACTOR_KINDS["truck"].size
    m, hw, r = _Mesh(), W / 2, 0.52
    axles = (3.15, -2.0, -3.35)
    _body(m, [(2.3, 0.5), (2.3, 1.55), (4.45, 1.55), (4.45, 0.5)], [(axles[0], r, 0.6)], hw, hw - 0.36)
    side = _grid((0, 0.5, 0.95, 1), (0, 0.12, 0.78, 1), {(1, 1)})
    _frustum(m, 1.55, 3.0, (2.3, 4.45), (2.35, 4.3), 1.23, 1.18, side=side,
             front=_grid((0, 0.03, 0.97, 1), (0, 0.1, 0.8, 1), {(1, 1)}))
    _frustum(m, 3.0, 3.3, (2.4, 4.1), (2.4, 3.2), 1.1, 1.05)                              # roof deflector
    _box(m, (-4.48, -hw, 1.15), (2.2, hw, H), TRIM, CARGO, bottom=True)                      # cargo box
    _box(m, (-4.4, -0.5, 0.55), (4.3, 0.5, 1.16), TRIM, PLASTIC, bottom=True)               # chassis
    _box(m, (4.35, -1.22, 0.5), (4.48, 1.22, 0.95), TRIM, PLASTIC, bottom=True)             # bumper
    _box(m, (4.44, -0.7, 1.0), (4.47, 0.7, 1.45), TRIM, PLASTIC)                             # grille
    _lamp(m, 4.47, L / 2, 0.75, 1.1, 0.62, 0.8, HEADLIGHT, LAMP_COLOR)
    _box(m, (-4.45, -1.1, 0.5), (-4.35, 1.1, 0.68), TRIM, PLASTIC, bottom=True)             # underrun bar
    _lamp(m, -L / 2, -4.47, 0.8, 1.15, 1.2, 1.4, TAILLIGHT, TAIL_COLOR)
    for x in axles:
        for s in (1.0, -1.0):
            _wheel(m, x, s * (hw - 0.04 - 0.15), r, 0.3, 0.3)
    return m.finish((L, W, H))


def _bus() -> np.ndarray:
    """City bus, 12 × 2.55 × 3.1 m: a long box with a band of side windows, a door, front and rear windows,
    an air-conditioning pod on the roof."""
    L, W, H = ACTOR_KINDS["bus"].size
    m, hw, r = _Mesh(), W / 2, 0.5
    axles = (3.3, -2.6)
    belt, top = 1.15, 2.95
    _body(m, [(-5.96, 0.3), (-5.96, belt), (5.96, belt), (5.96, 0.3), (5.8, 0.28), (-5.8, 0.28)],
          [(x, r, 0.57) for x in axles], hw, hw - 0.36)
    n, pillar = 7, 0.006                            # side windows; pillars are 2·pillar of the side wide
    edges = np.linspace(0.015, 0.985, n + 1)
    us = np.concatenate([[0.0], np.stack([edges[:-1] + pillar, edges[1:] - pillar], 1).ravel(), [1.0]])
    glass = {(2 * k + 1, 1) for k in range(n)}
    side = _grid(tuple(us), (0, 0.06, 0.8, 1), glass)
    front = _grid((0, 0.03, 0.97, 1), (0, 0.02, 0.8, 0.83, 0.96, 1), {(1, 1)})
    front[2][1, 3] = (TRIM, PLASTIC)                                                         # destination sign
    _frustum(m, belt, top, (-5.96, 5.96), (-5.94, 5.85), 1.27, 1.25, side=side,
             front=front, rear=_grid((0, 0.1, 0.9, 1), (0, 0.35, 0.85, 1), {(1, 1)}))
    _frustum(m, top, H, (-3.5, 1.5), (-3.3, 1.3), 0.9, 0.85)                               # roof pod
    _box(m, (5.9, -1.25, 0.3), (L / 2, 1.25, 0.6), TRIM, PLASTIC, bottom=True)
    _box(m, (-L / 2, -1.25, 0.3), (-5.9, 1.25, 0.6), TRIM, PLASTIC, bottom=True)
    _lamp(m, 5.95, 5.98, 0.8, 1.15, 0.7, 0.85, HEADLIGHT, LAMP_COLOR)
    _lamp(m, -5.98, -5.95, 0.95, 1.2, 0.7, 1.0, TAILLIGHT, TAIL_COLOR)
    _box(m, (5.955, -0.7, 1.06), (5.975, 0.7, 1.13), TRIM, PLASTIC)                         # under the windscreen
    for x in axles:
        for s in (1.0, -1.0):
            _wheel(m, x, s * (hw - 0.04 - 0.15), r, 0.3, 0.3)
    return m.finish((L, W, H))


# ---------------------------------------------------------------------------------------------- two wheelers

RIDER_JACKET = (0.06, 0.07, 0.1)
RIDER_TROUSERS = (0.04, 0.04, 0.05)
HELMET = (0.7, 0.7, 0.68)
JERSEY = (0.04, 0.09, 0.35)


def _person(m: _Mesh, hip, shoulder, head, head_radii, hands, feet, part, torso_color, legs_color,
            head_color, hand_color=SKIN, foot_color=SHOE, thigh=0.45, shin=0.46, arm=(0.3, 0.3)) -> None:
    """A seated person (a rider): hip and shoulder centres (3,), head centre (3,) and radii (3,) [m]; hands
    and feet (2, 3) [m], left first. Knees and elbows are solved from the bone lengths [m]."""
    hip, shoulder = np.asarray(hip, dtype=np.float64), np.asarray(shoulder, dtype=np.float64)
    _tube(m, hip, shoulder, (0.12, 0.16), (0.11, 0.2), part, torso_color)
    neck = shoulder + 0.6 * (np.asarray(head) - shoulder)
    _tube(m, shoulder, neck, 0.05, 0.05, part, SKIN, sides=6, caps=(False, False))
    _ellipsoid(m, head, head_radii, part, head_color)
    for k, s in enumerate((1.0, -1.0)):
        h = hip + (0.0, s * 0.1, 0.0)
        knee = _knee(h, feet[k], thigh, shin)
        _tube(m, h, knee, 0.08, 0.065, part, legs_color, sides=6)
        _tube(m, knee, feet[k], 0.06, 0.05, part, legs_color, sides=6, caps=(False, True))
        f = np.asarray(feet[k])
        _box(m, f + (-0.06, -0.045, -0.05), f + (0.16, 0.045, 0.03), part, foot_color)
        sh = shoulder + (0.0, s * 0.19, -0.03)
        elbow = _knee(sh, hands[k], *arm, forward=(0.0, 0.0, -1.0))
        _tube(m, sh, elbow, 0.05, 0.045, part, torso_color, sides=6)
        _tube(m, elbow, hands[k], 0.042, 0.035, part, torso_color, sides=6)
        _ellipsoid(m, hands[k], (0.05, 0.04, 0.04), part, hand_color, lat=2, lon=4)


def _motorcycle() -> np.ndarray:
    """Motorcycle with its rider, 2.2 × 0.8 × 1.5 m: two wheels, fork, tank (BODY), engine, seat, exhaust;
    the rider (RIDER) holds the bars and wears a helmet reaching the box top."""
    L, W, H = ACTOR_KINDS["motorcycle"].size
    m, r = _Mesh(), 0.31
    front, rear = L / 2 - r, -(L / 2 - r)
    for x in (front, rear):
        _wheel(m, x, 0.0, r, 0.16, 0.2, both_sides=True)
    for s in (1.0, -1.0):
        _tube(m, (front, s * 0.07, r), (0.56, s * 0.07, 0.98), 0.025, 0.025, TRIM, STEEL, sides=6)   # fork
        _tube(m, (rear, s * 0.07, r), (-0.15, s * 0.07, 0.42), 0.03, 0.03, TRIM, PLASTIC, sides=6)  # swingarm
    _box(m, (0.5, -0.09, 0.9), (0.64, 0.09, 1.0), TRIM, PLASTIC)                                  # steering head
    _tube(m, (0.54, -W / 2, 1.04), (0.54, W / 2, 1.04), 0.02, 0.02, TRIM, PLASTIC, sides=6)      # handlebar
    _box(m, (0.78, -0.08, 0.84), (0.86, 0.08, 0.98), HEADLIGHT, LAMP_COLOR)
    _frustum(m, 0.64, 0.9, (0.0, 0.52), (0.04, 0.4), 0.14, 0.11)                               # tank
    _frustum(m, 0.64, 0.72, (0.6, 0.98), (0.64, 0.92), 0.07, 0.07)                              # front fender
    _box(m, (-0.16, -0.17, 0.26), (0.36, 0.17, 0.64), TRIM, (0.05, 0.05, 0.055))                # engine
    _box(m, (-0.62, -0.14, 0.78), (-0.02, 0.14, 0.88), TRIM, PLASTIC)                           # seat
    _frustum(m, 0.74, 0.92, (-0.86, -0.5), (-0.8, -0.55), 0.1, 0.08)                            # tail
    _box(m, (-0.88, -0.06, 0.78), (-0.85, 0.06, 0.84), TAILLIGHT, TAIL_COLOR)
    _tube(m, (-0.1, -0.22, 0.3), (-0.8, -0.22, 0.52), 0.045, 0.055, TRIM, STEEL, sides=8)     # exhaust
    head_r = (0.15, 0.13, 0.13)
    _person(m, hip=(-0.32, 0.0, 0.96), shoulder=(-0.02, 0.0, 1.3), head=(0.1, 0.0, H - head_r[2]),
            head_radii=head_r, hands=[(0.52, 0.31, 1.04), (0.52, -0.31, 1.04)],
            feet=[(-0.08, 0.2, 0.45), (-0.08, -0.2, 0.45)], part=RIDER, torso_color=RIDER_JACKET,
            legs_color=RIDER_TROUSERS, head_color=HELMET, hand_color=RIDER_JACKET, thigh=0.46, shin=0.46,
            arm=(0.32, 0.32))
    _box(m, (0.2, -0.085, 1.33), (0.245, 0.085, 1.42), RIDER, GLASS_COLOR)                      # visor
    return m.finish((L, W, H))


def _bicycle() -> np.ndarray:
    """Bicycle with its rider, 1.8 × 0.6 × 1.75 m: two thin wheels, a thin frame (BODY), handlebar reaching the
    box's width; the rider (RIDER) leans to the bars, helmet at the box top."""
    L, W, H = ACTOR_KINDS["bicycle"].size
    m, r = _Mesh(), 0.34
    front, rear = L / 2 - r, -(L / 2 - r)
    for x in (front, rear):
        _ring(m, (x, 0.0, r), r, 0.02, TRIM, TYRE_COLOR)
        _tube(m, (x, -0.05, r), (x, 0.05, r), 0.03, 0.03, TRIM, STEEL, sides=6, caps=(False, False))   # hub
    bb, seat, head_top, head_bottom = (-0.05, 0, 0.3), (-0.2, 0, 0.86), (0.36, 0, 0.9), (0.4, 0, 0.74)
    tubes = [(bb, seat), (seat, head_top), (bb, head_bottom), (head_bottom, head_top)]
    for s in (1.0, -1.0):
        tubes += [(bb, (rear, s * 0.05, r)), (seat, (rear, s * 0.05, r)), (head_bottom, (front, s * 0.05, r))]
    for a, b in tubes:
        _tube(m, a, b, 0.02, 0.02, BODY, PAINT, sides=4, caps=(False, False))
    _tube(m, seat, (-0.24, 0, 0.98), 0.014, 0.014, TRIM, STEEL, sides=6, caps=(False, False))   # seat post
    _box(m, (-0.34, -0.07, 0.98), (-0.08, 0.07, 1.03), TRIM, PLASTIC)                           # saddle
    _tube(m, head_top, (0.33, 0, 1.0), 0.018, 0.018, TRIM, STEEL, sides=6, caps=(False, False))  # stem
    _tube(m, (0.33, -W / 2, 1.0), (0.33, W / 2, 1.0), 0.015, 0.015, TRIM, PLASTIC, sides=6)     # handlebar
    _box(m, (0.34, -0.03, 0.93), (0.39, 0.03, 0.98), HEADLIGHT, LAMP_COLOR)
    _box(m, (-0.27, -0.03, 0.82), (-0.25, 0.03, 0.88), TAILLIGHT, TAIL_COLOR)                  # reflector
    pedals = [np.add(bb, (-0.16, 0.12, 0.05)), np.add(bb, (0.16, -0.12, -0.05))]
    for p in pedals:
        _tube(m, np.multiply(bb, (1, 0, 1)) + (0, np.sign(p[1]) * 0.08, 0), p, 0.012, 0.012, TRIM, STEEL,
              sides=4)                                                                            # cranks
    head_r = (0.14, 0.11, 0.13)
    _person(m, hip=(-0.24, 0.0, 1.08), shoulder=(0.1, 0.0, 1.42), head=(0.2, 0.0, H - head_r[2]),
            head_radii=head_r, hands=[(0.33, 0.22, 1.0), (0.33, -0.22, 1.0)],
            feet=[p + (0.0, 0.0, 0.05) for p in pedals], part=RIDER, torso_color=JERSEY,
            legs_color=RIDER_TROUSERS, head_color=HELMET, thigh=0.46, shin=0.48)
    return m.finish((L, W, H))


# ---------------------------------------------------------------------------------------------- people, props

#: a pedestrian at its default size: hip and shoulder heights [m] (the swing pivots), the side profile
#: (x, z) [m] of its shoes (a rocker sole touching z = 0 under the ankle only, so that no swing takes a
#: toe or heel below the ground) and its hands' lowest point [m]
HIP, SHOULDER, HAND = 0.92, 1.42, 0.735
SHOE_PROFILE = ((-0.07, 0.015), (0.0, 0.0), (0.12, 0.02), (0.12, 0.065), (0.02, 0.09), (-0.07, 0.09))


def _fitting_swing(points, pivot: float, half_length: float, most: float) -> float:
    """The largest amplitude [rad], at most ``most``, by which points (K, 2) (x, z) [m] may swing either way
    about (0, pivot) and stay within |x| ≤ half_length [m] (1 cm to spare) and above z = 0."""
    x, z = np.asarray(points, dtype=np.float64).T
    for angle in np.arange(most, 0.0, -0.005):
        t = np.linspace(-angle, angle, 41)[:, None]
        c, s = np.cos(t), np.sin(t)
        if np.all(np.abs(x * c + (z - pivot) * s) <= half_length - 0.01) and np.all(pivot - x * s +
                                                                                     (z - pivot) * c >= 0):
            return round(float(angle), 3)
    return 0.0


_PEDESTRIAN = ACTOR_KINDS["pedestrian"].size
#: pedestrian swing amplitudes [rad]: legs about the hip (left +, right −), arms about the shoulders (left −,
#: right +), up to 0.45 and 0.35 rad but no more than keeps the toes, heels and hands inside the default
#: box's length (0.5 m leaves room for a short stride only: about ±0.13 rad)
LEG_SWING = _fitting_swing(SHOE_PROFILE, HIP, _PEDESTRIAN[0] / 2, 0.45)
ARM_SWING = _fitting_swing([(0.04, HAND), (-0.04, HAND), (0.05, 0.83), (-0.05, 0.83)], SHOULDER,
                           _PEDESTRIAN[0] / 2, 0.35)


def _pedestrian() -> np.ndarray:
    """Standing adult, 0.5 × 0.6 × 1.75 m: shoes on z = 0, legs (trousers), torso and arms (BODY: clothes),
    skin head and hands, hair at the box top. Legs swing about the hip, arms about the shoulders, each
    arm against the leg on its side. The rest pose is about 0.25 m deep, centred in the box's 0.5 m:
    the rest is room for the swing."""
    L, W, H = _PEDESTRIAN
    m = _Mesh()
    hip, shoulder = HIP, SHOULDER
    for s in (1.0, -1.0):                                  # s = +1: left (+y)
        leg = (s * LEG_SWING, hip)
        y = s * 0.1
        _extrude(m, shapely.Polygon(SHOE_PROFILE), y - 0.05, y + 0.05, TRIM, SHOE, swing=leg)
        _tube(m, (0.0, y, 0.06), (0.0, y, hip), 0.055, 0.085, TRIM, DENIM, sides=6, caps=(True, False), swing=leg)
        arm = (-s * ARM_SWING, shoulder)
        _tube(m, (0.0, s * 0.2, shoulder + 0.02), (0.0, s * 0.245, 0.83), 0.05, 0.037, BODY, PAINT, sides=6,
              swing=arm)
        _ellipsoid(m, (0.0, s * 0.26, HAND + 0.055), (0.035, 0.04, 0.055), TRIM, SKIN, lat=2, lon=4, swing=arm)
    _box(m, (-0.11, -0.18, 0.86), (0.1, 0.18, 1.0), TRIM, DENIM, bottom=True)              # pelvis
    _tube(m, (0.0, 0.0, 0.96), (0.0, 0.0, 1.46), (0.11, 0.17), (0.12, 0.22), BODY, PAINT)   # torso
    _tube(m, (0.0, 0.0, 1.44), (0.0, 0.0, 1.55), 0.05, 0.05, TRIM, SKIN, sides=6, caps=(False, False))
    _ellipsoid(m, (0.015, 0.0, 1.63), (0.1, 0.085, 0.115), TRIM, SKIN)
    _ellipsoid(m, (-0.015, 0.0, H - 0.105), (0.105, 0.09, 0.105), TRIM, HAIR)
    return m.finish((L, W, H))


def _cone() -> np.ndarray:
    """Traffic cone, 0.4 × 0.4 × 0.75 m: a black square base and an orange cone with two white bands."""
    L, W, H = ACTOR_KINDS["cone"].size
    m = _Mesh()
    _box(m, (-L / 2, -W / 2, 0.0), (L / 2, W / 2, 0.035), TRIM, PLASTIC, bottom=True)
    z = [0.035, 0.3, 0.4, 0.5, 0.58, H]
    radius = np.interp(z, [0.035, H], [0.15, 0.02])
    for k in range(len(z) - 1):
        _tube(m, (0, 0, z[k]), (0, 0, z[k + 1]), radius[k], radius[k + 1], TRIM,
              WHITE if k in (1, 3) else CONE_ORANGE, sides=12, caps=(False, k == len(z) - 2))
    return m.finish((L, W, H))


def _barrier() -> np.ndarray:
    """Road-works barrier, 2.0 × 0.5 × 1.0 m: two red-white striped boards between two posts on wide feet."""
    L, W, H = ACTOR_KINDS["barrier"].size
    m = _Mesh()
    for x in (-0.9, 0.9):
        _box(m, (x - 0.08, -W / 2, 0.0), (x + 0.08, W / 2, 0.06), TRIM, (0.05, 0.05, 0.05), bottom=True)   # feet
        _box(m, (x - 0.035, -0.04, 0.06), (x + 0.035, 0.04, H), TRIM, WHITE)                             # posts
    for z0, z1 in ((0.55, 0.95), (0.2, 0.35)):
        board = shapely.box(-L / 2, z0, L / 2, z1)
        band = 0.25
        stripes = [shapely.Polygon([(x, z0), (x + band, z0), (x + band + z1 - z0, z1), (x + z1 - z0, z1)])
                   for x in np.arange(-L / 2 - 1.0, L / 2, 2 * band)]
        red = board.intersection(shapely.union_all(stripes))
        for part_color, shape in ((STRIPE_RED, red), (WHITE, board.difference(red))):
            tris = polygon_triangles(shape)
            for y, sign in ((0.03, 1.0), (-0.03, -1.0)):
                m.flat(np.stack([tris[..., 0], np.full(tris.shape[:2], y), tris[..., 1]], -1), (0, sign, 0),
                       TRIM, part_color)
        for z, sign in ((z1, 1.0), (z0, -1.0)):                                 # board edges, top and bottom
            m.quad([(-L / 2, -0.03, z), (L / 2, -0.03, z), (L / 2, 0.03, z), (-L / 2, 0.03, z)], (0, 0, sign), TRIM,
                   WHITE)
        for x, sign in ((L / 2, 1.0), (-L / 2, -1.0)):
            m.quad([(x, -0.03, z0), (x, 0.03, z0), (x, 0.03, z1), (x, -0.03, z1)], (sign, 0, 0), TRIM, WHITE)
    return m.finish((L, W, H))


def _debris() -> np.ndarray:
    """Debris, 0.8 × 0.6 × 0.25 m: an irregular rock-like lump (a fixed, seeded polyhedron) beside a broken
    plank (BODY), fitted to the box."""
    L, W, H = ACTOR_KINDS["debris"].size
    m = _Mesh()
    rng = np.random.default_rng(7)
    lat, lon = 4, 8
    theta = np.pi * np.arange(lat + 1) / lat
    phi = 2 * np.pi * np.arange(lon) / lon + rng.uniform(-0.2, 0.2, lon)
    s = np.stack([np.sin(theta)[:, None] * np.cos(phi), np.sin(theta)[:, None] * np.sin(phi),
                  np.cos(theta)[:, None] * np.ones(lon)], -1)
    bumps = rng.uniform(0.75, 1.15, (lat + 1, lon))
    bumps[0], bumps[-1] = bumps[0, 0], bumps[-1, 0]
    center = np.array([0.08, 0.05, 0.05])
    pos = center + s * bumps[..., None] * (0.3, 0.22, 0.17)
    pos[..., 2] = np.maximum(pos[..., 2], 0.0)                   # flat where it rests on the road
    tris = []
    for i in range(lat):
        for k in range(lon):
            a, b, c, d = pos[i, k], pos[i + 1, k], pos[i + 1, (k + 1) % lon], pos[i, (k + 1) % lon]
            tris += [[a, b, c]] if i == 0 else [[a, c, d]] if i == lat - 1 else [[a, b, c], [a, c, d]]
    tris = np.array(tris)
    m.flat(tris, tris.mean(axis=1) - center, TRIM, ROCK)
    _cuboid(m, (-0.2, -0.12, 0.0), (0.45, 0.12, 0.04), 0.5, BODY, PAINT)                      # plank
    _cuboid(m, (-0.3, 0.12, 0.0), (0.14, 0.1, 0.07), -0.3, TRIM, (0.2, 0.17, 0.14))           # chip
    # fit the pieces to the box exactly (positions only: a fit of a few per cent leaves the normals near)
    allpos = np.concatenate(m.tris).reshape(-1, 3)
    lo, hi = allpos.min(axis=0), allpos.max(axis=0)
    scale = np.array([L, W, H]) / (hi - lo)
    shift = np.array([-L / 2, -W / 2, 0.0]) - lo * scale
    out = _Mesh()
    for t, (count, part, color, swing) in zip(m.tris, m.attrs):
        t = t * scale + shift
        out.flat(t, np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]), part, color, swing)
    return out.finish((L, W, H))


_BUILDERS = {"car": _car, "suv": _suv, "van": _van, "truck": _truck, "bus": _bus, "motorcycle": _motorcycle,
             "bicycle": _bicycle, "pedestrian": _pedestrian, "cone": _cone, "barrier": _barrier,
             "debris": _debris}

#: actor kind → its template (3·T,) TEMPLATE_VERTEX triangle list (read-only)
TEMPLATES: dict[str, np.ndarray] = {kind: _BUILDERS[kind]() for kind in ACTOR_KINDS}


def template(kind: str) -> np.ndarray:
    """(3·T,) TEMPLATE_VERTEX of an actor kind (a key of ACTOR_KINDS); RenderError for an unknown kind."""
    try:
        return TEMPLATES[kind]
    except KeyError:
        raise RenderError(unknown("actor kind", kind, TEMPLATES)) from None


def box_template() -> np.ndarray:
    """(30,) TEMPLATE_VERTEX: the unit box without its bottom, all BODY: how the renderer draws an actor
    too far away to show its shape (a few pixels), at a fraction of the vertices."""
    tpl = np.zeros(len(BOX_POSITIONS), dtype=TEMPLATE_VERTEX)
    tpl["position"], tpl["normal"], tpl["color"], tpl["part"] = BOX_POSITIONS, BOX_NORMALS, PAINT, BODY
    return tpl


# ---------------------------------------------------------------------------------------------- posing

def _pose(tpl: np.ndarray, size, heading, base, phase) -> tuple[np.ndarray, np.ndarray]:
    """pose_template for N actors at once: size (N, 3) [m], heading (N,) [rad], base (N, 3) [m], phase (N,)
    → positions (N, K, 3) float64 [m] and unit normals (N, K, 3)."""
    size = np.asarray(size, dtype=np.float64)[:, None]                                        # (N, 1, 3)
    p = tpl["position"].astype(np.float64) * size                                             # (N, K, 3)
    n = tpl["normal"].astype(np.float64) / size
    n /= np.linalg.norm(n, axis=-1, keepdims=True)
    amplitude, pivot = tpl["swing"][:, 0].astype(np.float64), tpl["swing"][:, 1].astype(np.float64)
    angle = amplitude * np.sin(2 * np.pi * np.asarray(phase, dtype=np.float64))[:, None]     # (N, K)
    c, s = np.cos(angle), np.sin(angle)
    h = pivot * size[..., 2]                                                                  # (N, K) [m]
    x, z = p[..., 0], p[..., 2] - h
    p = np.stack([c * x + s * z, p[..., 1], h - s * x + c * z], -1)
    n = np.stack([c * n[..., 0] + s * n[..., 2], n[..., 1], -s * n[..., 0] + c * n[..., 2]], -1)
    ch = np.cos(np.asarray(heading, dtype=np.float64))[:, None]
    sh = np.sin(np.asarray(heading, dtype=np.float64))[:, None]

    def turn(v):
        return np.stack([ch * v[..., 0] - sh * v[..., 1], sh * v[..., 0] + ch * v[..., 1], v[..., 2]], -1)

    return turn(p) + np.asarray(base, dtype=np.float64)[:, None], turn(n)


def pose_template(tpl: np.ndarray, size, heading: float, base, phase: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """One actor's template (K,) TEMPLATE_VERTEX posed in the world, as the vertex shader does (module
    docstring): size (3,) (length, width, height) [m], heading [rad], base (3,) bottom centre [m],
    walking phase in [0, 1). Returns positions (K, 3) float64 [m] and unit normals (K, 3) float64."""
    pos, nrm = _pose(tpl, np.reshape(size, (1, 3)), np.reshape(heading, 1), np.reshape(base, (1, 3)),
                     np.reshape(phase, 1))
    return pos[0], nrm[0]


def expand(templates_by_kind: dict[str, np.ndarray], kinds, x, y, z, heading, length, width, height,
           phase=None) -> np.ndarray:
    """Every actor's posed template in one world mesh (a baseline without instancing): kinds (N,) str; x, y,
    z (N,) [m] base centres; heading (N,) [rad]; length, width, height (N,) [m]; phase (N,) in [0, 1)
    (None: 0). Returns (M,) WORLD_VERTEX, actor by actor in index order; ``actor`` is the index."""
    kinds = np.asarray(kinds)
    n = len(kinds)
    phase = np.zeros(n) if phase is None else np.asarray(phase, dtype=np.float64)
    size = np.stack([length, width, height], 1).astype(np.float64) if n else np.zeros((0, 3))
    base = np.stack([x, y, z], 1).astype(np.float64) if n else np.zeros((0, 3))
    counts = np.array([len(templates_by_kind[k]) for k in kinds], dtype=np.int64)
    start = np.concatenate([[0], np.cumsum(counts)])
    out = np.zeros(start[-1], dtype=WORLD_VERTEX)
    heading = np.asarray(heading, dtype=np.float64)
    for kind in np.unique(kinds):
        idx = np.flatnonzero(kinds == kind)
        tpl = templates_by_kind[kind]
        pos, nrm = _pose(tpl, size[idx], heading[idx], base[idx], phase[idx])
        rows = (start[idx][:, None] + np.arange(len(tpl))).ravel()
        out["position"][rows] = pos.reshape(-1, 3)
        out["normal"][rows] = nrm.reshape(-1, 3)
        out["color"][rows] = np.tile(tpl["color"], (len(idx), 1))
        out["part"][rows] = np.tile(tpl["part"], len(idx))
        out["actor"][rows] = np.repeat(idx, len(tpl))
    return out


# ---------------------------------------------------------------------------------------------- user meshes

def template_from_mesh(vertices, faces, colors=None) -> np.ndarray:
    """A template from a user's mesh already in the actor frame (x forward, y left, z up): vertices (V, 3)
    float, faces (F, 3) int (counter-clockwise seen from outside), colors (F, 3) linear RGB in [0, 1] or None.
    Its bounds are stretched onto the unit box; normals are per face. Coloured faces are TRIM, the rest
    BODY in neutral grey. Degenerate faces are dropped; ValueError when none is left or the mesh is flat."""
    v = np.asarray(vertices, dtype=np.float64)
    f = np.asarray(faces, dtype=np.int64)
    if v.ndim != 2 or v.shape[1] != 3 or f.ndim != 2 or f.shape[1] != 3 or len(f) == 0:
        raise ValueError("no triangles")
    if f.min() < 0 or f.max() >= len(v):
        raise ValueError("a face refers to a vertex that does not exist")
    lo, hi = v[f.ravel()].min(axis=0), v[f.ravel()].max(axis=0)
    extent = hi - lo
    if np.any(extent <= 0) or not np.all(np.isfinite(extent)):
        raise ValueError("it is flat or not finite (no extent along x, y or z)")
    unit = (v - [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, lo[2]]) / extent
    tris = unit[f]
    n = np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0])
    norm = np.linalg.norm(n, axis=1)
    keep = norm > 1e-12
    if not keep.any():
        raise ValueError("no triangles (every face is degenerate)")
    out = np.zeros(3 * int(keep.sum()), dtype=TEMPLATE_VERTEX)
    out["position"] = tris[keep].reshape(-1, 3)
    out["normal"] = np.repeat(n[keep] / norm[keep, None], 3, axis=0)
    if colors is None:
        out["color"], out["part"] = PAINT, BODY
    else:
        out["color"] = np.repeat(np.asarray(colors, dtype=np.float64)[keep], 3, axis=0)
        out["part"] = TRIM
    return out
