"""Sidewalks raised on kerbs, and street furniture (props, signal heads) as simple recognisable solids.

Each prop fills the box its Prop record gives: footprint centre ``position`` (x, y, z) [m], size (length
along ``heading``, width, height) [m]. Shapes (object frame: x along heading, base at z = 0):

- building: a box whose facades alternate wall and window bands per 3 m storey; wall colour from a small
  palette, chosen by the prop's index (deterministic);
- tree: a trunk box and an octagonal crown from 35 % of the height to the top (all vegetation);
- pole: a box; street_light / traffic_light_pole: a post at the back end of the box and, when the box is
  longer than the post is thick, a mast arm along heading at the top with a lamp (light) at its end;
- sign: a plate (traffic_sign) as thick as the box is long, facing along heading, at the top, on a post
  (pole) at most 8 cm thick;
- kerb: a box (sidewalk).

A TrafficLight is a head box (traffic_light) centred on its position, facing its heading, with red,
amber and green lamps on its face, and a post behind it (pole) unless a traffic_light_pole prop stands
within MAST_REACH of it.
"""
from __future__ import annotations

import numpy as np
import shapely

from scenariosim.render.elevation import Elevation
from scenariosim.render.geometry import (BOX_NORMALS, BOX_POSITIONS, OCTAGON_NORMALS, OCTAGON_POSITIONS, concat,
                                         GLASS, GROUND, LAMP, SIGNAL, lift, polygon_triangles, quads_mesh, solid,
                                         surface_mesh)
from scenariosim.roads.network import Prop, RoadNetwork, Sidewalk, TrafficLight
from scenariosim.taxonomy import BUILDING, POLE, PROP_CLASS, SIDEWALK, TRAFFIC_LIGHT, TRAFFIC_SIGN, VEGETATION

BOX = (BOX_POSITIONS, BOX_NORMALS)
OCTAGON = (OCTAGON_POSITIONS, OCTAGON_NORMALS)

KERB_FOOT = 0.1          # [m] the kerb face reaches this far below the road, so no gap shows at its foot
STOREY, WINDOW = 3.0, 1.3   # [m] storey height and window band height of buildings
HEAD_SIZE = (0.3, 0.4, 1.0)   # [m] signal head depth, width, height
LAMP_SIZE = (0.6, 0.3, 0.12)  # [m] a street light's lamp
MAST_REACH = 8.0         # [m] a traffic_light_pole this close carries the head (no post of its own)

#: albedos (linear RGB)
SIDEWALK_COLOR = (0.3, 0.29, 0.27)
KERB_COLOR = (0.45, 0.44, 0.42)
FACADES = ((0.45, 0.38, 0.28), (0.3, 0.3, 0.32), (0.5, 0.22, 0.15), (0.55, 0.52, 0.45),
           (0.35, 0.4, 0.45), (0.6, 0.45, 0.3), (0.25, 0.22, 0.2), (0.5, 0.5, 0.5))
WINDOW_COLOR = (0.04, 0.05, 0.07)
ROOF_COLOR = (0.12, 0.12, 0.12)
TRUNK_COLOR, CROWN_COLOR = (0.12, 0.07, 0.03), (0.06, 0.16, 0.03)
POLE_COLOR = (0.25, 0.25, 0.25)
LAMP_COLOR = (0.9, 0.88, 0.7)
PLATE_COLOR, PLATE_BACK = (0.7, 0.08, 0.05), (0.4, 0.4, 0.4)
HEAD_COLOR = (0.02, 0.02, 0.02)
SIGNAL_COLORS = ((0.9, 0.05, 0.02), (0.95, 0.55, 0.0), (0.05, 0.85, 0.3))   # lamp colours: red, amber, green


# ---- sidewalks ------------------------------------------------------------------------------------

