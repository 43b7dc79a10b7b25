"""ObjectLabels: everything a dataset says about the actors in one camera frame, from the frame's own id
buffers, its coverage counts and the world state (never estimated)."""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from scenariosim.labels.boxes import visible_boxes


class ObjectLabels(NamedTuple):
    """Every actor whose silhouette reaches into the image (K rows, sorted by instance id), and who hides whom.

    Pixel boxes are (x0, y0, x1, y1): a box spanning pixel columns i..j has x0 = i, x1 = j + 1 (COCO's
    continuous convention). Camera-frame quantities follow OpenCV and KITTI: x right, y down, z forward.
    """

    instance: np.ndarray        # (K,) uint32 agent index + 1: the track id, the same in every frame
    class_id: np.ndarray        # (K,) uint8 semantic class (Cityscapes label id; taxonomy.py)
    name: tuple[str, ...]       # (K,) the actor's name in the scenario
    box: np.ndarray             # (K, 4) int64 [px] tight box of the visible pixels; zeros when none shows
    amodal: np.ndarray          # (K, 4) float64 [px] box of the whole projected 3D box, unclipped
    amodal_clipped: np.ndarray  # (K, 4) float64 [px] the amodal box clipped to the image [0, W] × [0, H]
    visible: np.ndarray         # (K,) int64 pixels of the object that show
    unoccluded: np.ndarray      # (K,) int64 pixels inside the image it would cover if nothing hid it
    total: np.ndarray           # (K,) int64 pixels it would cover on an image plane without borders
    occlusion: np.ndarray       # (K,) float64 1 − visible / unoccluded: the hidden share of its in-image part
    truncation: np.ndarray      # (K,) float64 1 − unoccluded / total: the share outside the image
    location: np.ndarray        # (K, 3) float64 [m] bottom centre of the 3D box, camera frame (KITTI)
    dimensions: np.ndarray      # (K, 3) float64 [m] height, width, length (KITTI order)
    rotation_y: np.ndarray      # (K,) float64 [rad] about the camera's y axis; 0 = heading along camera +x; [−π, π]
    alpha: np.ndarray           # (K,) float64 [rad] observation angle rotation_y − atan2(x, z), in [−π, π]
    speed: np.ndarray           # (K,) float64 [m/s]
    lane: np.ndarray            # (K,) int64 the lane it follows (world LaneTable index), −1 none
    behavior: tuple[str, ...]   # (K,) the behaviour step it is running ("follow_lane", …; "" none)
    ignore: np.ndarray          # (K,) bool below the visibility thresholds: written as an ignore region
    occluders: np.ndarray       # (P, 3) int64 rows (occluder instance, 0 = static scene; occluded instance; pixels)

    @property
    def visibility(self) -> np.ndarray:
        """(K,) float64 the share of the whole object that shows: (1 − occlusion)(1 − truncation), which is
        visible / total for a pinhole camera (with a lens the ratios come from the drawn image's counts)."""
        return (1.0 - self.occlusion) * (1.0 - self.truncation)


def empty_labels() -> ObjectLabels:
    """A frame with no object in view."""
    f, i = np.zeros(0), np.zeros(0, np.int64)
    return ObjectLabels(
        instance=np.zeros(0, np.uint32), class_id=np.zeros(0, np.uint8), name=(), box=np.zeros((0, 4), np.int64),
        amodal=np.zeros((0, 4)), amodal_clipped=np.zeros((0, 4)), visible=i, unoccluded=i, total=i, occlusion=f,
        truncation=f, location=np.zeros((0, 3)), dimensions=np.zeros((0, 3)), rotation_y=f, alpha=f, speed=f,
        lane=i, behavior=(), ignore=np.zeros(0, bool), occluders=np.zeros((0, 3), np.int64))


#: defaults of the filter: objects with fewer visible pixels, or a smaller visible share of the whole
#: object, are written as ignore regions (COCO iscrowd, KITTI DontCare), never dropped
MIN_VISIBLE_PIXELS = 16
MIN_VISIBILITY = 0.1

