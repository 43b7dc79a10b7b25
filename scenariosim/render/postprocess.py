"""Everything applied to a rendered Frame after the draw: lens distortion, then sensor and weather effects.
numpy and OpenCV only, no GL.

The renderer's order, per frame of a camera spec ``spec`` whose camera is ``camera`` (camera_from_spec):

1. ``draw_cam = render_camera(camera)``: the pinhole camera to draw (``camera`` itself without
   distortion; otherwise larger, with a shifted principal point, covering every ray the lens sees).
2. ``frame = renderer.render(..., draw_cam, ...)``.
3. ``frame = distort_frame(frame, camera, distortion_maps(camera, draw_cam))``: every channel resampled
   into the distorted image (rgb bilinear, labels, depth and normals nearest, from one source pixel).
   Both calls are cached per lens and image size, so steps 1 and 3 cost the remap alone per frame.
4. ``frame = apply_effects(frame, spec, environment, rng, camera_before)``: precipitation particles →
   motion blur → vignetting → sensor noise, on the colour image only. ``rng`` is a np.random.Generator
   owned by the caller (derive it from the scenario seed, camera and frame number for reproducible
   frames); ``camera_before`` is the camera ``spec.shutter`` seconds earlier (None: no motion blur).

Exposure compensation (``spec.exposure``) and rain/fog extinction belong in the shader, in linear light
before tone mapping; nothing here touches them.
"""
from __future__ import annotations

import dataclasses
import functools
import math
from typing import NamedTuple

import cv2
import numpy as np

from scenariosim.errors import RenderError
from scenariosim.sensors.camera import Camera
from scenariosim.sensors.frame import Frame
from scenariosim.spec.scenario import CameraSpec, EnvironmentSpec

#: render_camera refuses a padded image larger than this many times the output image per side
MAX_PADDING = 3.0
#: source pixels kept beyond the outermost ray the distorted image needs (bilinear support + safety)
PAD_MARGIN = 2
#: [s] exposure that sets streak lengths when the spec's shutter is 0
DEFAULT_EXPOSURE = 1.0 / 60.0
#: [mm/h] per [m/s] of rain or snowfall rate
MM_H_PER_M_S = 3.6e6
#: motion smaller than this [px] everywhere leaves the image as it is
MIN_MOTION = 0.05
#: motion blur samples at most this far apart [px] along the longest path, up to MAX_BLUR_SAMPLES
BLUR_SAMPLE_SPACING = 2.0
MAX_BLUR_SAMPLES = 16        # (the uint16 running sum would hold up to 256 samples of 255)
#: depth [m] given to sky pixels (inf) when back-projecting them for motion blur
SKY_DEPTH = 1e5


# ---------------------------------------------------------------------------------------------------
# lens distortion

def _lens_key(camera: Camera) -> tuple:
    """What the per-lens caches depend on: intrinsics, distortion and image size (not the pose)."""
    return (camera.K.tobytes(), camera.dist.tobytes(), camera.width, camera.height)


def _cached(store: dict, key: tuple, compute):
    """store[key], computed once by compute(); the oldest entry goes beyond 16."""
    if key not in store:
        if len(store) >= 16:
            store.pop(next(iter(store)))
        store[key] = compute()
    return store[key]


_RENDER_INTRINSICS: dict = {}
_MAPS: dict = {}
_VIEW_BOUNDS: dict = {}
_RAY_GRIDS: dict = {}
_NEAREST: dict = {}          # holds the maps it was computed from, so their ids stay theirs


def _pixel_grid(width: int, height: int, step: int = 1) -> np.ndarray:
    """Pixel centres (K, 2) float64 of a width × height image, every step-th one plus the last row/column."""
    us = np.unique(np.r_[np.arange(0, width, step), width - 1])
    vs = np.unique(np.r_[np.arange(0, height, step), height - 1])
    u, v = np.meshgrid(us, vs)
    return np.stack([u.ravel(), v.ravel()], axis=1).astype(np.float64)


def _border(width: int, height: int) -> np.ndarray:
    """Centres (K, 2) float64 of every pixel on the image border."""
    u, v = np.arange(width, dtype=np.float64), np.arange(height, dtype=np.float64)
    return np.concatenate([np.stack([u, np.zeros_like(u)], 1), np.stack([u, np.full_like(u, height - 1)], 1),
                           np.stack([np.zeros_like(v), v], 1), np.stack([np.full_like(v, width - 1), v], 1)])


