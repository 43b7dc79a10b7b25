"""Params and distributions: sample(spec, seed) draws every random value, reproducibly."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from scenariosim.dsl import load, loads
from scenariosim.errors import ScenarioValidationError, UnitError
from scenariosim.spec import is_concrete, sample

ROOT = Path(__file__).resolve().parents[1]

HEAD = """\
scenario r:
    seed: 5
    duration: 4 s
    timestep: 0.05 s
    road main = highway(length: 1 km, lanes: 3)
"""


def _actor(name="a", kind="car", s="100 m", speed="10 m/s", lane=1):
    return f"    actor {name}: {kind}\n        at: lane(main, {lane}), s {s}\n        speed: {speed}\n"


def _draws(text: str, n: int, get) -> np.ndarray:
    spec = loads(text)
    return np.array([get(sample(spec, seed)) for seed in range(n)])


def test_concrete_specs_sample_to_themselves():
    for path in (ROOT / "scenarios").glob("highway_basic.scn"):
        spec = load(path)
        assert is_concrete(spec) and sample(spec) == spec
        assert sample(spec, 9) == spec.__class__(**{**{f: getattr(spec, f) for f in spec.__dataclass_fields__},
                                                    "seed": 9})


def test_uniform_draws_lie_in_bounds_with_the_right_mean():
    speeds = _draws(HEAD + _actor(speed="uniform(10 m/s, 30 m/s)"), 800, lambda s: s.actors[0].speed)
    assert speeds.min() >= 10 and speeds.max() <= 30
    se = (20 / math.sqrt(12)) / math.sqrt(len(speeds))
    assert abs(speeds.mean() - 20) < 4 * se


def test_truncated_normal_never_leaves_its_bounds():
    text = HEAD + _actor(s="normal(100 m, 50 m, min: 90 m, max: 95 m)")
    s = _draws(text, 400, lambda spec: spec.actors[0].s)
    assert s.min() >= 90 and s.max() <= 95 and s.std() > 0.5
    # one-sided, deep in the tail
    s = _draws(HEAD + _actor(s="normal(100 m, 1 m, min: 110 m)"), 50, lambda spec: spec.actors[0].s)
    assert s.min() >= 110


def test_choice_frequencies_match_the_weights():
    kinds = _draws(HEAD + _actor(kind="choice(car: 3, truck: 1)"), 1000, lambda s: s.actors[0].kind)
    p, n = 0.75, len(kinds)
    assert abs((kinds == "car").mean() - p) < 4 * math.sqrt(p * (1 - p) / n)
    assert set(kinds) == {"car", "truck"}


def test_same_seed_same_spec_different_seeds_differ():
    spec = load(ROOT / "scenarios" / "highway_random.scn")
    assert not is_concrete(spec)
    assert sample(spec, 3) == sample(spec, 3)
    assert sample(spec, 3) != sample(spec, 4)
    assert sample(spec) == sample(spec, spec.seed) and is_concrete(sample(spec))
    assert sample(spec, 4).seed == 4 and sample(spec).params == ()


def test_a_param_used_twice_is_one_draw():
    text = HEAD + "    param v = uniform(5 m/s, 25 m/s)\n" + _actor("a", speed="v") + \
        _actor("b", speed="v * 2", lane=2) + _actor("c", speed="uniform(5 m/s, 25 m/s)", lane=3)
    for seed in range(20):
        a, b, c = sample(loads(text), seed).actors
        assert b.speed == pytest.approx(2 * a.speed)
        assert c.speed != a.speed


def test_params_reference_earlier_params_and_every_param_stays_replaceable():
    text = HEAD + "    param base = 100 m\n    param gap = base / 2 + uniform(0 m, 1 m)\n" + \
        _actor(s="base + gap")
    spec = loads(text)
    assert [p.name for p in spec.params] == ["base", "gap"]
    assert 150 <= sample(spec).actors[0].s <= 151
    assert 300 <= sample(spec, overrides={"base": 200.0}).actors[0].s <= 301   # the fixed one too
    assert sample(spec, overrides={"gap": 7.0}).actors[0].s == 107.0


def test_a_draw_out_of_range_is_redrawn_and_one_that_never_fits_is_reported_at_its_field():
    spec = loads(HEAD + _actor(s="uniform(900 m, 1100 m)"), "f.scn")
    assert all(sample(spec, seed).actors[0].s <= 1000 for seed in range(50))   # redrawn, never out of range
    spec = loads(HEAD + _actor(s="uniform(1100 m, 1200 m)"), "f.scn")
    with pytest.raises(ScenarioValidationError) as info:
        sample(spec, 1)
    assert str(info.value).startswith("f.scn:7:") and "is outside road 'main'" in str(info.value)
    assert "rejected 100 times" in str(info.value)


ERRORS = {
    "unknown param": ("    param gap = 5 m\n", "s gapp", ScenarioValidationError, "gapp",
                      "unknown param 'gapp' (did you mean 'gap'?)"),
    "forward reference": ("    param a = b\n    param b = 5 m\n", "s a", ScenarioValidationError, "b\n",
                          "param 'b' is used before its declaration on line 7"),
    "duplicate param": ("    param a = 5 m\n    param a = 6 m\n", "s a", ScenarioValidationError, "a = 6",
                        "param 'a' is declared twice (first on line 6)"),
    "uniform dimensions": ("", "s uniform(1 m, 2 s)", UnitError, "s)",
                           "uniform needs all arguments in one dimension, got a length (m) and a time (s)"),
    "normal bound dimension": ("", "s normal(5 m, 1 m, max: 3 s)", UnitError, "s)",
                               "normal needs all arguments in one dimension, got a length (m) and a time (s)"),
    "choice unknown kind": ("    param k = choice(car: 1, tank: 2)\n    actor b: k\n        at: lane(main, 1), s 1 m\n",
                            "s 1 m", ScenarioValidationError, "k\n",
                            "param 'k' offers 'tank', which is no actor kind (unknown actor kind 'tank' "
                            "(known: car, suv, van, truck, bus, motorcycle, bicycle, pedestrian, cone, barrier, "
                            "debris))"),
    "choice zero weight": ("    param k = choice(car: 1, truck: 0)\n", "s 1 m", ScenarioValidationError, "0)",
                           "a choice weight must be positive, got 0"),
    "choice negative weight": ("    param k = choice(car: -1, truck: 2)\n", "s 1 m", ScenarioValidationError,
                               "-1", "a choice weight must be positive, got -1"),
}


@pytest.mark.parametrize("case", ERRORS.values(), ids=ERRORS.keys())
def test_errors_are_located(case):
    params, s, error, token, message = case
    text = HEAD + params + _actor(s=s.removeprefix("s "))
    index = text.index(token, len(HEAD))
    line, col = text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)
    with pytest.raises(error) as info:
        loads(text, "f.scn")
    assert type(info.value) is error
    assert str(info.value) == f"f.scn:{line}:{col}: {message}"


def test_a_random_lane_must_be_whole_and_choice_is_only_a_name():
    spec = loads(HEAD + "    param n = integer(1, 3)\n" + _actor(lane="n"))
    assert {sample(spec, seed).actors[0].lane for seed in range(40)} == {1, 2, 3}
    assert all(type(sample(spec, seed).actors[0].lane) is int for seed in range(5))
    spec = loads(HEAD + "    param n = uniform(1, 3)\n" + _actor(lane="n"), "f.scn")
    with pytest.raises(ScenarioValidationError, match=r"^f.scn:8:24: lane needs a whole number"):
        sample(spec)
    with pytest.raises(ScenarioValidationError, match="choice.* picks a name"):
        loads(HEAD + _actor(speed="choice(car: 1)"))
    with pytest.raises(ScenarioValidationError, match="param 'k' is a choice of names, not a number"):
        loads(HEAD + "    param k = choice(car: 1)\n" + _actor(speed="k"))


def test_negative_labelled_values_and_subtraction_from_a_param_both_read_right():
    text = HEAD + "    param v = 20 m/s\n" + _actor(s="300 m - 100 m", speed="v - 5 m/s") + \
        "    environment:\n        sun: elevation -5 deg\n"
    spec = sample(loads(text))
    assert (spec.actors[0].s, spec.actors[0].speed) == (200.0, 15.0)
    assert spec.environment.sun.elevation == pytest.approx(math.radians(-5))


def test_parts_with_nothing_to_draw_come_back_as_the_same_objects():
    """What sweeps rely on (spec.tree): sampling keeps the parts it did not change, so facts remembered about
    them hold for every variant; the drawn parts are new in every variant."""
    spec = load(ROOT / "scenarios" / "bench_batched.scn")
    a, b = sample(spec, 1), sample(spec, 2)
    assert a.roads[0] is spec.roads[0] and a.environment is spec.environment
    assert a.actors[2].behavior is spec.actors[2].behavior         # "drive": nothing to draw
    assert a.actors[1].behavior is not spec.actors[1].behavior      # the cut-in draws its duration and rate
    assert a.actors[0].speed != b.actors[0].speed and is_concrete(a) and is_concrete(b)


def test_sampling_many_times_gives_each_seed_what_a_fresh_spec_gives():
    """Remembered facts never leak from one variant into another: the 60th seed of a much-sampled spec equals
    the same seed drawn from a newly loaded one."""
    path = ROOT / "scenarios" / "bench_batched.scn"
    spec = load(path)
    for seed in range(60):
        last = sample(spec, seed)
    assert last == sample(load(path), 59)


def test_a_non_finite_number_is_found_in_a_record_built_like_a_checked_one():
    """validate remembers finite subtrees by identity: an equal-looking record holding inf is still caught."""
    import dataclasses
    spec = sample(loads(HEAD + _actor()))
    actor = spec.actors[0]
    bad = dataclasses.replace(spec, actors=(dataclasses.replace(actor, d=math.inf),))
    with pytest.raises(ScenarioValidationError, match=r"actors\[0\]\.d must be a finite number"):
        sample(bad)


def test_identity_memo_remembers_per_object_and_forgets_past_its_limit():
    from scenariosim.spec.tree import IdentityMemo
    calls = []
    memo = IdentityMemo(lambda obj: calls.append(obj) or len(calls), limit=2)
    a, b = (1.0, 2.0), tuple([1.0, 2.0])                           # equal, but two objects
    assert a == b and a is not b
    assert memo(a) == 1 and memo(a) == 1 and memo(b) == 2           # the second call on a is remembered
    assert memo(3.5) == 3 and memo(3.5) == 4                        # plain values are never remembered
    memo((0.0,))                                                    # a third tuple: past the limit, start afresh
    assert memo(a) == 6
