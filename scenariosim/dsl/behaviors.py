"""Compiling ``behavior:`` steps: maneuvers and controllers from closed tables, live ``until`` conditions.

Behaviours are compiled after every actor of the scenario is known, so a step may name any actor
(``until time_gap(ego, cutter) >= 1 s``). Their semantics belong to the simulation.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from lark import Tree

from scenariosim.dsl.expressions import COUNT, ExpressionCompiler, Node, is_tree
from scenariosim.errors import ScenarioSimError, unknown
from scenariosim.spec.behavior import CONTROLLERS, MANEUVERS, Arg, BehaviorStep, Call, LaneOf, Number, out_of_bounds
from scenariosim.spec.values import Expr

_CONDITIONS = ("comparison", "any_of", "all_of", "negate")


class BehaviorCompiler(ExpressionCompiler):
    """Adds behaviour compilation to the expression compiler (mixed into ScenarioCompiler)."""

    errors: list[ScenarioSimError]

    def behaviors(self, actors: list) -> list:
        """``actors`` with each deferred ``behavior`` tree compiled to BehaviorSteps (errors gathered)."""
        out = []
        for i, actor in enumerate(actors):
            if isinstance(actor.behavior, Tree):
                # maneuver arguments are drawn with their actor: they may read it and earlier actors
                with self.scope(self.roads, [a.name for a in actors[:i + 1]]):
                    steps = self.attempt(actor.behavior, [], lambda a=actor: self.steps(a.behavior))
                actor = dataclasses.replace(actor, behavior=steps or ())
            out.append(actor)
        return out

    def steps(self, node: Tree) -> tuple[BehaviorStep, ...]:
        return tuple(self.step(step) for step in node.children if is_tree(step, "step"))

    def step(self, node: Tree) -> BehaviorStep:
        calls = [c for c in node.children if not (isinstance(c, Tree) and c.data in _CONDITIONS)]
        conditions = [c for c in node.children if isinstance(c, Tree) and c.data in _CONDITIONS]
        action = self.maneuver(calls[0], MANEUVERS, "maneuver")
        controller = self.maneuver(calls[1], CONTROLLERS, "controller") if len(calls) > 1 else None
        until = self.condition(conditions[0], live=True) if conditions else None
        return BehaviorStep(action, controller, until)

    def maneuver(self, node: Node, table: dict[str, dict[str, Arg]], what: str) -> Call:
        name, positional, kwargs = self.call(node, what)
        if name not in table:
            self.fail(name, unknown(what, name, table))
        signature = table[name]
        if positional:
            self.fail(positional[0], f"{name} takes named arguments like "
                                     f"{next(iter(signature), 'nothing')}: …" if signature else f"{name} takes no arguments")
        args = self.keywords(name, kwargs, signature)
        if missing := [k for k, a in signature.items() if a.required and k not in args]:
            self.fail(name, f"{name} needs {', '.join(repr(m) for m in missing)}")
        if name == "change_speed" and "rate" in args and "time" in args:
            self.fail(name, "change_speed takes either rate or time, not both")
        return Call(str(name), tuple((key, self.argument(value, signature[key], key, str(name)))
                                     for key, value in args.items()))

    def argument(self, node: Node, arg: Arg, key: str, call: str) -> Any:
        if arg.kind == "actor":
            return self.actor_name(node)
        if arg.kind == "name":
            if not is_tree(node, "ref") or node.children[0] not in arg.choices:
                self.fail(node, f"{key} is one of {', '.join(arg.choices)}, got {self.describe(node)}")
            return str(node.children[0])
        if arg.kind == "lane":
            return self.lane_target(node, key)
        if arg.kind == "points":
            return self.points(node, key)
        number = _number(self.value(node, arg.kind, key), arg.kind)
        if not isinstance(number.value, Expr) and (problem := out_of_bounds(call, key, arg, number.value)):
            self.fail(node, problem)              # a drawn value is checked when it is drawn (spec.validate)
        return number

    def lane_target(self, node: Node, key: str) -> Any:
        """A lane number, ``left``/``right`` (one lane over), or ``lane_of(ACTOR)``."""
        if is_tree(node, "ref") and node.children[0] in ("left", "right"):
            return str(node.children[0])
        if is_tree(node, "call") and node.children[0] == "lane_of":
            _, positional, kwargs = self.call(node, key)
            if kwargs or len(positional) != 1:
                self.fail(node, "lane_of takes one actor name: lane_of(ego)")
            return LaneOf(self.actor_name(positional[0]))
        if is_tree(node, "ref") and node.children[0] not in self.params:
            self.fail(node, f"{key} is a lane number, left, right or lane_of(ACTOR), got {self.describe(node)}")
        return _number(self.value(node, COUNT, key), COUNT)

    def points(self, node: Node, key: str) -> tuple:
        """``[(x, y), …]`` lengths in the road frame, at least two points."""
        if not is_tree(node, "list") or len(node.children) < 2:
            self.fail(node, f"{key} needs a list of at least two (x, y) points, got {self.describe(node)}")
        out = []
        for item in node.children:
            if not is_tree(item, "tuple") or len(item.children) != 2:
                self.fail(item, f"each point is (x, y) in metres, got {self.describe(item)}")
            out.append(tuple(_number(self.value(v, "length", key), "length") for v in item.children))
        return tuple(out)


def _number(value: float | int | Expr, dimension: str) -> Number:
    return Number(float(value) if not isinstance(value, Expr) else value, dimension)