def _render_intrinsics(camera: Camera) -> tuple[np.ndarray, int, int]:
    """(K (3, 3), width, height) of the pinhole image covering every ray of the distorted ``camera``."""
    points = np.concatenate([_border(camera.width, camera.height),
                             _pixel_grid(camera.width, camera.height, max(1, min(camera.width, camera.height) // 32))])
    rays = camera.rays(points)
    pinhole = dataclasses.replace(camera, dist=np.zeros(5))
    src = pinhole.normalized_to_pixels(rays)
    coefficients = ", ".join(f"{c:g}" for c in camera.dist)
    if not np.all(np.isfinite(src)):
        raise RenderError(f"lens distortion ({coefficients}) is too strong: part of the "
                          f"{camera.width}×{camera.height} px image maps to no ray (the lens folds over)")
    lo = np.floor(src.min(axis=0)).astype(int) - PAD_MARGIN
    hi = np.ceil(src.max(axis=0)).astype(int) + PAD_MARGIN
    width, height = (int(n) for n in hi - lo + 1)
    if width > MAX_PADDING * camera.width or height > MAX_PADDING * camera.height:
        raise RenderError(f"lens distortion ({coefficients}) is too strong: drawing it needs a {width}×{height} px "
                          f"pinhole image, more than {MAX_PADDING:g}× the {camera.width}×{camera.height} px output")
    K = camera.K.copy()
    K[0, 2] -= lo[0]
    K[1, 2] -= lo[1]
    return K, width, height


def render_camera(camera: Camera) -> Camera:
    """The undistorted pinhole camera the renderer draws for ``camera``: same pose and focal lengths,
    width, height and principal point chosen so every output pixel's ray (plus PAD_MARGIN px) is in the
    image; ``camera`` itself when it has no distortion. Raises RenderError where the distortion folds
    over or the image would be more than MAX_PADDING times the output per side."""
    if not camera.distorted:
        return camera
    K, width, height = _cached(_RENDER_INTRINSICS, _lens_key(camera), lambda: _render_intrinsics(camera))
    return dataclasses.replace(camera, K=K, width=width, height=height, dist=np.zeros(5))


def _maps(camera: Camera, render_cam: Camera) -> tuple[np.ndarray, np.ndarray]:
    rays = camera.rays(_pixel_grid(camera.width, camera.height))
    src = render_cam.normalized_to_pixels(render_cam.distort(rays))
    shape = (camera.height, camera.width)
    map_x = np.ascontiguousarray(src[:, 0].reshape(shape), dtype=np.float32)
    map_y = np.ascontiguousarray(src[:, 1].reshape(shape), dtype=np.float32)
    map_x.flags.writeable = map_y.flags.writeable = False
    return map_x, map_y


def distortion_maps(camera: Camera, render_cam: Camera) -> tuple[np.ndarray, np.ndarray]:
    """(map_x, map_y), each (H, W) float32 [px], read-only: for each pixel of the distorted ``camera``'s
    image, where its ray meets ``render_cam``'s image (cv2.remap convention). Cached per lens."""
    return _cached(_MAPS, _lens_key(camera) + _lens_key(render_cam), lambda: _maps(camera, render_cam))


def _nearest_index(map_x: np.ndarray, map_y: np.ndarray, width: int, height: int) -> np.ndarray:
    """Flat index (H·W,) int32 into a width × height image of the pixel nearest each map position."""
    ix = np.clip(np.rint(map_x), 0, width - 1).astype(np.int32)
    iy = np.clip(np.rint(map_y), 0, height - 1).astype(np.int32)
    index = (iy * np.int32(width) + ix).ravel()
    index.flags.writeable = False
    return index


def distort_frame(frame: Frame, camera: Camera, maps: tuple[np.ndarray, np.ndarray] | None) -> Frame:
    """``frame`` (drawn by render_camera(camera)) resampled into ``camera``'s distorted image.

    rgb is interpolated bilinearly; class_id, instance, depth and normal all take the nearest source
    pixel, the same one for every channel, so ids stay exact and the labels agree pixel for pixel.
    Depth along the optical axis is that of the same 3D point, so it is copied unchanged. Without
    distortion (or maps None) the frame is returned as it is.
    """
    if maps is None or not camera.distorted:
        return frame
    map_x, map_y = maps
    if map_x.shape != (camera.height, camera.width):
        raise RenderError(f"distortion maps are {map_x.shape[1]}×{map_x.shape[0]} px, "
                          f"the camera {camera.width}×{camera.height} px")
    h, w = frame.class_id.shape
    rgb = cv2.remap(np.ascontiguousarray(frame.rgb), map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    src = _cached(_NEAREST, (id(map_x), id(map_y), w, h), lambda: (map_x, map_y, _nearest_index(map_x, map_y, w, h)))
    if src[0] is not map_x or src[1] is not map_y:                 # an id reused by other arrays
        _NEAREST.clear()
        src = _cached(_NEAREST, (id(map_x), id(map_y), w, h), lambda: (map_x, map_y, _nearest_index(map_x, map_y, w, h)))
    src = src[2]

    def nearest(a: np.ndarray | None) -> np.ndarray | None:
        if a is None:
            return None
        rest = a.shape[2:]
        return np.take(a.reshape(h * w, *rest), src, axis=0).reshape(camera.height, camera.width, *rest)

    return frame._replace(rgb=rgb, class_id=nearest(frame.class_id), instance=nearest(frame.instance),
                          depth=nearest(frame.depth), normal=nearest(frame.normal), camera=camera)


# ---------------------------------------------------------------------------------------------------
# precipitation particles

class Precipitation(NamedTuple):
    """How one kind of precipitation is drawn. Particles fill the view frustum between near and far
    uniformly in space, density × rate of them per m³; each moves over the exposure and is drawn as a
    capsule from its start to its end position."""

    density: float                       # [1/m³ per mm/h] particles drawn
    near: float                          # [m] depth range of the particle volume
    far: float
    speed: tuple[float, float]           # [m/s] fall speed, uniform in this range
    drift: float                         # [m/s] σ of a random horizontal velocity
    diameter: tuple[float, float]        # [m] particle size, uniform in this range
    opacity: tuple[float, float]         # opacity of a particle covering a whole pixel, uniform range
    color: tuple[float, float, float]    # sRGB 0..255
    softness: float                      # 0: anti-aliased hard edge; > 0: edge ramp as a fraction of radius
    min_cover: float                     # opacity factor of the smallest particles (sub-pixel ones fade to it)
    aperture: float                      # [m] lens aperture for defocus (focus at infinity); 0 = sharp
    motion_fade: float                   # exponent e: opacity × (width / (width + path))^e, the light spread
                                         # along the path over the exposure (1 physical, 0 none)


#: rain: 6–9 m/s drops of 1–3 mm (terminal velocity), semi-transparent light-grey streaks
RAIN = Precipitation(density=0.12, near=1.0, far=10.0, speed=(6.0, 9.0), drift=0.3, diameter=(1e-3, 3e-3),
                     opacity=(0.2, 0.45), color=(205.0, 208.0, 214.0), softness=0.0, min_cover=0.35,
                     aperture=0.0, motion_fade=0.0)
#: snow: 0.5–1.2 m/s fluttering flakes of 4–15 mm (aggregates), opaque white soft dots, defocused when near
SNOW = Precipitation(density=8.0, near=0.8, far=8.0, speed=(0.5, 1.2), drift=0.3, diameter=(4e-3, 1.5e-2),
                     opacity=(0.85, 1.0), color=(245.0, 247.0, 250.0), softness=1.0, min_cover=0.3,
                     aperture=4e-3, motion_fade=0.0)


class Particles(NamedTuple):
    """N particles in the image: capsules from a to b (pixels), depth along the optical axis at each end."""

    a: np.ndarray        # (N, 2) float64 [px] position at the start of the exposure
    b: np.ndarray        # (N, 2) float64 [px] position at the frame time
    za: np.ndarray       # (N,) float64 [m] depth at a
    zb: np.ndarray       # (N,) float64 [m] depth at b
    radius: np.ndarray   # (N,) float64 [px] half width (at least 0.5)
    alpha: np.ndarray    # (N,) float64 opacity 0..1


def _view_bounds(camera: Camera) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) bounds of the undistorted normalized coordinates the image sees."""
    rays = camera.rays(np.concatenate([_border(camera.width, camera.height), _pixel_grid(camera.width, camera.height, 64)]))
    rays = rays[np.all(np.isfinite(rays), axis=1)]
    return (float(rays[:, 0].min()), float(rays[:, 0].max()), float(rays[:, 1].min()), float(rays[:, 1].max()))


def particles(camera: Camera, kind: Precipitation, rate: float, exposure: float,
              rng: np.random.Generator) -> Particles:
    """The particles of precipitation ``kind`` at ``rate`` [m/s] (water equivalent) seen by ``camera``
    over an exposure of ``exposure`` [s]. The count is Poisson with mean density × rate [mm/h] × the
    frustum volume between kind.near and kind.far; positions, speeds and sizes come from ``rng``."""
    x0, x1, y0, y1 = _cached(_VIEW_BOUNDS, _lens_key(camera), lambda: _view_bounds(camera))
    volume = (x1 - x0) * (y1 - y0) * (kind.far ** 3 - kind.near ** 3) / 3.0
    n = int(rng.poisson(kind.density * rate * MM_H_PER_M_S * volume))
    # uniform in the frustum: depth with density ∝ z², then uniform over the image at that depth
    z = np.cbrt(kind.near ** 3 + rng.random(n) * (kind.far ** 3 - kind.near ** 3))
    end = np.stack([rng.uniform(x0, x1, n) * z, rng.uniform(y0, y1, n) * z, z], axis=1)
    velocity = np.zeros((n, 3))
    velocity[:, :2] = rng.normal(0.0, kind.drift, (n, 2))
    velocity[:, 2] = -rng.uniform(*kind.speed, n)
    diameter = rng.uniform(*kind.diameter, n)
    opacity = rng.uniform(*kind.opacity, n)
    start = end - (velocity @ camera.R.T) * exposure             # world velocity → camera frame
    a, b = camera.pixels(start), camera.pixels(end)
    # [px] projected diameter, widened by the defocus blur of a lens focused at infinity (its light spread
    # over the larger disc)
    blurred = np.sqrt(diameter ** 2 + kind.aperture ** 2)
    width = camera.K[0, 0] * blurred / end[:, 2]
    opacity *= (diameter / blurred) ** 2
    alpha = opacity * np.clip(width, kind.min_cover, 1.0)        # a sub-pixel particle covers part of a pixel
    if kind.motion_fade:
        path = np.nan_to_num(np.linalg.norm(b - a, axis=1))
        alpha *= (np.maximum(width, 1.0) / (np.maximum(width, 1.0) + path)) ** kind.motion_fade
    ok = np.all(np.isfinite(a), axis=1) & np.all(np.isfinite(b), axis=1) & (start[:, 2] > 0)
    return Particles(a=a[ok], b=b[ok], za=start[ok, 2], zb=end[ok, 2],
                     radius=np.maximum(width[ok] / 2.0, 0.5), alpha=alpha[ok])


def _capsule_elements(p: Particles, width: int, height: int, softness: float):
    """Pixels covered by the capsules p, scanned along image rows (meant for |dy| ≥ |dx|).

    Returns (x, y, coverage·alpha, depth) of each candidate pixel, flat arrays: each particle is
    scanned row by row over its extent, each row over the pixel centres within reach of the segment."""
    f4 = np.float32
    ax, ay, bx, by = (c.astype(f4) for c in (p.a[:, 0], p.a[:, 1], p.b[:, 0], p.b[:, 1]))
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    inv_length2 = np.divide(1.0, length2, out=np.zeros_like(length2), where=length2 > 0)
    slope = np.divide(dx, dy, out=np.zeros_like(dx), where=dy != 0)
    radius, alpha = p.radius.astype(f4), p.alpha.astype(f4)
    za, dz = p.za.astype(f4), (p.zb - p.za).astype(f4)
    reach = radius + f4(0.5)                                      # coverage vanishes beyond this [px]
    half = reach * np.sqrt(1.0 + slope * slope)                   # horizontal half-width at a row
    row0 = np.maximum(np.ceil(np.minimum(ay, by) - reach), 0).astype(np.int64)
    row1 = np.minimum(np.floor(np.maximum(ay, by) + reach), height - 1).astype(np.int64)
    rows = np.maximum(row1 - row0 + 1, 0)
    ncols = np.floor(2.0 * half).astype(np.int64) + 1             # pixel centres within ± half of a point
    edge = 1.0 / (0.5 + softness * radius) if softness > 0 else np.ones_like(radius)
    xs, ys, vals, zs = [], [], [], []
    for nc in np.unique(ncols[rows > 0]):
        sel = np.flatnonzero((ncols == nc) & (rows > 0))
        pid = np.repeat(sel, rows[sel])                           # one entry per (particle, row)
        first = np.repeat(np.cumsum(rows[sel]) - rows[sel], rows[sel])
        y = (row0[pid] + np.arange(len(pid)) - first).astype(f4)
        qy = y - ay[pid]
        t_row = np.clip(np.divide(qy, dy[pid], out=np.full(len(pid), 0.5, f4), where=dy[pid] != 0), 0.0, 1.0)
        x0 = np.ceil(ax[pid] + t_row * dx[pid] - half[pid])
        # (nc, pairs): the long axis last, so numpy's inner loops run over the pairs
        x = x0[None, :] + np.arange(nc, dtype=f4)[:, None]
        qx = x - ax[pid]
        pdx, pdy = dx[pid], dy[pid]
        t = np.clip((qx * pdx + qy * pdy) * inv_length2[pid], 0.0, 1.0)
        ex, ey = qx - t * pdx, qy - t * pdy
        d = np.sqrt(ex * ex + ey * ey)                            # pixel centre to segment [px]
        cover = np.clip((reach[pid] - d) * edge[pid], 0.0, 1.0)
        keep = (cover > 0) & (x >= 0) & (x < width)
        kept = np.nonzero(keep)[1]                                # pair of each kept pixel
        xs.append(x[keep])
        ys.append(y[kept])
        vals.append(cover[keep] * alpha[pid[kept]])
        zs.append(za[pid[kept]] + t[keep] * dz[pid[kept]])
    if not xs:
        empty = np.zeros(0, f4)
        return empty, empty, empty, empty
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(vals), np.concatenate(zs)


def _thin_elements(p: Particles, width: int, height: int):
    """Pixels covered by 1 px wide lines from p.a to p.b, scanned along rows (meant for |dy| ≥ |dx|):
    Xiaolin Wu's anti-aliasing, two pixels per row weighted by the line's distance to each.

    Returns (x, y, coverage·alpha, depth) of each candidate pixel, flat arrays."""
    f4 = np.float32
    ax, ay, bx, by = (c.astype(f4) for c in (p.a[:, 0], p.a[:, 1], p.b[:, 0], p.b[:, 1]))
    dx, dy = bx - ax, by - ay
    slope = np.divide(dx, dy, out=np.zeros_like(dx), where=dy != 0)
    inv_dy = np.divide(1.0, dy, out=np.zeros_like(dy), where=dy != 0)
    row0 = np.ceil(np.minimum(ay, by)).astype(np.int64)
    row1 = np.floor(np.maximum(ay, by)).astype(np.int64)
    short = row1 < row0                                           # within one row: a dot at its middle
    row0[short] = row1[short] = np.rint((ay[short] + by[short]) / 2).astype(np.int64)
    row0, row1 = np.maximum(row0, 0), np.minimum(row1, height - 1)
    rows = np.maximum(row1 - row0 + 1, 0)
    pid = np.repeat(np.arange(len(rows)), rows)                   # one entry per (particle, row)
    first = np.repeat(np.cumsum(rows) - rows, rows)
    y = (row0[pid] + np.arange(len(pid)) - first).astype(f4)
    t = np.clip((y - ay[pid]) * inv_dy[pid], 0.0, 1.0)
    t[short[pid]] = 0.5
    xc = ax[pid] + t * dx[pid]
    x0 = np.floor(xc)
    frac = xc - x0
    z = p.za.astype(f4)[pid] + t * (p.zb - p.za).astype(f4)[pid]
    a = p.alpha.astype(f4)[pid] * np.sqrt(1.0 + slope[pid] ** 2)   # a slanted line crosses more of a row
    x = np.concatenate([x0, x0 + 1.0])
    val = np.concatenate([a * (1.0 - frac), a * frac])
    keep = (x >= 0) & (x < width) & (val > 0)
    return x[keep], np.concatenate([y, y])[keep], val[keep], np.concatenate([z, z])[keep]


def _particle_cover(p: Particles, depth: np.ndarray, softness: float) -> tuple[np.ndarray, np.ndarray]:
    """(flat pixel indices (M,) intp, opacity (M,) float32) of the pixels particles p cover: see particle_alpha."""
    height, width = depth.shape
    vertical = np.abs(p.b[:, 1] - p.a[:, 1]) >= np.abs(p.b[:, 0] - p.a[:, 0])
    thin = (p.radius <= 0.5) if softness == 0 else np.zeros(len(p.radius), bool)
    parts = []
    for rasterize, which in ((_thin_elements, thin), (_capsule_elements, ~thin)):
        args = () if rasterize is _thin_elements else (softness,)
        tall, wide = which & vertical, which & ~vertical
        if tall.any():
            parts.append(rasterize(Particles(*(q[tall] for q in p)), width, height, *args))
        if wide.any():
            # mostly horizontal: scanned with x and y swapped, then swapped back
            q = Particles(*(q[wide] for q in p))
            xs, ys, vals, zs = rasterize(q._replace(a=q.a[:, ::-1], b=q.b[:, ::-1]), height, width, *args)
            parts.append((ys, xs, vals, zs))
    if not parts:
        return np.zeros(0, np.intp), np.zeros(0, np.float32)
    x, y, val, z = (np.concatenate(q) for q in zip(*parts))
    idx = y.astype(np.intp) * width + x.astype(np.intp)
    seen = z < depth.reshape(-1)[idx]                             # occlusion by the depth buffer
    idx, val = idx[seen], val[seen]
    optical = np.bincount(idx, weights=-np.log1p(-np.minimum(val, 0.999)), minlength=width * height)
    mark = np.zeros(width * height, bool)
    mark[idx] = True
    covered = np.flatnonzero(mark)
    return covered, (-np.expm1(-optical[covered])).astype(np.float32)


def particle_alpha(p: Particles, depth: np.ndarray, softness: float = 0.0) -> np.ndarray:
    """Opacity (H, W) float32 0..1 of the particles p over a depth buffer (H, W) [m].

    Each particle is a capsule of radius p.radius [px] from p.a to p.b, anti-aliased (softness 0) or
    with an edge ramp softness × radius wide; a pixel is covered only where the particle's depth there
    is nearer than the depth buffer. Overlapping particles combine as independent layers: 1 − Π(1 − αᵢ)."""
    covered, alpha = _particle_cover(p, depth, softness)
    out = np.zeros(depth.size, np.float32)
    out[covered] = alpha
    return out.reshape(depth.shape)


def composite(rgb: np.ndarray, covered: np.ndarray, alpha: np.ndarray,
              color: tuple[float, float, float]) -> np.ndarray:
    """A copy of rgb (H, W, 3) uint8 with ``color`` (sRGB 0..255) laid with opacity alpha (M,) over the
    pixels of flat indices ``covered`` (M,)."""
    out = rgb.copy()
    flat = out.reshape(-1, 3)
    under = flat[covered].astype(np.float32)
    flat[covered] = np.rint(under + alpha[:, None] * (np.asarray(color, dtype=np.float32) - under)).astype(np.uint8)
    return out


def precipitation(rgb: np.ndarray, depth: np.ndarray, camera: Camera, kind: Precipitation, rate: float,
                  exposure: float, rng: np.random.Generator) -> np.ndarray:
    """rgb (H, W, 3) uint8 with the particles of ``kind`` at ``rate`` [m/s] drawn over it, hidden where
    depth (H, W) [m] is nearer; ``rgb`` itself when rate ≤ 0."""
    if rate <= 0:
        return rgb
    p = particles(camera, kind, rate, exposure, rng)
    return composite(rgb, *_particle_cover(p, depth, kind.softness), kind.color)


# ---------------------------------------------------------------------------------------------------
# motion blur

def _pixel_grids(camera: Camera) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(u, v, x, y), each (H, W) float32 read-only: every pixel's coordinates [px] and the undistorted
    normalized coordinates of its ray."""
    u, v = np.meshgrid(np.arange(camera.width, dtype=np.float32), np.arange(camera.height, dtype=np.float32))
    rays = camera.rays(_pixel_grid(camera.width, camera.height)).astype(np.float32)
    x = np.ascontiguousarray(rays[:, 0].reshape(camera.height, camera.width))
    y = np.ascontiguousarray(rays[:, 1].reshape(camera.height, camera.width))
    for a in (u, v, x, y):
        a.flags.writeable = False
    return u, v, x, y


def _distort32(camera: Camera, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Camera.distort on float32 arrays of undistorted normalized coordinates."""
    k1, k2, p1, p2, k3 = (np.float32(c) for c in camera.dist)
    r2 = x * x + y * y
    radial = 1 + r2 * (k1 + r2 * (k2 + r2 * k3))
    xd, yd = x * radial, y * radial
    if p1 or p2:
        xy2 = 2 * x * y
        xd += p1 * xy2 + p2 * (r2 + 2 * x * x)
        yd += p1 * (r2 + 2 * y * y) + p2 * xy2
    return xd, yd


def _flow(depth: np.ndarray, camera: Camera, camera_before: Camera) -> tuple[np.ndarray, np.ndarray]:
    """Image motion (du, dv), each (H, W) float32 [px]: see image_motion."""
    u, v, rx, ry = _cached(_RAY_GRIDS, _lens_key(camera), lambda: _pixel_grids(camera))
    M = camera_before.R @ camera.R.T                                # camera → camera_before rotation
    c = camera_before.R @ (camera.position - camera_before.position)
    # round-off terms (~1e-17) would make float32 products subnormal, which is slow, and move nothing
    M[np.abs(M) < 1e-9] = 0.0
    c[np.abs(c) < 1e-9] = 0.0
    # (x, y, w, 1) ↦ numerators and denominator of the point's coordinates in camera_before
    P = np.stack([M[:, 0], M[:, 1], c, M[:, 2]], axis=1)           # (3, 4)
    distorted = camera_before.distorted
    top = P[:2] if distorted else camera_before.K[:2] @ P          # normalized, or pixels right away
    T = np.vstack([top, [0.0, 0.0, 0.0, 1.0], P[2]])               # third output: 1 / denominator
    with np.errstate(divide="ignore"):
        w = np.float32(1.0) / depth.astype(np.float32, copy=False)  # inverse depth; 0 for the sky
    out = cv2.perspectiveTransform(cv2.merge([rx, ry, w]).reshape(-1, 1, 3), T)
    xb, yb, inv_den = (a.reshape(depth.shape) for a in cv2.split(out))
    with np.errstate(invalid="ignore", over="ignore"):
        if distorted:
            xd, yd = _distort32(camera_before, xb, yb)
            K = camera_before.K.astype(np.float32)
            xb = K[0, 0] * xd + K[0, 1] * yd + K[0, 2]
            yb = K[1, 1] * yd + K[1, 2]
        du, dv = cv2.subtract(xb, u), cv2.subtract(yb, v)
        bad = ~np.isfinite(du) | ~np.isfinite(dv)
        if P[2, :3].any() or P[2, 3] <= 0:
            bad |= ~(inv_den > 0)       # behind camera_before (cv2 gives 0 for a zero denominator)
    du[bad] = 0.0
    dv[bad] = 0.0
    return du, dv


def image_motion(depth: np.ndarray, camera: Camera, camera_before: Camera) -> tuple[np.ndarray, np.ndarray]:
    """Where each pixel's 3D point (depth (H, W) [m], sky inf) was in ``camera_before``'s image, as
    offsets (du, dv), each (H, W) float32 [px]; 0 where that point was behind camera_before.

    With r the pixel's ray (x, y, 1) and w = 1/depth, the point is r/w; in camera_before it is
    (M·r + c·w)/w, M and c the relative rotation and translation, so its normalized coordinates are
    (M·r + c·w)₀,₁ / (M·r + c·w)₂: one projective map of (x, y, w), for near points and the sky (w = 0)
    alike, applied by cv2.perspectiveTransform."""
    return _flow(depth, camera, camera_before)


def motion_blur(rgb: np.ndarray, depth: np.ndarray, camera: Camera, camera_before: Camera,
                samples: int | None = None) -> np.ndarray:
    """rgb (H, W, 3) uint8 blurred by the camera's motion over the exposure: each pixel averages
    ``samples`` points along the path its 3D point took from camera_before's image to camera's (depth
    (H, W) [m]; the scene is taken as static, so other actors' own motion is not blurred). ``rgb``
    itself where nothing moves more than MIN_MOTION px.

    samples is rounded up to a power of two; None picks as many as put samples at most 1 px apart
    along the longest path, up to 8, then at most BLUR_SAMPLE_SPACING px apart, up to MAX_BLUR_SAMPLES.
    The average is built by log2(samples) rounds of cv2.remap, each adding the running sum shifted by
    half the remaining path: exactly ``samples`` equally spaced samples where the motion is locally
    uniform (each round's bilinear resampling adds under a pixel of extra smoothing).
    """
    if np.array_equal(camera.R, camera_before.R) and np.array_equal(camera.t, camera_before.t):
        return rgb                                                  # the camera did not move
    du, dv = _flow(depth, camera, camera_before)
    longest = float(cv2.magnitude(du, dv).max(initial=0.0))
    if longest <= MIN_MOTION:
        return rgb
    if samples is None:
        samples = min(8, int(math.ceil(longest)) + 1)
        if longest > 8:
            samples = min(MAX_BLUR_SAMPLES, max(8, int(math.ceil(longest / BLUR_SAMPLE_SPACING)) + 1))
    rounds = max(1, int(math.ceil(math.log2(samples))))
    u, v = _cached(_RAY_GRIDS, _lens_key(camera), lambda: _pixel_grids(camera))[:2]
    step = 1.0 / (2 ** rounds - 1)                                # sample k sits at k·step of the path
    acc = rgb.astype(np.uint16)
    for r in reversed(range(rounds)):                             # shifts 4, 2, 1 steps for 8 samples
        shift = -(2 ** r) * step
        map_x, map_y = cv2.scaleAdd(du, shift, u), cv2.scaleAdd(dv, shift, v)
        acc = cv2.add(acc, cv2.remap(acc, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))
    return cv2.convertScaleAbs(acc, alpha=1.0 / 2 ** rounds)     # rounded mean, uint8


# ---------------------------------------------------------------------------------------------------
# vignetting and noise

#: the renderer's encoding of linear light in the 8-bit image (shaders/shade.frag.glsl): c = 255·x^(1/γ)
GAMMA = 2.2


def _srgb_to_linear(c: np.ndarray) -> np.ndarray:
    return (np.asarray(c, dtype=np.float64) / 255.0) ** GAMMA


def _linear_to_srgb(x: np.ndarray) -> np.ndarray:
    return 255.0 * np.clip(x, 0.0, 1.0) ** (1.0 / GAMMA)


#: levels of the falloff between 1 and 1 − amount in the vignetting table
_VIGNETTE_LEVELS = 256


def vignetting_gain(amount: float, width: int, height: int) -> np.ndarray:
    """The light falloff (H, W) float64: 1 − amount·ρ², ρ the distance from the image centre over the
    centre-to-corner-pixel distance: 1 at the centre, 1 − amount at the four corner pixels."""
    u, v = np.meshgrid(np.arange(width) - (width - 1) / 2.0, np.arange(height) - (height - 1) / 2.0)
    rho2 = (u * u + v * v) / max(((width - 1) / 2.0) ** 2 + ((height - 1) / 2.0) ** 2, 1e-12)
    return 1.0 - amount * rho2


@functools.lru_cache(maxsize=8)
def _vignette_tables(amount: float, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """(level (H, W, 1) uint16: gain level × 256, table (levels × 256,) uint8: sRGB value at each gain level
    and input value). Level 0 is gain 1, the last level gain 1 − amount."""
    rho2 = (1.0 - vignetting_gain(1.0, width, height)) * (_VIGNETTE_LEVELS - 1)
    level = (np.rint(rho2).astype(np.uint16) * np.uint16(256))[..., None]
    gain = 1.0 - amount * np.arange(_VIGNETTE_LEVELS) / (_VIGNETTE_LEVELS - 1)
    table = np.rint(_linear_to_srgb(gain[:, None] * _srgb_to_linear(np.arange(256))[None, :])).astype(np.uint8)
    level.flags.writeable = table.flags.writeable = False
    return level, table.ravel()


def vignette(rgb: np.ndarray, amount: float) -> np.ndarray:
    """rgb (H, W, 3) uint8 sRGB with its light (linear RGB) multiplied by vignetting_gain(amount), the
    gain quantized to 256 levels (exact at the centre and corners); ``rgb`` itself when amount is 0."""
    if amount <= 0:
        return rgb
    h, w = rgb.shape[:2]
    level, table = _vignette_tables(float(amount), w, h)
    return np.take(table, level + rgb)


@functools.lru_cache(maxsize=1)
def _gaussian_table() -> np.ndarray:
    """(65536,) float64 standard normal quantiles at (i + ½)/65536 (inverse CDF, for 16-bit uniforms),
    scaled to unit variance despite the cut tails (±4.3σ)."""
    from statistics import NormalDist
    q = NormalDist().inv_cdf
    half = np.array([q((i + 0.5) / 65536.0) for i in range(32768)])
    table = np.concatenate([half, -half[::-1]])
    return table / table.std()


@functools.lru_cache(maxsize=8)
def _noise_tables(sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """(up, down), each (65536,) uint8: the positive and negative parts of round(σ·z) for each 16-bit
    uniform, σ [code values]."""
    n = np.clip(np.rint(sigma * _gaussian_table()), -255, 255)
    up, down = np.maximum(n, 0).astype(np.uint8), np.maximum(-n, 0).astype(np.uint8)
    up.flags.writeable = down.flags.writeable = False
    return up, down


def sensor_noise(rgb: np.ndarray, sigma: float, rng: np.random.Generator, shot: float = 0.0) -> np.ndarray:
    """rgb (H, W, 3) uint8 plus zero-mean Gaussian noise, rounded and clipped to 0..255; ``rgb`` itself
    when both terms are 0. σ [code values] = sqrt((sigma·255)² + shot·value): sigma is the read noise as
    a fraction of full scale, shot the variance per code value of the signal-dependent part.

    One 16-bit uniform per value comes from ``rng``; the inverse normal CDF (a 65536-entry table) turns
    it into a deviate. Without shot noise the rounded noise is looked up as uint8 positive and negative
    parts and applied with saturating adds (exactly clip(rgb + round(σ·z), 0, 255))."""
    if sigma <= 0 and shot <= 0:
        return rgb
    uniform = rng.integers(0, 65536, rgb.shape, dtype=np.uint16)
    if shot <= 0:
        up, down = _noise_tables(float(sigma * 255.0))
        return cv2.subtract(cv2.add(rgb, np.take(up, uniform)), np.take(down, uniform))
    z = np.take(_gaussian_table().astype(np.float32), uniform)
    scale = np.sqrt(np.float32((sigma * 255.0) ** 2) + np.float32(shot) * rgb.astype(np.float32))
    out = rgb.astype(np.float32)
    out += z * scale
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------------------------------------
# all together

def apply_effects(frame: Frame, spec: CameraSpec, environment: EnvironmentSpec, rng: np.random.Generator,
                  camera_before: Camera | None = None) -> Frame:
    """``frame`` with its colour image through the weather and sensor effects, in this order: rain
    streaks and snow flakes (environment.rain, .snow), motion blur (spec.shutter with camera_before),
    vignetting (spec.vignetting), sensor noise (spec.noise). Labels, depth and normals are untouched;
    an effect that is off costs nothing, and with every effect off ``frame`` itself comes back.

    Particles are drawn in frame.camera (distortion included), their streaks as long as their motion
    over spec.shutter (DEFAULT_EXPOSURE when 0). Three generators are derived from ``rng`` first, one
    each for rain, snow and noise, so turning one effect on or off leaves the others' randomness as is.
    """
    camera = frame.camera
    rgb = np.ascontiguousarray(frame.rgb)                           # OpenCV wants positive strides
    rain_rng, snow_rng, noise_rng = (np.random.default_rng(int(s)) for s in rng.integers(0, 2 ** 63, 3))
    exposure = spec.shutter if spec.shutter > 0 else DEFAULT_EXPOSURE
    rgb = precipitation(rgb, frame.depth, camera, RAIN, environment.rain, exposure, rain_rng)
    rgb = precipitation(rgb, frame.depth, camera, SNOW, environment.snow, exposure, snow_rng)
    if spec.shutter > 0 and camera_before is not None:
        rgb = motion_blur(rgb, frame.depth, camera, camera_before)
    rgb = vignette(rgb, spec.vignetting)
    rgb = sensor_noise(rgb, spec.noise, noise_rng)
    return frame if rgb is frame.rgb else frame._replace(rgb=rgb)
