"""Behaviour steps (spec.behavior records) compiled to the opcode arrays of ``Program``.

Nothing here runs a behaviour: sim.behaviours interprets the arrays. The opcodes are data shared
with the kernels, so they live here, on the world side of the one-way dependency.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from scenariosim.spec.behavior import AllOf, AnyOf, BehaviorStep, Call, Compare, LaneOf, Negation, Number, Signal, SignalOp
from scenariosim.world.opcodes import (
    ARITHMETIC_OPS, ATTRIBUTE_OPS, COMPARE_OPS, SIGNAL_OPS, C_AND, C_CONST, C_NOT, C_OR, CHANGE_LANE, CHANGE_SPEED, CONSTANT_SPEED,
    DIRECTIONS, DRIVE, FOLLOW_LANE, FOLLOW_PATH, IDM, IDM_ARGS, KEEP, KEEP_TIME_GAP, LANE_NUMBER, LANE_OF,
    LANE_RELATIVE, MANEUVER_OPS, PROFILES, STOP_AT, TURN, WALK_ACROSS,
)
from scenariosim.world.state import Program

def _value(x: Any) -> float:
    return float(x.value) if isinstance(x, Number) else float(x)


def _opt(call: Call, key: str) -> float:
    v = call.arg(key)
    return math.nan if v is None else _value(v)


class ProgramBuilder:
    """Collects the compiled steps of every agent, in agent order.

    ``actor_index`` maps an actor name to its agent index; ``add_path`` stores a polyline (P, 2) [m] and
    returns its path index (used by follow_path and walk_across, whose geometry the caller computes).
    """

    def __init__(self, actor_index: Callable[[str], int]) -> None:
        self.actor_index = actor_index
        self.first = [0]
        self.op: list[int] = []
        self.arg: list[list[float]] = []
        self.iarg: list[list[int]] = []
        self.ctrl: list[int] = []
        self.carg: list[list[float]] = []
        self.cond_first = [0]
        self.code: list[int] = []
        self.cval: list[float] = []
        self.ca: list[int] = []
        self.cb: list[int] = []

    def add_agent(self, steps: tuple[BehaviorStep, ...], path_of: Callable[[BehaviorStep], int]) -> None:
        """Compile one agent's steps; ``path_of(step)`` gives the path index of a follow_path/walk_across step."""
        for step in steps:
            self._step(step, path_of)
        self.first.append(len(self.op))

    def _step(self, step: BehaviorStep, path_of: Callable[[BehaviorStep], int]) -> None:
        call = step.action
        op = MANEUVER_OPS[call.name]
        arg, iarg = [math.nan] * 4, [0, 0]
        if op in (FOLLOW_LANE, DRIVE, TURN, FOLLOW_PATH, WALK_ACROSS):
            arg[0] = _opt(call, "speed")
        if op == CHANGE_LANE:
            to = call.arg("to")
            if isinstance(to, LaneOf):
                iarg = [LANE_OF, self.actor_index(to.actor)]
            elif to in ("left", "right"):
                iarg = [LANE_RELATIVE, 1 if to == "left" else -1]
            else:
                iarg = [LANE_NUMBER, int(round(_value(to)))]
            arg[0] = _opt(call, "duration")
            arg[1] = float(PROFILES[call.arg("profile", "sinusoidal")])
        elif op == CHANGE_SPEED:
            arg[0], arg[1], arg[2] = _value(call.arg("to")), _opt(call, "rate"), _opt(call, "time")
        elif op == KEEP_TIME_GAP:
            iarg = [self.actor_index(call.arg("to")), 0]
            arg[0] = _value(call.arg("gap"))
        elif op == STOP_AT:
            arg[0], arg[1] = _value(call.arg("s")), _opt(call, "decel")
        elif op in (FOLLOW_PATH, WALK_ACROSS):
            iarg = [path_of(step), 0]
        elif op == TURN:
            iarg = [DIRECTIONS[call.arg("direction")], 0]
        self.op.append(op)
        self.arg.append(arg)
        self.iarg.append(iarg)
        ctrl, carg = KEEP, [math.nan] * 5
        if step.controller is not None:
            ctrl = IDM if step.controller.name == "idm" else CONSTANT_SPEED
            carg = [_opt(step.controller, k) for k in IDM_ARGS]
        self.ctrl.append(ctrl)
        self.carg.append(carg)
        if step.until is not None:
            self._condition(step.until)
        self.cond_first.append(len(self.code))

    def _emit(self, code: int, value: float = 0.0, a: int = -1, b: int = -1) -> None:
        self.code.append(code)
        self.cval.append(value)
        self.ca.append(a)
        self.cb.append(b)

    def _condition(self, c: Any) -> None:
        if isinstance(c, Compare):
            self._live(c.left)
            self._live(c.right)
            self._emit(COMPARE_OPS[c.op])
        elif isinstance(c, (AllOf, AnyOf)):
            self._condition(c.conditions[0])
            for more in c.conditions[1:]:
                self._condition(more)
                self._emit(C_AND if isinstance(c, AllOf) else C_OR)
        elif isinstance(c, Negation):
            self._condition(c.condition)
            self._emit(C_NOT)
        else:
            raise TypeError(f"not a condition: {c!r}")

    def _live(self, v: Any) -> None:
        if isinstance(v, Number):
            self._emit(C_CONST, _value(v))
        elif isinstance(v, SignalOp):
            self._live(v.left)
            self._live(v.right)
            self._emit(ARITHMETIC_OPS[v.op])
        elif isinstance(v, Signal):
            actors = [self.actor_index(a) for a in v.actors] + [-1, -1]
            if v.name in SIGNAL_OPS:
                self._emit(SIGNAL_OPS[v.name], 0.0, actors[0], actors[1])
            else:
                self._emit(ATTRIBUTE_OPS[v.name], 0.0, actors[0])
        else:
            self._emit(C_CONST, float(v))

    def program(self) -> Program:
        i64 = lambda x: np.asarray(x, dtype=np.int64)                                # noqa: E731
        f64 = lambda x, w: np.asarray(x, dtype=np.float64).reshape(-1, w)             # noqa: E731
        return Program(first=i64(self.first), op=i64(self.op), arg=f64(self.arg, 4),
                       iarg=i64(self.iarg).reshape(-1, 2), ctrl=i64(self.ctrl), carg=f64(self.carg, 5),
                       cond_first=i64(self.cond_first), code=i64(self.code),
                       cval=np.asarray(self.cval, dtype=np.float64), ca=i64(self.ca), cb=i64(self.cb))
