"""``sample``: an unresolved ScenarioSpec → a concrete one, every value a plain float, int or str.

Order of draws (fixed, so a seed always gives the same spec): the params in declaration order,
then every field of the spec in dataclass field order, depth first (roads, environment, actors,
cameras …); inside one expression left operand before right, arguments left to right.

A draw that breaks a range check (``validate``) or a ``require`` is rejected and drawn again from
the same generator, up to ``spec.max_attempts`` times; then ``sample`` fails and says which check
rejected how often. ``overrides`` replace params (``--set``, sweep axes); ``unit`` gives params whose
value is one distribution a coordinate in [0, 1) to use instead of a random draw on the first
attempt (quasi-Monte Carlo sweeps).
"""
from __future__ import annotations

import dataclasses
import difflib
import math
import operator
from collections import Counter
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
from scipy.special import ndtri
from scipy.stats import truncnorm

from scenariosim.errors import ScenarioValidationError, SourceLocation
from scenariosim.spec.behavior import AllOf, AnyOf, Compare, Negation, Number
from scenariosim.spec.catalogue import ACTOR_KINDS
from scenariosim.spec.scenario import ScenarioSpec, SunSpec
from scenariosim.spec.sun import sun_position
from scenariosim.spec.tree import IdentityMemo, fields, is_record, replace
from scenariosim.spec.validate import locate, validate
from scenariosim.spec.values import (Attr, BinOp, Choice, Const, Expr, Integer, LaneOffset, Neg, Normal, Param,
                                     ParamRef, Uniform)

#: fields ``sample`` leaves alone
_SKIP = {"params", "locations", "source", "name", "requires"}
#: the smallest probability handed to NormalDist.inv_cdf (it rejects 0 and 1)
_TINY = 1e-300
_COMPARE = {"<": float.__lt__, "<=": float.__le__, ">": float.__gt__, ">=": float.__ge__,
            "==": float.__eq__, "!=": float.__ne__}
_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
#: actor attributes taken from the box size, by index
_SIZE_ATTRS = {"length": 0, "width": 1, "height": 2}


class SampleStats(NamedTuple):
    attempts: int                        # draws made, the accepted one included
    rejections: dict[str, int]           # rejecting check ("file:line:col: latest message") → times
    params: dict[str, Any] = {}          # each param's drawn value (SI number or name), in declaration order


def is_concrete(spec: Any) -> bool:
    """Whether ``spec`` (or any record or value) holds no unresolved value."""
    return _concrete(spec)


def _is_concrete(spec: Any) -> bool:
    if isinstance(spec, Expr):
        return False
    if isinstance(spec, tuple):
        return all(is_concrete(v) for v in spec)
    if is_record(spec):
        return all(is_concrete(getattr(spec, f.name)) for f in fields(spec) if f.name not in _SKIP)
    return True


_concrete = IdentityMemo(_is_concrete)


def _is_unchanged(obj: Any) -> bool:
    """Whether _Sampler.record returns ``obj`` itself: nothing in it to draw or compute, no whole number
    held as a float, no time of day to place the sun for."""
    if isinstance(obj, Expr):
        return False
    if isinstance(obj, tuple):
        return all(not isinstance(v, (Expr, tuple)) and not is_record(v) or _unchanged(v) for v in obj)
    if not is_record(obj):
        return True
    if hasattr(obj, "time_of_day"):
        return False
    for f in fields(obj):
        if f.name not in _SKIP:
            value = getattr(obj, f.name)
            if f.dimension == "count" and isinstance(value, float):
                return False
            if (isinstance(value, (Expr, tuple)) or is_record(value)) and not _unchanged(value):
                return False
    return True


#: _is_unchanged, remembered per subtree: a loaded spec sampled again and again is walked once
_unchanged = IdentityMemo(_is_unchanged)


def sample(spec: ScenarioSpec, seed: int | None = None, *, overrides: Mapping[str, Any] | None = None,
           unit: Mapping[str, float] | None = None) -> ScenarioSpec:
    """Draw every random value with ``numpy.random.default_rng(seed)`` (default: ``spec.seed``).

    Returns a validated concrete spec whose ``seed`` is the seed used, with ``params`` and ``requires``
    resolved away. Errors name the field path and, for specs from a file, its file:line:col.
    """
    return sample_with_stats(spec, seed, overrides=overrides, unit=unit)[0]


