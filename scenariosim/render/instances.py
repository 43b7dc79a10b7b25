"""Per-frame instance records of the actors (plain numpy, no GL): one array per template, so the renderer
draws every actor of a kind with one instanced call."""
from __future__ import annotations

import functools

import numpy as np

from scenariosim.sensors.camera import Camera
from scenariosim.spec.catalogue import ACTOR_KINDS
from scenariosim.world.state import Vehicles, WorldInfo

#: one actor instance: camera-relative footprint centre [m] and heading [rad]; size (length, width,
#: height) [m]; body colour (linear RGB); (semantic class, instance id); (walk phase, light flags)
INSTANCE = np.dtype([("pose", "<f4", 4), ("size", "<f4", 3), ("color", "<f4", 3), ("ids", "<u4", 2),
                     ("state", "<f4", 2)])
INSTANCE_FORMAT = "4f 3f 3f 2u 2f/i"
INSTANCE_ATTRIBUTES = ("i_pose", "i_size", "i_color", "i_ids", "i_state")

# light flags (INSTANCE.state[1])
LIGHTS_ON, BRAKING = 1, 2
#: brake lights glow below this acceleration [m/s²]
BRAKE_ACCEL = -1.0


def template_keys(info: WorldInfo) -> tuple[str, ...]:
    """Per agent, the template it is drawn with: its mesh file when it has one, else its kind."""
    meshes = info.meshes or (None,) * len(info.kinds)
    return tuple(m if m else k for k, m in zip(info.kinds, meshes))


@functools.lru_cache(maxsize=16)
def vehicle_mask(kinds: tuple[str, ...]) -> np.ndarray:
    """(N,) bool, read-only (shared by every call with these kinds): which agents of catalogue ``kinds``
    are vehicles; the others walk, ride or stand."""
    vehicle = np.array([ACTOR_KINDS[k].category == "vehicle" for k in kinds], dtype=bool)
    vehicle.flags.writeable = False
    return vehicle


@functools.lru_cache(maxsize=16)
def _groups(keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Template key → its agents (int64, index order, read-only: shared by every call with these keys)."""
    members: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        members.setdefault(key, []).append(i)
    out = {key: np.array(m, dtype=np.int64) for key, m in members.items()}
    for array in out.values():
        array.flags.writeable = False
    return out


def instance_groups(vehicles: Vehicles, info: WorldInfo, z: np.ndarray, origin: np.ndarray,
                    phase: np.ndarray | None, lights_on: bool) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Template key → (INSTANCE records (M,), their agent indices (M,) int64), agents in index order.

    Agents stand at ground heights z (N,) [m]; positions are relative to origin (3,) [m] (the camera
    centre), computed in float64. phase (N,) is each agent's walk phase (None: 0). Vehicles light
    their head and tail lights when lights_on and their brake lights below BRAKE_ACCEL.
    """
    n = len(vehicles.x)
    vehicle, groups = vehicle_mask(info.kinds), _groups(template_keys(info))
    rec = np.zeros(n, dtype=INSTANCE)
    pose, size, state = rec["pose"], rec["size"], rec["state"]
    pose[:, 0], pose[:, 1], pose[:, 2] = vehicles.x - origin[0], vehicles.y - origin[1], z - origin[2]
    pose[:, 3] = vehicles.heading
    size[:, 0], size[:, 1], size[:, 2] = vehicles.length, vehicles.width, vehicles.height
    rec["color"] = info.colors
    rec["ids"][:, 0], rec["ids"][:, 1] = info.class_ids, np.arange(1, n + 1)
    if phase is not None:
        state[:, 0] = phase
    state[:, 1] = np.where(vehicle & lights_on, LIGHTS_ON, 0) | np.where(vehicle & (vehicles.accel < BRAKE_ACCEL),
                                                                          BRAKING, 0)
    return {key: (rec[members], members) for key, members in groups.items()}


def _spheres(records: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bounding spheres of instance records: camera-relative centres (M, 3) [m] and radii (M,) [m]."""
    size = records["size"].astype(np.float64)
    centre = records["pose"][:, :3].astype(np.float64)
    centre[:, 2] += size[:, 2] / 2
    return centre, 0.5 * np.sqrt((size * size).sum(axis=1))


def in_view(records: np.ndarray, camera: Camera) -> np.ndarray:
    """(M,) bool: whose bounding sphere reaches into the camera's view (its pinhole frustum, near the
    camera to its far distance); the rest cannot show a pixel."""
    centre, r = _spheres(records)
    p = centre @ camera.R.T                                   # camera frame (x right, y down, z forward)
    fx, fy, cx, cy = camera.K[0, 0], camera.K[1, 1], camera.K[0, 2], camera.K[1, 2]
    left, right = (-0.5 - cx) / fx, (camera.width - 0.5 - cx) / fx          # x/z at the image's edges
    top, bottom = (-0.5 - cy) / fy, (camera.height - 0.5 - cy) / fy
    sides = np.array([(1.0, 0.0, -left), (-1.0, 0.0, right), (0.0, 1.0, -top), (0.0, -1.0, bottom)])
    sides /= np.sqrt((sides * sides).sum(axis=1))[:, None]   # inward normals of the side planes through the centre
    return (p[:, 2] > -r) & (p[:, 2] < camera.far + r) & np.all(p @ sides.T > -r[:, None], axis=1)


def pixel_radius(records: np.ndarray, camera: Camera) -> np.ndarray:
    """(M,) [px] radius of each bounding sphere's image (inf when the camera is inside or behind it)."""
    centre, r = _spheres(records)
    z = centre @ camera.R[2]
    with np.errstate(divide="ignore"):
        return np.where(z > r, camera.K[0, 0] * r / np.maximum(z, 1e-9), np.inf)


def in_shadow_map(records: np.ndarray, shadow: np.ndarray, extent: float) -> np.ndarray:
    """(M,) bool: whose bounding sphere reaches into the square the shadow map covers (shadow: the
    (4, 4) shadow matrix of camera-relative positions, render.shadows; extent [m] its side)."""
    centre, r = _spheres(records)
    clip = centre @ shadow[:2, :3].T + shadow[:2, 3]
    return np.all(np.abs(clip) <= 1.0 + 2.0 * r[:, None] / extent, axis=1)
