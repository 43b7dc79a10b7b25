"""Semantic classes (shared by world, render and labels, so it sits at the bottom layer): Cityscapes label ids and colours, plus our own ids above 33.

Classes Cityscapes has keep its id and colour; classes it lacks get ids from 34 up.
In a Cityscapes-compatible export our extra ids map to trainId 255 (ignore).
"""
from __future__ import annotations

from typing import NamedTuple


class SemanticClass(NamedTuple):
    id: int
    name: str
    category: str                 # Cityscapes category (COCO supercategory)
    color: tuple[int, int, int]   # sRGB
    has_instances: bool


CLASSES: tuple[SemanticClass, ...] = (
    SemanticClass(0, "unlabeled", "void", (0, 0, 0), False),
    SemanticClass(7, "road", "flat", (128, 64, 128), False),
    SemanticClass(8, "sidewalk", "flat", (244, 35, 232), False),
    SemanticClass(22, "terrain", "nature", (152, 251, 152), False),
    SemanticClass(23, "sky", "sky", (70, 130, 180), False),
    SemanticClass(24, "person", "human", (220, 20, 60), True),
    SemanticClass(26, "car", "vehicle", (0, 0, 142), True),
    SemanticClass(27, "truck", "vehicle", (0, 0, 70), True),
    SemanticClass(28, "bus", "vehicle", (0, 60, 100), True),
    SemanticClass(34, "lane_marking", "flat", (255, 255, 255), False),   # not in Cityscapes
)

BY_NAME = {c.name: c for c in CLASSES}
BY_ID = {c.id: c for c in CLASSES}

UNLABELED = BY_NAME["unlabeled"].id
ROAD = BY_NAME["road"].id
TERRAIN = BY_NAME["terrain"].id
SKY = BY_NAME["sky"].id
LANE_MARKING = BY_NAME["lane_marking"].id

#: actor kind → semantic class id
KIND_CLASS = {"car": BY_NAME["car"].id, "truck": BY_NAME["truck"].id}
