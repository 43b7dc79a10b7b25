"""Compiling ``sweep NAME of SCENARIO:`` blocks into SweepSpecs.

Axis values are fixed: a list ``[30 m, 60 m]``, a range ``range(10 m, 40 m, step: 10 m)`` (both ends
included: 10, 20, 30, 40 m; the end is included when it lies on the step within 1e-9 of a step) or
``range(0 %, 100 %, count: 5)`` (count evenly spaced values, both ends included), or one value.
A choice param sweeps over names (actor kinds, colours) of the same catalogue as its options.
"""
from __future__ import annotations

import math

from lark import Tree

from scenariosim.dsl.expressions import ExpressionCompiler, Node, ParamInfo, is_tree, param_infos
from scenariosim.errors import unknown
from scenariosim.spec import MAX_SWEEP_RUNS, SWEEP_MODES, SWEEP_SAMPLERS, ScenarioSpec, SweepAxis, SweepSpec
from scenariosim.spec.catalogue import ACTOR_KINDS, COLORS


class SweepCompiler(ExpressionCompiler):
    def sweep(self, node: Tree, scenarios: dict[str, ScenarioSpec]) -> SweepSpec:
        name, target, *statements = node.children
        if target not in scenarios:
            self.fail(target, unknown("scenario", target, scenarios))
        scenario = scenarios[target]
        self.params = param_infos(scenario.params)
        settings: dict = {"name": str(name), "scenario": scenario, "seed": scenario.seed}
        seen: set[str] = set()
        for statement in statements:
            key = statement.children[0]
            if key in seen or (key in SWEEP_MODES and "mode" in settings):
                self.fail(key, f"'{key}' is given twice" if key in seen else "a sweep has one grid or one zip")
            seen.add(str(key))
            if key in SWEEP_MODES:
                if statement.data != "section":
                    self.fail(key, f"{key} is a block: one 'param: values' line per axis below '{key}:'")
                settings["mode"] = str(key)
                settings["axes"] = tuple(self.axis(field) for field in statement.children[1:])
                if len({a.param for a in settings["axes"]}) != len(settings["axes"]):
                    self.fail(key, "a param is swept twice")
            elif key in ("samples", "seed"):
                settings[str(key)] = self.whole(statement, minimum=1 if key == "samples" else 0)
            elif key == "sampler":
                value = self.single(statement)
                if not is_tree(value, "ref") or value.children[0] not in SWEEP_SAMPLERS:
                    word = value.children[0] if is_tree(value, "ref") else str(self.describe(value))
                    self.fail(value, unknown("sampler", word, SWEEP_SAMPLERS))
                settings["sampler"] = str(value.children[0])
            else:
                self.fail(key, unknown("sweep field", key, ("grid", "zip", "samples", "sampler", "seed")))
        sweep = SweepSpec(**settings)
        if sweep.mode == "zip" and len({len(a.values) for a in sweep.axes}) > 1:
            self.fail(name, "zip needs axes of equal length, got "
                      + ", ".join(f"{a.param}: {len(a.values)}" for a in sweep.axes))
        runs = sweep.cells * sweep.samples
        if runs > MAX_SWEEP_RUNS:
            self.fail(name, f"sweep '{name}' has {runs:,} runs, more than the {MAX_SWEEP_RUNS:,} allowed")
        return sweep

    def single(self, statement: Tree) -> Node:
        if statement.data == "section" or len(statement.children) != 2 or is_tree(statement.children[1], "named"):
            self.fail(statement.children[0], f"{statement.children[0]} takes one value")
        return statement.children[1]

    def whole(self, statement: Tree, minimum: int) -> int:
        value = self.single(statement)
        if not is_tree(value, "number") or not str(value.children[0]).isdigit():
            self.fail(value, f"{statement.children[0]} needs a whole number, got {self.describe(value)}")
        number = int(value.children[0]) if len(str(value.children[0])) <= 19 else 2 ** 63
        if not minimum <= number < 2 ** 63:
            self.fail(value, f"{statement.children[0]} must be in {minimum}..2**63-1")
        return number

    def axis(self, field: Tree) -> SweepAxis:
        param = field.children[0]
        if field.data == "section":
            self.fail(param, "an axis is one line: 'param: [values]' or 'param: range(…)'")
        if param not in self.params:
            self.fail(param, unknown("param", param, self.params))
        info = self.params[param]
        node = self.single(field)
        if info.dimension is None:
            return SweepAxis(param=str(param), values=self.names(node, info))
        items = node.children if is_tree(node, "list") else None
        if is_tree(node, "call") and node.children[0] == "range":
            values = self.range(node, info)
        else:
            values = tuple(self.fixed(item, info) for item in (items if items is not None else [node]))
        if not values:
            self.fail(node, "an axis needs at least one value")
        first = items[0] if items else node.children[1] if is_tree(node, "call") else node
        unit = "clock" if is_tree(first, "clock") else self.quantity(first, "sweep").unit
        return SweepAxis(param=str(param), values=values, dimension=info.dimension, unit=unit)

    def fixed(self, node: Node, info: ParamInfo) -> float:
        q = self.quantity(node, "a sweep value")
        if q.fixed and not math.isfinite(q.value):
            self.fail(node, "sweep values must be finite numbers")
        if q.dimension != info.dimension:
            self.fail(node, f"this axis needs {info.dimension.noun}, got {q.described()}")
        if not q.fixed:
            self.fail(node, "sweep values are fixed numbers: sample a distribution with 'samples' instead")
        return q.value

    def range(self, node: Tree, info: ParamInfo) -> tuple[float, ...]:
        name, positional, kwargs = self.call(node, "range")
        extra = self.keywords(name, kwargs, ("step", "count"))
        if len(positional) != 2 or len(extra) != 1:
            self.fail(name, "range takes START, END and one of step: or count: — range(10 m, 40 m, step: 10 m)")
        start, end = (self.fixed(p, info) for p in positional)
        if "count" in extra:
            q = self.quantity(extra["count"], "count")
            if not (q.fixed and q.dimension.dimensionless and q.value.is_integer() and q.value >= 1):
                self.fail(extra["count"], "count needs a whole number of at least 1")
            n = int(q.value)
            self.cap(n, node)
            return (start,) if n == 1 else tuple(start + (end - start) * k / (n - 1) for k in range(n))
        step = self.fixed(extra["step"], info)
        if step <= 0:
            self.fail(extra["step"], "step must be positive")
        if end < start:
            self.fail(node, "range needs START <= END")
        steps = (end - start) / step
        if not steps < MAX_SWEEP_RUNS:
            self.fail(node, f"range has more than the {MAX_SWEEP_RUNS:,} values a sweep may have")
        n = math.floor(steps + 1e-9) + 1
        return tuple(start + k * step for k in range(n))

    def cap(self, n: int, node: Node) -> None:
        if n > MAX_SWEEP_RUNS:
            self.fail(node, f"range has {n:,} values, more than the {MAX_SWEEP_RUNS:,} runs a sweep may have")

    def names(self, node: Node, info: ParamInfo) -> tuple[str, ...]:
        known = next((table for table in (ACTOR_KINDS, COLORS) if all(o in table for o in info.options)),
                     info.options)
        items = node.children if is_tree(node, "list") else [node]
        out = []
        for item in items:
            if not is_tree(item, "ref"):
                self.fail(item, f"this axis takes names like {info.options[0]}, got {self.describe(item)}")
            if item.children[0] not in known:
                self.fail(item, unknown("name", item.children[0], known))
            out.append(str(item.children[0]))
        if not out:
            self.fail(node, "an axis needs at least one value")
        return tuple(out)

