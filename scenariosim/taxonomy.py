"""Semantic classes (shared by world, render and labels, so it sits at the bottom layer): Cityscapes label ids and colours, plus our own ids above 33.

Classes Cityscapes has keep its id and colour (names snake_case: Cityscapes' "traffic light" is
traffic_light); classes it lacks get ids from 34 up.
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
    SemanticClass(11, "building", "construction", (70, 70, 70), False),
    SemanticClass(17, "pole", "object", (153, 153, 153), False),
    SemanticClass(19, "traffic_light", "object", (250, 170, 30), False),
    SemanticClass(20, "traffic_sign", "object", (220, 220, 0), False),
    SemanticClass(21, "vegetation", "nature", (107, 142, 35), False),
    SemanticClass(22, "terrain", "nature", (152, 251, 152), False),
    SemanticClass(23, "sky", "sky", (70, 130, 180), False),
    SemanticClass(24, "person", "human", (220, 20, 60), True),
    SemanticClass(26, "car", "vehicle", (0, 0, 142), True),
    SemanticClass(27, "truck", "vehicle", (0, 0, 70), True),
    SemanticClass(25, "rider", "human", (255, 0, 0), True),
    SemanticClass(28, "bus", "vehicle", (0, 60, 100), True),
    SemanticClass(32, "motorcycle", "vehicle", (0, 0, 230), True),
    SemanticClass(33, "bicycle", "vehicle", (119, 11, 32), True),
    SemanticClass(34, "lane_marking", "flat", (255, 255, 255), False),   # not in Cityscapes from here on
    SemanticClass(35, "traffic_cone", "object", (255, 120, 0), True),
    SemanticClass(36, "barrier", "object", (180, 165, 180), True),
    SemanticClass(37, "debris", "object", (110, 80, 40), True),
)

BY_NAME = {c.name: c for c in CLASSES}
BY_ID = {c.id: c for c in CLASSES}

UNLABELED = BY_NAME["unlabeled"].id
ROAD = BY_NAME["road"].id
SIDEWALK = BY_NAME["sidewalk"].id
BUILDING = BY_NAME["building"].id
POLE = BY_NAME["pole"].id
TRAFFIC_LIGHT = BY_NAME["traffic_light"].id
TRAFFIC_SIGN = BY_NAME["traffic_sign"].id
VEGETATION = BY_NAME["vegetation"].id
TERRAIN = BY_NAME["terrain"].id
SKY = BY_NAME["sky"].id
LANE_MARKING = BY_NAME["lane_marking"].id

#: actor kind → semantic class id. Cityscapes counts SUVs and vans with a continuous body as cars.
KIND_CLASS = {kind: BY_NAME[name].id for kind, name in {
    "car": "car", "suv": "car", "van": "car", "truck": "truck", "bus": "bus", "motorcycle": "motorcycle",
    "bicycle": "bicycle", "pedestrian": "person", "cone": "traffic_cone", "barrier": "barrier",
    "debris": "debris"}.items()}

#: road-network prop kind (roads.network.PROP_KINDS) → semantic class id. A sign's post and a street
#: light's or signal's mast are poles (Cityscapes labels a sign's pole "pole"); only a sign's plate is
#: traffic_sign, only a signal head traffic_light.
PROP_CLASS = {kind: BY_NAME[name].id for kind, name in {
    "building": "building", "tree": "vegetation", "pole": "pole", "street_light": "pole", "sign": "traffic_sign",
    "traffic_light_pole": "pole", "kerb": "sidewalk"}.items()}