def sample_with_stats(spec: ScenarioSpec, seed: int | None = None, *, overrides: Mapping[str, Any] | None = None,
                      unit: Mapping[str, float] | None = None) -> tuple[ScenarioSpec, SampleStats]:
    """``sample``, and how many draws it took and what rejected the others."""
    seed = spec.seed if seed is None else seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
        raise ScenarioValidationError(f"a seed is a whole number in 0..2**63-1, got {seed!r}", field="seed")
    seed = int(seed)
    params = _override(spec.params, overrides or {})
    random = _draws(params) or _draws(spec)      # without any, a failed check fails the same way every time
    rng = np.random.default_rng(seed)
    rejections: Counter[str] = Counter()      # where the check is → times it rejected a draw
    messages: dict[str, str] = {}             # where → the latest rejection's message
    where: dict[str, SourceLocation | None] = {}
    for attempt in range(max(1, spec.max_attempts)):
        try:
            drawn = _Sampler(rng, unit if attempt == 0 else None)
            for param in params:
                drawn.params[param.name] = drawn.value(param.value, f"params.{param.name}", top=param.name)
            concrete = dataclasses.replace(drawn.record(spec, ""), seed=seed, params=(), requires=())
        except ScenarioValidationError as err:       # a definition that cannot be drawn: no retry helps
            raise _located(err, spec) from None
        try:
            validate(concrete)
        except ScenarioValidationError as err:
            err = _located(err, spec)
            if not random:
                raise err from None
            key = str(err.location) if err.location else err.field or "spec"
            rejections[key] += 1
            messages[key], where[key] = err.message, err.location
            continue
        failed = [i for i, r in enumerate(spec.requires) if not drawn.holds(r.condition, "requires")]
        if failed and not random:
            raise ScenarioValidationError(f"require {spec.requires[failed[0]].text} never holds: nothing in the "
                                          f"scenario is random", location=locate(spec.locations,
                                                                                 f"requires[{failed[0]}]"))
        if not failed:
            values = {p.name: _plain(drawn.params[p.name]) for p in params}
            return concrete, SampleStats(attempt + 1, {f"{k}: {messages[k]}": n for k, n in rejections.items()}, values)
        for i in failed:
            location = locate(spec.locations, f"requires[{i}]")
            key = str(location) if location else f"requires[{i}]"
            rejections[key] += 1
            messages[key], where[key] = f"require {spec.requires[i].text}", location
    worst = rejections.most_common(1)[0][0]
    summary = "; ".join(f"{messages[k]} ({k}) rejected {n} time{'s' * (n != 1)}" for k, n in rejections.most_common())
    raise ScenarioValidationError(f"no draw met every check in {spec.max_attempts} attempts with seed {seed}: "
                                  f"{summary}", location=where[worst])


def _plain(value: Any) -> Any:
    """A drawn param value as plain JSON: float, int, str or a list of them."""
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return str(value)


def _located(err: ScenarioValidationError, spec: ScenarioSpec) -> ScenarioValidationError:
    if err.location is not None or not spec.locations:
        return err
    return type(err)(err.message, location=locate(spec.locations, err.field), field=err.field)


def _override(params: tuple[Param, ...], overrides: Mapping[str, Any]) -> tuple[Param, ...]:
    """``params`` with the values in ``overrides`` (name → SI float, name, or Expr) put in."""
    known = {p.name: p for p in params}
    for name in overrides:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (params: {', '.join(known) or 'none'})"
            raise ScenarioValidationError(f"cannot set '{name}': the scenario has no such param{hint}",
                                          field=f"params.{name}")
    return tuple(dataclasses.replace(p, value=_as_expr(overrides[p.name], p.value)) if p.name in overrides else p
                 for p in params)


