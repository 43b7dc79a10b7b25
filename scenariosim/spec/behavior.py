"""Behaviour records: what an actor does, as a sequence of steps, each running until its condition.

The language checks names and units against MANEUVERS, CONTROLLERS and SIGNALS; the simulation
compiles the records to opcode arrays (another module). Live values in conditions are ``Signal``
records (evaluated every step by the simulation); numbers inside them are spec values (Expr until
``sample`` fixes them). Units are SI.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from scenariosim.units import DIMENSIONS


class Arg(NamedTuple):
    kind: str                 # a dimension name ("speed", "time", …), "lane" (a lane target), "actor", "name", "points"
    required: bool = False
    choices: tuple[str, ...] = ()   # for kind "name": the names allowed
    bound: str = ""           # for a number: "nonnegative" (≥ 0), "positive" (> 0) or "" (any)


_SPEED = Arg("speed", bound="nonnegative")

#: maneuver → its keyword arguments. change_lane's ``to`` is a lane number, left/right, or lane_of(ACTOR);
#: turn takes the junction's connector lane in ``direction`` at the next junction.
MANEUVERS: dict[str, dict[str, Arg]] = {
    "follow_lane": {"speed": _SPEED},
    "drive": {"speed": _SPEED},
    "change_lane": {"to": Arg("lane", True), "duration": Arg("time", bound="positive"),
                    "profile": Arg("name", choices=("sinusoidal", "cubic", "linear"))},
    "change_speed": {"to": Arg("speed", True, bound="nonnegative"), "rate": Arg("acceleration", bound="positive"),
                     "time": Arg("time", bound="positive")},
    "keep_time_gap": {"to": Arg("actor", True), "gap": Arg("time", True, bound="nonnegative")},
    "stop_at": {"s": Arg("length", True), "decel": Arg("acceleration", bound="positive")},
    "follow_path": {"points": Arg("points", True), "speed": _SPEED},
    "walk_across": {"speed": _SPEED, "side": Arg("name", choices=("left", "right"))},
    "turn": {"direction": Arg("name", True, ("left", "right", "straight")), "speed": _SPEED},
    "stay_still": {},
}

#: longitudinal controller → its keyword arguments (``with idm(time_gap: 1.5 s)``)
CONTROLLERS: dict[str, dict[str, Arg]] = {
    "idm": {"desired_speed": _SPEED, "time_gap": Arg("time", bound="nonnegative"),
            "min_gap": Arg("length", bound="nonnegative"), "max_accel": Arg("acceleration", bound="positive"),
            "comfort_decel": Arg("acceleration", bound="positive")},
    "constant_speed": {},
}


def out_of_bounds(call: str, key: str, arg: Arg, value: float) -> str | None:
    """Why ``value`` (SI) cannot be argument ``key`` of maneuver or controller ``call``, or None if it can."""
    if arg.bound == "positive" and not value > 0:
        must = "positive"
    elif arg.bound == "nonnegative" and not value >= 0:
        must = "at least 0"
    else:
        return None
    return f"{call}'s {key} must be {must}, got {value:g} {DIMENSIONS[arg.kind].si}"


#: live signal → (actor arguments it takes, dimension of its value)
SIGNALS: dict[str, tuple[int, str]] = {
    "time": (0, "time"),              # scenario time since start
    "elapsed": (0, "time"),           # time since this step began
    "travelled": (0, "length"),       # distance this actor travelled since this step began
    "distance": (2, "length"),        # centre-to-centre distance between two actors
    "gap": (2, "length"),             # bumper-to-bumper gap along the lane, from the second to the first
    "time_gap": (2, "time"),          # gap / speed of the follower (the second actor)
    "ttc": (2, "time"),               # time to collision: gap / closing speed; inf when not closing
}
#: actor attributes readable live in conditions (``ego.speed >= 20 m/s``)
LIVE_ATTRIBUTES: dict[str, str] = {"s": "length", "d": "length", "speed": "speed", "accel": "acceleration"}


@dataclass(frozen=True, slots=True)
class Number:
    """A number inside a condition or maneuver argument that keeps its dimension name (for messages and
    for writing it back); ``value`` is SI, an Expr until sampled."""

    value: Any
    dimension: str            # a key of units.DIMENSIONS, or "count" for a plain number


@dataclass(frozen=True, slots=True)
class LaneOf:
    """A lane target: the lane ``actor`` is in when the maneuver starts."""

    actor: str


@dataclass(frozen=True, slots=True)
class Signal:
    """A live value: ``name`` from SIGNALS over ``actors``, or an attribute of one actor (``actors[0].name``)."""

    name: str
    actors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SignalOp:
    """``left op right`` over signals and Numbers (op one of + - * /)."""

    op: str
    left: Any
    right: Any


@dataclass(frozen=True, slots=True)
class Compare:
    """``left op right``; op one of < <= > >= == !=."""

    op: str
    left: Any                 # Signal | SignalOp | Number (in behaviours); Expr (in requirements)
    right: Any


@dataclass(frozen=True, slots=True)
class AllOf:
    conditions: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    conditions: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Negation:
    condition: Any


@dataclass(frozen=True, slots=True)
class Call:
    """A maneuver or controller and its keyword arguments in source order. Values: Number (SI), a name
    (str: actor, profile, side), a lane target (Number "count" | "left" | "right" | LaneOf), or points
    (tuple of (Number, Number) x, y pairs in the road's frame)."""

    name: str
    args: tuple[tuple[str, Any], ...] = ()

    def arg(self, key: str, default: Any = None) -> Any:
        return next((v for k, v in self.args if k == key), default)


@dataclass(frozen=True, slots=True)
class BehaviorStep:
    """One step: ``action [with controller] [until condition]``; without ``until`` it lasts to the end."""

    action: Call
    controller: Call | None = None
    until: Any = None         # a condition record, or None
