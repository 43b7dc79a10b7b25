"""``sample``: an unresolved ScenarioSpec → a concrete one, every value a plain float, int or str.

Order of draws (fixed, so a seed always gives the same spec): the params in declaration order,
then every field of the spec in dataclass field order, depth first (roads, environment, actors,
cameras …); inside one expression left operand before right, arguments left to right.
"""
from __future__ import annotations

import dataclasses
from statistics import NormalDist
from typing import Any

import numpy as np

from scenariosim.errors import ScenarioValidationError
from scenariosim.spec.scenario import ScenarioSpec
from scenariosim.spec.validate import locate, validate
from scenariosim.spec.values import BinOp, Choice, Const, Expr, Neg, Normal, ParamRef, Uniform

#: fields ``sample`` leaves alone
_SKIP = {"params", "locations", "source", "name"}
#: the smallest probability handed to NormalDist.inv_cdf (it rejects 0 and 1)
_TINY = 1e-300


def is_concrete(spec: Any) -> bool:
    """Whether ``spec`` (or any record or value) holds no unresolved value."""
    if isinstance(spec, Expr):
        return False
    if isinstance(spec, tuple):
        return all(is_concrete(v) for v in spec)
    if dataclasses.is_dataclass(spec) and not isinstance(spec, type):
        return all(is_concrete(getattr(spec, f.name)) for f in dataclasses.fields(spec) if f.name not in _SKIP)
    return True


def sample(spec: ScenarioSpec, seed: int | None = None) -> ScenarioSpec:
    """Draw every random value with ``numpy.random.default_rng(seed)`` (default: ``spec.seed``).

    Returns a validated concrete spec whose ``seed`` is the seed used and whose ``params`` are
    resolved away. Errors name the field path and, for specs from a file, its file:line:col.
    """
    seed = spec.seed if seed is None else int(seed)
    try:
        drawn = _Sampler(np.random.default_rng(seed))
        for param in spec.params:
            drawn.params[param.name] = drawn.value(param.value, f"params.{param.name}")
        concrete = dataclasses.replace(drawn.record(spec, ""), seed=seed, params=())
        return validate(concrete)
    except ScenarioValidationError as err:
        if err.location is not None or not spec.locations:
            raise
        raise type(err)(err.message, location=locate(spec.locations, err.field), field=err.field) from None


class _Sampler:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.params: dict[str, float | str] = {}

    def record(self, obj: Any, path: str) -> Any:
        if isinstance(obj, Expr):
            return self.value(obj, path)
        if isinstance(obj, tuple):
            return tuple(self.record(v, f"{path}[{i}]") for i, v in enumerate(obj))
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            changes = {}
            for f in dataclasses.fields(obj):
                if f.name in _SKIP:
                    continue
                old = getattr(obj, f.name)
                new = self.record(old, f"{path}.{f.name}" if path else f.name)
                if new is not old:
                    changes[f.name] = new
            return dataclasses.replace(obj, **changes) if changes else obj
        return obj

    def value(self, expr: Expr, path: str) -> float | str:
        """Evaluate ``expr``, drawing its random parts; a float in SI, or a str for a Choice."""
        if isinstance(expr, Const):
            return expr.value
        if isinstance(expr, ParamRef):
            return self.params[expr.name]
        if isinstance(expr, Neg):
            return -self.value(expr.operand, path)
        if isinstance(expr, BinOp):
            a, b = self.value(expr.left, path), self.value(expr.right, path)
            if expr.op == "/" and b == 0:
                raise ScenarioValidationError("division by zero", field=path)
            return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else 0.0}[expr.op]
        if isinstance(expr, Uniform):
            low, high = self.value(expr.low, path), self.value(expr.high, path)
            if low > high:
                raise ScenarioValidationError(f"uniform needs low <= high, got {low:g} and {high:g} "
                                              f"{expr.dimension.si}", field=path)
            return float(self.rng.uniform(low, high))
        if isinstance(expr, Normal):
            return self.normal(expr, path)
        if isinstance(expr, Choice):
            total = np.cumsum(expr.weights)
            index = int(np.searchsorted(total, self.rng.random() * total[-1], side="right"))
            return expr.options[min(index, len(expr.options) - 1)]
        raise TypeError(f"not a value: {expr!r}")

    def normal(self, expr: Normal, path: str) -> float:
        """A normal draw; with bounds, by inverting the CDF over [Φ(low), Φ(high)] (one uniform draw)."""
        mean, sd = self.value(expr.mean, path), self.value(expr.sd, path)
        low = None if expr.low is None else self.value(expr.low, path)
        high = None if expr.high is None else self.value(expr.high, path)
        if sd <= 0:
            raise ScenarioValidationError(f"normal needs a positive standard deviation, got {sd:g} "
                                          f"{expr.dimension.si}", field=path)
        if low is not None and high is not None and low >= high:
            raise ScenarioValidationError(f"normal needs min < max, got {low:g} and {high:g} {expr.dimension.si}",
                                          field=path)
        if low is None and high is None:
            return float(self.rng.normal(mean, sd))
        dist = NormalDist(mean, sd)
        p_low = dist.cdf(low) if low is not None else 0.0
        p_high = dist.cdf(high) if high is not None else 1.0
        p = min(max(p_low + (p_high - p_low) * self.rng.random(), _TINY), 1.0 - 1e-16)
        x = dist.inv_cdf(p)
        return float(min(max(x, -np.inf if low is None else low), np.inf if high is None else high))