def _as_expr(value: Any, old: Expr) -> Expr:
    """An override as a value record: an Expr as it is, a name as a one-option choice, a number as a Const."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, str):
        return Choice((value,), (1.0,))
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ScenarioValidationError(f"an override is a number, a name or a value record, got {value!r}")
    return Const(float(value), old.dimension)


def _draws_any(obj: Any) -> bool:
    if isinstance(obj, (Uniform, Normal, Integer)):
        return True
    if isinstance(obj, Choice):
        return len(obj.options) > 1
    if isinstance(obj, tuple):
        return any(_draws(v) for v in obj)
    if is_record(obj):
        return any(_draws(getattr(obj, f.name)) for f in fields(obj) if f.name != "locations")
    return False


def _record_plan(obj: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """How _Sampler.record treats record ``obj``: (the fields to walk, in order; {name: value} of the
    fields it keeps as they are). A spec's roads and actors are always walked: their fields are kept."""
    visit, plain = [], {}
    for f in fields(obj):
        if f.name in _SKIP:
            continue
        value = getattr(obj, f.name)
        if f.name in ("roads", "actors") or (f.dimension == "count" and isinstance(value, float)) or \
                ((isinstance(value, (Expr, tuple)) or is_record(value)) and not _unchanged(value)):
            visit.append(f)
        else:
            plain[f.name] = value
    return tuple(visit), plain


_plan = IdentityMemo(_record_plan)

#: whether ``obj`` (a spec, record, tuple or value) holds a distribution that draws a random number
_draws = IdentityMemo(_draws_any)


