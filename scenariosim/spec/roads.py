"""Road specs: one frozen record per road generator, and the registry of generator names.

A generator's keyword arguments are the record's fields; each field's ``metadata["dimension"]``
names the physical dimension the scenario language checks ("length", "angle", "count" for whole
numbers, "fraction" for plain numbers like a grade) and
``metadata["minimum"]``/``["maximum"]`` the range allowed. Besides its fields, a record answers the
placement questions the language asks: which lane numbers and arms exist, whether there are
sidewalks, how many crosswalks. (roads/generators.py builds the geometry; generators not built yet
say so when a world is built.)

Lane numbers: on a one-way road lanes are 1..lanes from the right edge. On a two-way road lanes
1..lanes drive forward (1 = rightmost) and −1..−lanes drive the other way (−1 = that side's rightmost).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar


def _arg(dimension: str, default=None, *, minimum: float | None = None, maximum: float | None = None):
    meta = {"dimension": dimension, "minimum": minimum, "maximum": maximum}
    if default is None:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


#: the largest whole-number road argument (lanes, arms …)
MAX_COUNT = 32
#: the longest highway [m] (building cost grows with length)
MAX_LENGTH = 20_000.0


class _Road:
    """Placement answers shared by every road record (``lanes`` lanes per direction)."""

    __slots__ = ()
    two_way: ClassVar[bool] = False
    arms: ClassVar[tuple[str, ...]] = ()       # named approaches for lane(ROAD, N, arm: NAME)
    arm_required: ClassVar[bool] = False       # lane(ROAD, N) without an arm names nothing

    def lane_numbers(self, arm: str | None = None) -> tuple[int, ...]:
        """The lane numbers on ``arm`` (None: the road's main lanes)."""
        forward = tuple(range(1, self.lanes + 1))
        return forward + tuple(-k for k in forward) if self.two_way else forward

    def arm_names(self) -> tuple[str, ...]:
        return self.arms[:getattr(self, "arm_count", len(self.arms))]

    @property
    def has_sidewalks(self) -> bool:
        return getattr(self, "sidewalk_width", 0.0) > 0

    @property
    def crosswalk_count(self) -> int:
        return 0


@dataclass(frozen=True, slots=True, kw_only=True)
class HighwaySpec(_Road):
    """A multi-lane highway starting at the origin heading +x: straight, or with one curve (a circular
    arc between two clothoid transitions) starting at ``curve_at``, and a constant grade.

    Lanes are numbered 1..lanes from the right edge of the carriageway (y = 0 while straight) to the
    left; lane k's centre is (k − 0.5)·lane_width left of that edge. With a median, a second
    carriageway of ``lanes`` oncoming lanes (−1..−lanes) lies beyond it.
    """

    name: str
    length: float = _arg("length", minimum=1.0, maximum=MAX_LENGTH)          # [m]
    lanes: int = _arg("count", 3, minimum=1, maximum=MAX_COUNT)             # lanes per direction
    lane_width: float = _arg("length", 3.5, minimum=2.0)  # [m]
    shoulder_width: float = _arg("length", 0.0, minimum=0.0)   # [m] paved hard shoulder right of lane 1
    median_width: float = _arg("length", 0.0, minimum=0.0)     # [m]; > 0: a divided two-way highway
    curve_radius: float = _arg("length", 0.0, minimum=0.0)     # [m]; 0: straight
    curve_angle: float = _arg("angle", 0.0)                    # [rad] total turn of the curve, + left
    curve_at: float = _arg("length", 100.0, minimum=0.0)       # [m] s where the curve's entry transition starts
    transition_length: float = _arg("length", 50.0, minimum=0.0)  # [m] of each clothoid
    grade: float = _arg("fraction", 0.0, minimum=-0.12, maximum=0.12)  # rise per metre (3 % = 0.03)

    def lane_numbers(self, arm: str | None = None) -> tuple[int, ...]:
        forward = tuple(range(1, self.lanes + 1))
        return forward + tuple(-k for k in forward) if self.median_width > 0 else forward

    def curve_lengths(self) -> tuple[float, float] | None:
        """(arc length, straight after the curve) [m], or None for a straight road. Negative values mean
        the curve does not fit: its transitions turn more than ``curve_angle``, or it runs past ``length``."""
        if self.curve_radius <= 0 or self.curve_angle == 0:
            return None
        arc = (abs(self.curve_angle) - self.transition_length / self.curve_radius) * self.curve_radius
        return arc, self.length - self.curve_at - 2 * self.transition_length - max(arc, 0.0)

    def curve_problem(self) -> str | None:
        """Why the curve does not fit, or None."""
        lengths = self.curve_lengths()
        if lengths is None:
            return None
        arc, rest = lengths
        inside = self.lanes * self.lane_width * (2 if self.median_width > 0 else 1) + self.median_width \
            + (self.shoulder_width if self.median_width > 0 else 0.0) if self.curve_angle > 0 else self.shoulder_width
        if self.curve_radius <= inside + 1.0:
            return (f"curve_radius {self.curve_radius:g} m is too tight: the road reaches {inside:g} m to the inside "
                    f"of the curve")
        if abs(self.curve_angle) > math.pi:
            return "curve_angle must be within ±180 deg (a larger turn would cross the road)"
        if arc < 0:
            return (f"transitions of {self.transition_length:g} m turn more than curve_angle at radius "
                    f"{self.curve_radius:g} m")
        if rest < 0:
            return f"the curve ends {-rest:g} m past the road's length"
        return None


class _Ramp(_Road):
    """A highway with a ramp: arm ``main`` (the default) has lanes 1..lanes, arm ``ramp`` has lane 1 (the
    ramp) and lane 2 (the acceleration or deceleration lane)."""

    __slots__ = ()
    arms: ClassVar[tuple[str, ...]] = ("main", "ramp")

    def lane_numbers(self, arm: str | None = None) -> tuple[int, ...]:
        return (1, 2) if arm == "ramp" else tuple(range(1, self.lanes + 1))


@dataclass(frozen=True, slots=True, kw_only=True)
class MergeSpec(_Ramp):
    """A one-way highway with an on-ramp joining from the right through an acceleration lane.

    Arms: ``main`` (the highway lanes) and ``ramp`` (lane 1 of the ramp, later the acceleration lane).
    """

    name: str
    length: float = _arg("length", minimum=50.0)                 # [m] of the main road
    lanes: int = _arg("count", 2, minimum=1, maximum=MAX_COUNT)
    lane_width: float = _arg("length", 3.5, minimum=2.0)          # [m]
    merge_at: float = _arg("length", 300.0, minimum=0.0)          # [m] s where the acceleration lane starts
    acceleration_lane: float = _arg("length", 250.0, minimum=10.0)  # [m] its length, taper included
    ramp_length: float = _arg("length", 200.0, minimum=10.0)      # [m] of ramp before it


@dataclass(frozen=True, slots=True, kw_only=True)
class StreetSpec(_Road):
    """A straight two-way urban street with sidewalks and optional crosswalk."""

    two_way: ClassVar[bool] = True
    name: str
    length: float = _arg("length", minimum=1.0)                # [m]
    lanes: int = _arg("count", 1, minimum=1, maximum=MAX_COUNT)                   # per direction
    lane_width: float = _arg("length", 3.25, minimum=2.0)       # [m]
    sidewalk_width: float = _arg("length", 2.5, minimum=0.0)    # [m]; 0 = none
    crosswalk_at: float = _arg("length", -1.0, minimum=-1.0)    # [m] s of a zebra crossing; −1 = none

    @property
    def crosswalk_count(self) -> int:
        return int(self.crosswalk_at >= 0)


@dataclass(frozen=True, slots=True, kw_only=True)
class IntersectionSpec(_Road):
    """A 4-way (arms: 4) or T (arms: 3) junction of two-way streets, with crosswalks on every arm.

    Arms are named by compass direction; a T junction (arm_count 3) lacks ``north``. Crosswalks are
    numbered 1..arm_count in the order of ``arms``.
    """

    two_way: ClassVar[bool] = True
    arms: ClassVar[tuple[str, ...]] = ("east", "south", "west", "north")
    name: str
    arm_count: int = _arg("count", 4, minimum=3, maximum=MAX_COUNT)                # 3 (T) or 4
    arm_length: float = _arg("length", 80.0, minimum=10.0)      # [m]
    lanes: int = _arg("count", 1, minimum=1, maximum=MAX_COUNT)                    # per direction
    lane_width: float = _arg("length", 3.25, minimum=2.0)        # [m]
    sidewalk_width: float = _arg("length", 2.5, minimum=0.0, maximum=6.0)     # [m]
    turn_lanes: int = _arg("count", 0, minimum=0, maximum=MAX_COUNT)               # extra left-turn lanes per approach
    traffic_lights: int = _arg("count", 1, minimum=0, maximum=1)   # 1: signal heads on every approach

    arm_required: ClassVar[bool] = True

    def lane_numbers(self, arm: str | None = None) -> tuple[int, ...]:
        """On each arm: approach lanes 1..lanes+turn_lanes (the turn lanes leftmost), leaving lanes −1..−lanes."""
        return tuple(range(1, self.lanes + self.turn_lanes + 1)) + tuple(range(-1, -self.lanes - 1, -1))

    @property
    def crosswalk_count(self) -> int:
        return self.arm_count if self.sidewalk_width > 0 else 0


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundaboutSpec(_Road):
    """A one-way circular road with ``arm_count`` two-way approaches (arms named arm1, arm2, …)."""

    arms: ClassVar[tuple[str, ...]] = ("arm1", "arm2", "arm3", "arm4", "arm5", "arm6")
    name: str
    radius: float = _arg("length", 20.0, minimum=8.0)          # [m] to the centre of the circulating lanes
    lanes: int = _arg("count", 1, minimum=1, maximum=MAX_COUNT)
    lane_width: float = _arg("length", 4.0, minimum=2.0)        # [m]
    arm_count: int = _arg("count", 4, minimum=3, maximum=MAX_COUNT)
    arm_length: float = _arg("length", 60.0, minimum=10.0)      # [m]
    sidewalk_width: float = _arg("length", 0.0, minimum=0.0)    # [m] around the outside; 0 = none

    def lane_numbers(self, arm: str | None = None) -> tuple[int, ...]:
        """The ring (no arm): lanes 1..lanes, 1 outermost; an arm: approach lanes 1..lanes, leaving −1..−lanes."""
        forward = tuple(range(1, self.lanes + 1))
        return forward if arm is None else forward + tuple(-k for k in forward)


@dataclass(frozen=True, slots=True, kw_only=True)
class TownSpec(_Road):
    """A grid of blocks × blocks intersections with sidewalks, buildings and street furniture."""

    two_way: ClassVar[bool] = True
    name: str
    blocks: int = _arg("count", 3, minimum=1, maximum=12)
    block_size: float = _arg("length", 80.0, minimum=20.0)     # [m] between street centre lines
    lanes: int = _arg("count", 1, minimum=1, maximum=MAX_COUNT)                   # per direction
    lane_width: float = _arg("length", 3.25, minimum=2.0)       # [m]
    sidewalk_width: float = _arg("length", 2.5, minimum=0.0)    # [m]

    @property
    def crosswalk_count(self) -> int:
        """Four zebras per junction (east, south, west, north arms) when there are sidewalks."""
        return 4 * self.blocks ** 2 if self.sidewalk_width > 0 else 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ExitSpec(_Ramp):
    """A one-way highway with an off-ramp leaving to the right through a deceleration lane.

    Arms: ``main`` (the highway lanes) and ``ramp`` (the deceleration lane, then the ramp).
    """

    name: str
    length: float = _arg("length", minimum=50.0)                  # [m] of the main road
    lanes: int = _arg("count", 2, minimum=1, maximum=MAX_COUNT)
    lane_width: float = _arg("length", 3.5, minimum=2.0)           # [m]
    diverge_at: float = _arg("length", 300.0, minimum=0.0)         # [m] s where the deceleration lane starts
    deceleration_lane: float = _arg("length", 150.0, minimum=10.0)  # [m] its length, taper included
    ramp_length: float = _arg("length", 200.0, minimum=10.0)       # [m] of ramp after it


#: generator name in a scenario file → spec record
ROAD_GENERATORS: dict[str, type] = {"highway": HighwaySpec, "merge": MergeSpec, "exit": ExitSpec,
                                    "street": StreetSpec,
                                    "intersection": IntersectionSpec, "roundabout": RoundaboutSpec,
                                    "town": TownSpec}

RoadSpec = HighwaySpec | MergeSpec | ExitSpec | StreetSpec | IntersectionSpec | RoundaboutSpec | TownSpec