def sidewalk_mesh(walk: Sidewalk, elevation: Elevation) -> np.ndarray:
    """(3·T,) VERTEX of one sidewalk (class SIDEWALK): its area kerb_height above the ground, and vertical
    faces along every ring of the area from KERB_FOOT below the ground up to its top."""
    area = shapely.orient_polygons(walk.area)       # exteriors counter-clockwise, holes clockwise
    tris = polygon_triangles(area)
    top = lift(tris, elevation(tris.reshape(-1, 2)).reshape(-1, 3) + walk.kerb_height)
    faces = []
    for poly in shapely.get_parts(area):
        for ring in (poly.exterior, *poly.interiors):
            p = np.asarray(ring.coords)[:, :2]
            a, b = p[:-1], p[1:]
            keep = np.linalg.norm(b - a, axis=1) > 1e-9
            a, b = a[keep], b[keep]
            if not len(a):
                continue
            d = b - a
            normal = np.column_stack([d[:, 1], -d[:, 0], np.zeros(len(d))])   # right of travel: outwards
            normal /= np.linalg.norm(normal, axis=1, keepdims=True)
            za, zb = elevation(a) - KERB_FOOT, elevation(b) - KERB_FOOT
            h = walk.kerb_height + KERB_FOOT
            faces.append(quads_mesh(np.column_stack([a, za]), np.column_stack([b, zb]), np.full(len(a), h),
                                    np.full(len(a), h), normal, KERB_COLOR, SIDEWALK))
    return concat([surface_mesh(top, SIDEWALK_COLOR, SIDEWALK, GROUND), *faces])


# ---- props ----------------------------------------------------------------------------------------

def _building(prop: Prop, index: int) -> np.ndarray:
    """A box with storeys of wall and window bands on its four facades and a dark roof."""
    base, (l, w, h), hd = np.asarray(prop.position, dtype=np.float64), prop.size, prop.heading
    wall = FACADES[(index * 5 + 3) % len(FACADES)]
    floors = max(1, int(round(h / STOREY)))
    edges = np.linspace(0.0, h, floors + 1)
    parts = []
    for z0, z1 in zip(edges[:-1], edges[1:]):
        sill = z0 + 0.35 * (z1 - z0)
        top = min(z1, sill + WINDOW)
        for lo, hi, color in ((z0, sill, wall), (sill, top, WINDOW_COLOR), (top, z1, wall)):
            if hi - lo > 1e-6:
                mesh = solid(BOX, base, (l, w, hi - lo), hd, color, BUILDING, (0.0, 0.0, lo))[:24]  # walls, no top
                if color is WINDOW_COLOR:
                    mesh["material"] = GLASS
                parts.append(mesh)
    parts.append(solid(BOX, base, (l, w, h), hd, ROOF_COLOR, BUILDING)[24:])   # the roof
    return concat(parts)


def _tree(prop: Prop) -> np.ndarray:
    base, (l, w, h), hd = prop.position, prop.size, prop.heading
    crown = min(l, w)
    trunk = float(np.clip(0.12 * crown, 0.15, 0.5))
    return concat([solid(BOX, base, (trunk, trunk, 0.4 * h), hd, TRUNK_COLOR, VEGETATION),
                   solid(OCTAGON, base, (crown, crown, 0.65 * h), hd, CROWN_COLOR, VEGETATION, (0, 0, 0.35 * h))])


def _mast(prop: Prop, lamp: bool) -> np.ndarray:
    """A post at the back end of the prop's box; if the box is longer than the post is thick, an arm along
    heading at the top and (street lights) a lamp under its end."""
    base, (l, w, h), hd = prop.position, prop.size, prop.heading
    t = min(w, l, 0.3)
    parts = [solid(BOX, base, (t, t, h), hd, POLE_COLOR, POLE, (-(l - t) / 2, 0.0, 0.0))]
    if l > 2 * t:
        arm = 0.6 * t
        parts.append(solid(BOX, base, (l - t, arm, arm), hd, POLE_COLOR, POLE, (t / 2, 0.0, h - arm)))
        if lamp:
            lamp_box = solid(BOX, base, LAMP_SIZE, hd, LAMP_COLOR, POLE, ((l - LAMP_SIZE[0]) / 2, 0.0, h - arm - LAMP_SIZE[2]))
            lamp_box["material"] = LAMP
            parts.append(lamp_box)
    return concat(parts)


def _sign(prop: Prop) -> np.ndarray:
    """A post (pole) and a plate (traffic_sign) at the top of the box, facing along heading."""
    base, (l, w, h), hd = prop.position, prop.size, prop.heading
    plate_h = min(w, 0.4 * h)
    post = min(0.08, l, 0.5 * w)
    plate = solid(BOX, base, (l, w, plate_h), hd, PLATE_BACK, TRAFFIC_SIGN, (0.0, 0.0, h - plate_h))
    plate["color"][6:12] = PLATE_COLOR                     # the +x face (facing along heading)
    return concat([solid(BOX, base, (post, post, h - plate_h), hd, POLE_COLOR, POLE), plate])