class _Sampler:
    def __init__(self, rng: np.random.Generator, unit: Mapping[str, float] | None) -> None:
        self.rng = rng
        self.unit = unit or {}
        self.params: dict[str, float | str] = {}
        self.objects: dict[str, dict[str, Any]] = {}   # road/actor name → its fields sampled so far

    def uniform01(self, top: str | None) -> float:
        """A uniform draw in [0, 1): the param's qmc coordinate when one is given, else the generator's."""
        if top is not None and top in self.unit:
            return min(max(float(self.unit[top]), 0.0), math.nextafter(1.0, 0.0))
        return float(self.rng.random())

    def record(self, obj: Any, path: str) -> Any:
        """``obj`` with every value drawn; parts with nothing to draw come back as the same objects. The
        fields of each road and actor are kept (self.objects) for later references to them."""
        if isinstance(obj, Expr):
            return self.value(obj, path)
        if isinstance(obj, tuple):
            if path not in ("roads", "actors") and _unchanged(obj):
                return obj
            return tuple(self.record(v, f"{path}[{i}]") for i, v in enumerate(obj))
        if not is_record(obj):
            return obj
        name = getattr(obj, "name", None)
        owner = isinstance(name, str) and path.startswith(("roads[", "actors[")) and path.endswith("]")
        if not owner and path and _unchanged(obj):          # (the spec itself is walked: roads and actors are kept)
            return obj
        kept = self.objects.setdefault(name, {}) if owner else {}
        visit, plain = _plan(obj)
        kept.update(plain)
        changes = {}
        for f in visit:
            old = getattr(obj, f.name)
            new = self.record(old, f"{path}.{f.name}" if path else f.name)
            if f.dimension == "count" and isinstance(new, float):
                if not new.is_integer():
                    raise ScenarioValidationError(f"{f.name} needs a whole number, got {new:g}",
                                                  field=f"{path}.{f.name}" if path else f.name)
                new = int(new)
            kept[f.name] = new
            if new is not old:
                changes[f.name] = new
        if isinstance(obj, Number) and obj.dimension == "count" and "value" in changes \
                and not float(changes["value"]).is_integer():
            raise ScenarioValidationError(f"needs a whole number, got {changes['value']:g}", field=path)
        if hasattr(obj, "time_of_day") and kept.get("time_of_day") is not None:
            elevation, azimuth = sun_position(kept["time_of_day"], kept["latitude"], kept["day_of_year"])
            changes["sun"] = SunSpec(elevation=elevation, azimuth=azimuth)
        return replace(obj, changes) if changes else obj

    def attribute(self, expr: Attr, path: str) -> float:
        known = self.objects.get(expr.owner)
        if known is None:
            raise ScenarioValidationError(f"'{expr.owner}' has no value yet: refer to roads and earlier actors",
                                          field=path)
        if expr.attr in _SIZE_ATTRS and "kind" in known:
            size = known.get("size") or ACTOR_KINDS[known["kind"]].size
            return float(size[_SIZE_ATTRS[expr.attr]])
        if expr.attr not in known:
            raise ScenarioValidationError(f"'{expr.owner}.{expr.attr}' has no value yet", field=path)
        return float(known[expr.attr])

    def value(self, expr: Expr, path: str, top: str | None = None) -> float | str:
        """Evaluate ``expr``, drawing its random parts; a float in SI, or a str for a Choice.

        ``top`` names the param whose whole value ``expr`` is (its qmc coordinate applies)."""
        if isinstance(expr, Const):
            return expr.value
        if isinstance(expr, ParamRef):
            return self.params[expr.name]
        if isinstance(expr, Attr):
            return self.attribute(expr, path)
        if isinstance(expr, Neg):
            return -self.value(expr.operand, path)
        if isinstance(expr, BinOp):
            a, b = self.value(expr.left, path), self.value(expr.right, path)
            if expr.op == "/" and b == 0:
                raise ScenarioValidationError("division by zero", field=path)
            return _ARITHMETIC[expr.op](a, b)
        if isinstance(expr, Uniform):
            low, high = self.value(expr.low, path), self.value(expr.high, path)
            if low > high:
                raise ScenarioValidationError(f"uniform needs low <= high, got {low:g} and {high:g} "
                                              f"{expr.dimension.si}", field=path)
            return low + (high - low) * self.uniform01(top)
        if isinstance(expr, LaneOffset):
            lane, lanes = self.value(expr.lane, path), self.value(expr.lanes, path)
            return lane + lanes if lane > 0 else lane - lanes
        if isinstance(expr, Integer):
            low, high = self.value(expr.low, path), self.value(expr.high, path)
            if not (low.is_integer() and high.is_integer() and low <= high):
                raise ScenarioValidationError(f"integer needs whole numbers low <= high, got {low:g} and {high:g}",
                                              field=path)
            return float(min(low + math.floor(self.uniform01(top) * (high - low + 1)), high))
        if isinstance(expr, Normal):
            return self.normal(expr, path, top)
        if isinstance(expr, Choice):
            if len(expr.options) == 1:          # no randomness, so no draw (--set of a choice param)
                return expr.options[0]
            total = np.cumsum(expr.weights)
            index = int(np.searchsorted(total, self.uniform01(top) * total[-1], side="right"))
            return expr.options[min(index, len(expr.options) - 1)]
        raise TypeError(f"not a value: {expr!r}")

    def normal(self, expr: Normal, path: str, top: str | None) -> float:
        """A normal draw by inverting the (truncated) CDF at one uniform number; bounds optional."""
        mean, sd = self.value(expr.mean, path), self.value(expr.sd, path)
        low = None if expr.low is None else self.value(expr.low, path)
        high = None if expr.high is None else self.value(expr.high, path)
        if sd <= 0:
            raise ScenarioValidationError(f"normal needs a positive standard deviation, got {sd:g} "
                                          f"{expr.dimension.si}", field=path)
        if low is not None and high is not None and low >= high:
            raise ScenarioValidationError(f"normal needs min < max, got {low:g} and {high:g} {expr.dimension.si}",
                                          field=path)
        u = self.uniform01(top)
        if low is None and high is None:
            return float(mean + sd * ndtri(min(max(u, _TINY), 1.0 - 1e-16)))
        a = -np.inf if low is None else (low - mean) / sd
        b = np.inf if high is None else (high - mean) / sd
        x = mean + sd * float(truncnorm.ppf(u, a, b))      # accurate far in the tails, unlike 1 − Φ
        return float(min(max(x, -np.inf if low is None else low), np.inf if high is None else high))

    def holds(self, condition: Any, path: str) -> bool:
        """Evaluate a requirement over sampled values."""
        if isinstance(condition, AllOf):
            return all(self.holds(c, path) for c in condition.conditions)
        if isinstance(condition, AnyOf):
            return any(self.holds(c, path) for c in condition.conditions)
        if isinstance(condition, Negation):
            return not self.holds(condition.condition, path)
        if isinstance(condition, Compare):
            left, right = (float(self.value(v, path)) for v in (condition.left, condition.right))
            return _COMPARE[condition.op](left, right)
        raise TypeError(f"not a condition: {condition!r}")
