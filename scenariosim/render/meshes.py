"""The static scene's meshes as interleaved vertex arrays (plain numpy, no GL): sky triangle, terrain,
road, paint, sidewalks and furniture, built once per network. (Actors are templates drawn instanced:
render.actors and render.instances.)

Every mesh is a structured array (3·T,) of ``VERTEX`` (render.geometry): triangle lists, world metres,
linear RGB. Layers sit at slightly different heights so the depth test orders them: terrain TERRAIN_Z
below the ground's elevation, the road on it, paint MARKING_Z (zebra stripes CROSSWALK_Z) above the road,
sidewalks kerb_height above it. The modules: geometry (vertex layout, primitives), elevation (the ground's
height), road (surface, markings, crossings), furniture (sidewalks, props, signals).
"""
from __future__ import annotations

import numpy as np
import shapely

from scenariosim.render.elevation import Elevation, lane_elevation
from scenariosim.render.furniture import furniture_mesh
from scenariosim.render.geometry import (GROUND, UP, VERTEX, VERTEX_ATTRIBUTES, VERTEX_FORMAT, concat, flat_mesh, lift,
                                         polygon_triangles, strip_triangles, surface_mesh, vertices)
from scenariosim.render.road import (CROSSWALK_Z, MARKING_COLOR, MARKING_Z, ROAD_COLOR, crosswalk_triangles,
                                     marking_mesh, marking_triangles, road_mesh, road_triangles)
from scenariosim.roads.network import RoadNetwork
from scenariosim.taxonomy import SKY, TERRAIN

TERRAIN_Z = -0.03        # [m] ground below the road's elevation: under the road, never coplanar with it
TERRAIN_MARGIN = 3000.0  # [m] ground extends this far beyond the road network's bounds
TERRAIN_STEP = 10.0      # [m] terrain grid spacing over the road's bounds (elevated networks only)
TERRAIN_COLOR = (0.07, 0.16, 0.035)

__all__ = ["CROSSWALK_Z", "MARKING_COLOR", "MARKING_Z", "ROAD_COLOR", "TERRAIN_COLOR",
           "TERRAIN_MARGIN", "TERRAIN_Z", "UP", "VERTEX", "VERTEX_ATTRIBUTES", "VERTEX_FORMAT",
           "crosswalk_triangles", "flat_mesh", "lift", "furniture_mesh", "lane_elevation", "marking_mesh",
           "marking_triangles", "polygon_triangles", "road_mesh", "road_triangles", "sky_triangle", "static_mesh",
           "strip_triangles", "terrain_mesh", "vertices"]


def sky_triangle() -> np.ndarray:
    """(3,) VERTEX: a triangle covering all of clip space; its positions are NDC (x, y, 0), not world."""
    ndc = np.array([[-1.0, -1.0, 0.0], [3.0, -1.0, 0.0], [-1.0, 3.0, 0.0]])
    return vertices(ndc, UP, (0.0, 0.0, 0.0), SKY)


def _axis(lo: float, hi: float, margin: float, step: float) -> np.ndarray:
    """Grid coordinates (G,) [m]: every ``step`` over [lo − 60, hi + 60], then coarser out to ``margin``."""
    inner = np.arange(lo - 60.0, hi + 60.0 + step, step)
    far = np.array(sorted({d for d in (150.0, 400.0, 1000.0, margin) if 70.0 < d <= margin}))
    return np.concatenate([lo - far[::-1], inner, hi + far])


def terrain_mesh(network: RoadNetwork, margin: float = TERRAIN_MARGIN, elevation: Elevation | None = None
                 ) -> np.ndarray:
    """VERTEX: grass reaching ``margin`` [m] beyond the road, TERRAIN_Z below the ground's elevation.
    A flat network gets one rectangle (6 vertices) at z = TERRAIN_Z; an elevated one a grid, TERRAIN_STEP
    apart over the road's bounds, whose heights follow Elevation."""
    x0, y0, x1, y1 = network.bounds() if not network.surface.is_empty else (0.0, 0.0, 0.0, 0.0)
    elevation = elevation or Elevation(network)
    if elevation.flat:
        box = shapely.box(x0 - margin, y0 - margin, x1 + margin, y1 + margin)
        return flat_mesh(polygon_triangles(box), TERRAIN_Z, TERRAIN_COLOR, TERRAIN, GROUND)
    xs, ys = _axis(x0, x1, margin, TERRAIN_STEP), _axis(y0, y1, margin, TERRAIN_STEP)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.stack([gx, gy, elevation(np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape) + TERRAIN_Z], -1)
    tris = np.concatenate([strip_triangles(grid[j + 1], grid[j]) for j in range(len(ys) - 1)])
    return surface_mesh(tris, TERRAIN_COLOR, TERRAIN, GROUND)


def static_mesh(network: RoadNetwork | None, signal_groups: np.ndarray | None = None) -> np.ndarray:
    """(K,) VERTEX: sky triangle, terrain, road, markings, sidewalks and furniture — everything that never
    moves; the sky triangle comes first. signal_groups (L,) int: each lane's signal group (−1 none)."""
    if network is None:
        return sky_triangle()
    elevation = Elevation(network)
    return concat([sky_triangle(), terrain_mesh(network, elevation=elevation), road_mesh(network, elevation),
                   marking_mesh(network, elevation), furniture_mesh(network, elevation, signal_groups)])

