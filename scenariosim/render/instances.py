"""Per-frame instance records of the actors (plain numpy, no GL): one array per template, so the renderer
draws every actor of a kind with one instanced call."""
from __future__ import annotations

import numpy as np

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


def instance_groups(vehicles: Vehicles, info: WorldInfo, z: np.ndarray, origin: np.ndarray,
                    phase: np.ndarray | None, lights_on: bool, hide: int | None = None
                    ) -> dict[str, tuple[np.ndarray, int]]:
    """Template key → (INSTANCE records (M,), how many of them the camera sees).

    Agents stand at ground heights z (N,) [m]; positions are relative to origin (3,) [m] (the camera
    centre), computed in float64. phase (N,) is each agent's walk phase (None: 0). Vehicles light
    their head and tail lights when lights_on and their brake lights below BRAKE_ACCEL. Agent ``hide``
    (the camera's own vehicle) comes last in its group and is not counted as seen: it still casts a shadow.
    """
    n = len(vehicles.x)
    rec = np.zeros(n, dtype=INSTANCE)
    rec["pose"] = np.column_stack([vehicles.x - origin[0], vehicles.y - origin[1], z - origin[2], vehicles.heading])
    rec["size"] = np.column_stack([vehicles.length, vehicles.width, vehicles.height])
    rec["color"] = info.colors
    rec["ids"] = np.column_stack([info.class_ids, np.arange(1, n + 1)])
    vehicle = np.array([ACTOR_KINDS[k].category == "vehicle" for k in info.kinds], dtype=bool)
    flags = np.where(vehicle & lights_on, LIGHTS_ON, 0) | np.where(vehicle & (vehicles.accel < BRAKE_ACCEL), BRAKING, 0)
    rec["state"] = np.column_stack([np.zeros(n) if phase is None else phase, flags])
    keys = template_keys(info)
    groups: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    out = {}
    for key, members in groups.items():
        if hide in members:
            members = [i for i in members if i != hide] + [hide]
        out[key] = (rec[members], len(members) - (hide in members))
    return out
