"""Closed catalogues the scenario language resolves names against: actor kinds, colours, label kinds,
dataset formats. Plain data, no behaviour.
"""
from __future__ import annotations

from typing import NamedTuple


class ActorKind(NamedTuple):
    size: tuple[float, float, float]   # default box (length, width, height) [m]
    category: str                      # "vehicle", "vru" (vulnerable road user) or "static"


#: actor kind → default box and category. Sizes are typical European models (car: VW Golf class,
#: suv: VW Tiguan, van: Mercedes Sprinter, bus: 12 m city bus), an adult pedestrian 1.75 m tall.
ACTOR_KINDS: dict[str, ActorKind] = {
    "car": ActorKind((4.6, 1.85, 1.5), "vehicle"),
    "suv": ActorKind((4.7, 1.9, 1.7), "vehicle"),
    "van": ActorKind((5.9, 2.0, 2.6), "vehicle"),
    "truck": ActorKind((9.0, 2.5, 3.4), "vehicle"),
    "bus": ActorKind((12.0, 2.55, 3.1), "vehicle"),
    "motorcycle": ActorKind((2.2, 0.8, 1.5), "vehicle"),
    "bicycle": ActorKind((1.8, 0.6, 1.75), "vru"),
    "pedestrian": ActorKind((0.5, 0.6, 1.75), "vru"),
    "cone": ActorKind((0.4, 0.4, 0.75), "static"),
    "barrier": ActorKind((2.0, 0.5, 1.0), "static"),
    "debris": ActorKind((0.8, 0.6, 0.25), "static"),
}

#: body colour name → linear RGB in [0, 1]
COLORS: dict[str, tuple[float, float, float]] = {
    "white": (0.85, 0.85, 0.80),
    "black": (0.03, 0.03, 0.03),
    "silver": (0.60, 0.60, 0.62),
    "grey": (0.25, 0.25, 0.27),
    "red": (0.60, 0.04, 0.03),
    "blue": (0.04, 0.10, 0.45),
    "green": (0.08, 0.30, 0.10),
    "yellow": (0.85, 0.65, 0.05),
    "orange": (0.90, 0.30, 0.02),
    "brown": (0.25, 0.12, 0.05),
    "beige": (0.65, 0.55, 0.40),
}

#: what a dataset may hold per frame
LABEL_KINDS = ("rgb", "semantic", "instance", "depth", "boxes_2d", "boxes_3d", "occlusion")
#: dataset formats a writer exists for (or is planned: issue 7 adds all but coco)
DATASET_FORMATS = ("coco", "kitti", "yolo", "cityscapes")
