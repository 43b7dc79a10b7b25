"""2D boxes from the instance image: one row per visible agent, exact to the pixel."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import ndimage

from scenariosim.sensors.frame import NO_INSTANCE


class Labels(NamedTuple):
    """Per visible object in one frame; K rows sorted by instance id."""

    instance: np.ndarray     # (K,) uint32 instance id (agent index + 1)
    class_id: np.ndarray     # (K,) uint8 semantic class id
    box: np.ndarray          # (K, 4) int64 [px] (x0, y0, x1, y1): columns x0..x1−1 and rows y0..y1−1
    pixels: np.ndarray       # (K,) int64 visible pixel count


def visible_boxes(instance: np.ndarray, agent_class: np.ndarray) -> Labels:
    """Tight boxes of every instance present in ``instance`` (H, W) uint32.

    agent_class (N,) uint8 gives each agent's class; instance id i + 1 is agent i.
    """
    n = len(agent_class)
    if instance.size and instance.max() > n:
        raise ValueError(f"instance image holds id {int(instance.max())} but there are only {n} agents")
    counts = np.bincount(instance.ravel(), minlength=n + 1)
    ids = np.flatnonzero(counts)
    ids = ids[ids != NO_INSTANCE]
    slices = ndimage.find_objects(instance)
    box = np.array([[slices[i - 1][1].start, slices[i - 1][0].start, slices[i - 1][1].stop, slices[i - 1][0].stop]
                    for i in ids], dtype=np.int64).reshape(-1, 4)
    return Labels(instance=ids.astype(np.uint32), class_id=agent_class[ids - 1].astype(np.uint8),
                  box=box, pixels=counts[ids].astype(np.int64))