#: the 12 edges of a box as pairs of corner numbers (corners: bit 0 → +x, bit 1 → +y, bit 2 → +z)
_EDGES = np.array([(a, a | bit) for a in range(8) for bit in (1, 2, 4) if not a & bit])
#: points sampled along each edge (distortion bends edges in the image)
_EDGE_SAMPLES = np.linspace(0.0, 1.0, 9)


def _wrap(a: np.ndarray) -> np.ndarray:
    return (a + np.pi) % (2 * np.pi) - np.pi


def box_corners(x, y, z, heading, length, width, height) -> np.ndarray:
    """(N, 8, 3) [m] world corners of boxes standing at footprint centres (x, y, z) (N,) turned by
    heading (N,) [rad]; corner c is at +½ length if bit 0 is set, +½ width if bit 1, the top if bit 2."""
    c = np.arange(8)
    lx = (np.where(c & 1, 0.5, -0.5)[None] * np.asarray(length)[:, None])
    ly = (np.where(c & 2, 0.5, -0.5)[None] * np.asarray(width)[:, None])
    lz = (np.where(c & 4, 1.0, 0.0)[None] * np.asarray(height)[:, None])
    ch, sh = np.cos(heading)[:, None], np.sin(heading)[:, None]
    return np.stack([x[:, None] + ch * lx - sh * ly, y[:, None] + sh * lx + ch * ly, z[:, None] + lz], -1)


def amodal_boxes(corners: np.ndarray, camera) -> np.ndarray:
    """(N, 4) [px] continuous boxes (x0, y0, x1, y1) around the images of boxes with corners (N, 8, 3)
    [m]: each edge sampled (lens distortion bends it) after cutting off what lies behind the camera's
    near plane; nan rows for boxes wholly behind it."""
    pc = corners @ camera.R.T + camera.t                              # (N, 8, 3) camera frame
    a, b = pc[:, _EDGES[:, 0]], pc[:, _EDGES[:, 1]]                   # (N, 12, 3)
    near = camera.near
    za, zb = a[..., 2:], b[..., 2:]
    with np.errstate(divide="ignore", invalid="ignore"):
        cut = (near - za) / (zb - za)                                 # where an edge crosses the near plane
        crossing = a + cut * (b - a)
    a2 = np.where((za < near) & (zb >= near), crossing, a)
    b2 = np.where((zb < near) & (za >= near), crossing, b)
    keep = (za >= near) | (zb >= near)
    pts = a2[..., None, :] + _EDGE_SAMPLES[:, None] * (b2 - a2)[..., None, :]   # (N, 12, S, 3)
    pts = np.where(keep[..., None, :], pts, np.nan).reshape(-1, 3)
    if camera.distorted:            # beyond the rays the image holds, the lens polynomial means nothing: clamp
        with np.errstate(divide="ignore", invalid="ignore"):
            xn = pts[:, :2] / pts[:, 2:3]
        r = np.linalg.norm(xn, axis=1)
        limit = _field_radius(camera)
        scale = np.where(r > limit, limit / np.maximum(r, 1e-12), 1.0)
        pts = np.column_stack([xn * scale[:, None], np.ones(len(xn))])
    uv = camera.pixels(pts).reshape(len(corners), -1, 2) + 0.5           # pixel centres → continuous
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)              # all-nan rows stay nan
        return np.column_stack([np.nanmin(uv[..., 0], 1), np.nanmin(uv[..., 1], 1),
                                np.nanmax(uv[..., 0], 1), np.nanmax(uv[..., 1], 1)])


def _field_radius(camera) -> float:
    """Largest undistorted normalized radius of a ray through the image's corners (its field), + 10 %."""
    w, h = camera.width, camera.height
    corners = np.array([[-0.5, -0.5], [w - 0.5, -0.5], [-0.5, h - 0.5], [w - 0.5, h - 0.5]])
    return 1.1 * float(np.nanmax(np.linalg.norm(camera.rays(corners), axis=1)))