def prop_mesh(prop: Prop, index: int = 0) -> np.ndarray:
    """(3·T,) VERTEX of one prop; ``index`` (its place in network.props) picks a building's colours."""
    if prop.kind == "building":
        return _building(prop, index)
    if prop.kind == "tree":
        return _tree(prop)
    if prop.kind in ("street_light", "traffic_light_pole"):
        return _mast(prop, lamp=prop.kind == "street_light")
    if prop.kind == "sign":
        return _sign(prop)
    color = KERB_COLOR if prop.kind == "kerb" else POLE_COLOR
    return solid(BOX, prop.position, prop.size, prop.heading, color, PROP_CLASS.get(prop.kind, POLE))


def lamp_position(prop: Prop) -> np.ndarray:
    """Centre (3,) [m] of a street light's lamp (the underside of its mast arm's end)."""
    (l, _, h), t = prop.size, min(prop.size[1], prop.size[0], 0.3)
    c, s = np.cos(prop.heading), np.sin(prop.heading)
    reach = (l - LAMP_SIZE[0]) / 2
    return np.asarray(prop.position, dtype=np.float64) + [c * reach, s * reach, h - 0.6 * t - LAMP_SIZE[2]]


def traffic_light_mesh(light: TrafficLight, ground: float, post: bool, group: int = -1) -> np.ndarray:
    """(3·T,) VERTEX: a signal head (traffic_light) centred on light.position facing light.heading, its
    three lamps on the front face (material SIGNAL of signal ``group``; −1: unknown, red shown lit), and
    (``post``) a pole behind it from the ground height [m] to its top."""
    pos, hd = np.asarray(light.position, dtype=np.float64), light.heading
    d, w, h = HEAD_SIZE
    foot = pos - [0.0, 0.0, h / 2]
    parts = [solid(BOX, foot, HEAD_SIZE, hd, HEAD_COLOR, TRAFFIC_LIGHT)]
    for k, color in enumerate(SIGNAL_COLORS):                # red at the top
        zc = h * (5 - 2 * k) / 6
        lamp = solid(BOX, foot, (0.02, 0.6 * w, 0.22 * h), hd, color, TRAFFIC_LIGHT, (d / 2 + 0.01, 0.0, zc - 0.11 * h))
        # (a 2 cm lamp box standing on the head's front face, d/2 … d/2 + 0.02 ahead of its centre)
        lamp = lamp[6:12]                                     # only its front face
        lamp["material"] = SIGNAL + 3 * (group + 1) + k
        parts.append(lamp)
    if post and foot[2] + h - ground > 0.05:
        t = 0.14
        parts.append(solid(BOX, [pos[0], pos[1], ground], (t, t, foot[2] + h - ground), hd, POLE_COLOR, POLE,
                           (-(d + t) / 2, 0.0, 0.0)))
    return concat(parts)


def furniture_mesh(network: RoadNetwork, elevation: Elevation | None = None,
                   signal_groups: np.ndarray | None = None) -> np.ndarray:
    """(3·T,) VERTEX: sidewalks, props and signal heads of ``network``; signal_groups (L,) int gives each
    lane's signal group (world LaneTable.signal, −1 none), so a head shows the state of its lanes' group."""
    elevation = elevation or Elevation(network)
    parts = [sidewalk_mesh(w, elevation) for w in network.sidewalks]
    parts += [prop_mesh(p, i) for i, p in enumerate(network.props)]
    masts = np.array([p.position[:2] for p in network.props if p.kind == "traffic_light_pole"]).reshape(-1, 2)
    for light in network.traffic_lights:
        xy = np.asarray(light.position[:2], dtype=np.float64)
        carried = len(masts) and np.min(np.linalg.norm(masts - xy, axis=1)) <= MAST_REACH
        group = -1
        if signal_groups is not None and light.lanes:
            group = int(signal_groups[light.lanes[0]])
        parts.append(traffic_light_mesh(light, float(elevation(xy[None])[0]), post=not carried, group=group))
    return concat(parts)