def kitti_boxes(x, y, z, heading, length, width, height, camera) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                                          np.ndarray]:
    """KITTI 3D boxes in the camera frame: location (N, 3) [m] (bottom centre), dimensions (N, 3) [m]
    (height, width, length), rotation_y (N,) [rad] (the heading's angle about the camera's y axis,
    measured in the camera's x–z plane: 0 along +x) and alpha (N,) [rad] = rotation_y − atan2(x, z)."""
    location = np.column_stack([x, y, z]) @ camera.R.T + camera.t
    forward = np.column_stack([np.cos(heading), np.sin(heading), np.zeros(len(heading))]) @ camera.R.T
    rotation_y = _wrap(np.arctan2(-forward[:, 2], forward[:, 0]))
    alpha = _wrap(rotation_y - np.arctan2(location[:, 0], location[:, 2]))
    return location, np.column_stack([height, width, length]), rotation_y, alpha


def object_labels(frame, vehicles, info, z: np.ndarray, behaviors: Sequence[str], *,
                  min_pixels: int = MIN_VISIBLE_PIXELS, min_visibility: float = MIN_VISIBILITY) -> ObjectLabels:
    """Labels of every actor whose silhouette reaches into ``frame`` (rendered with coverage=True).

    vehicles/info: the world's agents; z (N,) [m] their ground heights; behaviors (N,) the step each
    runs. Visible pixels and the tight box come from the frame's instance image; occlusion, truncation
    and visibility from its coverage counts (the drawn pinhole image, before any lens, within the part
    of it the camera's image shows: Renderer.render's ``footprint``).
    """
    cov = frame.coverage
    if cov is None:
        raise ValueError("object_labels needs a frame rendered with coverage=True")
    rows = cov.inside > 0
    ids = cov.instance[rows].astype(np.int64)
    if len(ids) == 0:
        return empty_labels()
    agent = ids - 1
    camera = frame.camera
    h, w = frame.instance.shape
    tight = visible_boxes(frame.instance, info.class_ids)          # boxes and pixel counts of what shows
    box, visible = np.zeros((len(ids), 4), np.int64), np.zeros(len(ids), np.int64)
    row_of = {int(i): k for k, i in enumerate(tight.instance)}
    for k, i in enumerate(ids):
        if int(i) in row_of:
            box[k], visible[k] = tight.box[row_of[int(i)]], tight.pixels[row_of[int(i)]]
    v = vehicles
    args = (v.x[agent], v.y[agent], z[agent], v.heading[agent], v.length[agent], v.width[agent], v.height[agent])
    amodal = amodal_boxes(box_corners(*args), camera)
    clipped = np.column_stack([np.clip(amodal[:, 0], 0, w), np.clip(amodal[:, 1], 0, h),
                               np.clip(amodal[:, 2], 0, w), np.clip(amodal[:, 3], 0, h)])
    location, dimensions, rotation_y, alpha = kitti_boxes(*args, camera)
    # ratios from the coverage counts alone (the drawn image, within the part the camera's image shows):
    # with a lens, the final image's pixels are not the drawn image's
    inside, total = cov.inside[rows], cov.total[rows]
    occlusion = 1.0 - cov.visible[rows] / inside
    truncation = 1.0 - inside / np.maximum(total, 1)
    visibility = cov.visible[rows] / np.maximum(total, 1)
    keep = np.isin(cov.occluders[:, 1], ids)
    return ObjectLabels(
        instance=ids.astype(np.uint32), class_id=info.class_ids[agent].astype(np.uint8),
        name=tuple(info.names[i] for i in agent), box=box, amodal=amodal, amodal_clipped=clipped,
        visible=visible, unoccluded=inside.astype(np.int64), total=total.astype(np.int64),
        occlusion=np.clip(occlusion, 0.0, 1.0), truncation=np.clip(truncation, 0.0, 1.0),
        location=location, dimensions=dimensions, rotation_y=rotation_y, alpha=alpha,
        speed=v.speed[agent].astype(np.float64), lane=v.lane[agent].astype(np.int64),
        behavior=tuple(behaviors[i] for i in agent),
        ignore=(visible < min_pixels) | (visibility < min_visibility),
        occluders=cov.occluders[keep])
