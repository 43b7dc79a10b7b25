"""sweep.plan: a SweepSpec → cells, seeds and qmc unit points, in a fixed order."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from scenariosim.errors import ScenarioValidationError
from scenariosim.spec.scenario import ScenarioSpec
from scenariosim.spec.sweep import MAX_SWEEP_RUNS, SweepAxis, SweepSpec
from scenariosim.spec.values import Choice, Const, Normal, Param, Uniform
from scenariosim.sweep import plan
from scenariosim.sweep.plan import Run, cells, count, expand, random_params, run_seed
from scenariosim.units import DIMENSIONS

LENGTH = DIMENSIONS["length"]


def _c(x: float) -> Const:
    return Const(x, LENGTH)


#: a: uniform, f: fixed, n: normal, k: choice, g: fixed — three random params (a, n, k)
SCENARIO = ScenarioSpec(name="s", params=(
    Param("a", Uniform(_c(0.0), _c(1.0), LENGTH)),
    Param("f", _c(200.0)),
    Param("n", Normal(_c(5.0), _c(1.0), None, None, LENGTH)),
    Param("k", Choice(("car", "truck"), (1.0, 1.0))),
    Param("g", _c(3.0)),
))


def _sweep(axes=(), **kw) -> SweepSpec:
    return SweepSpec(name="w", scenario=SCENARIO, axes=tuple(axes), **kw)


def _axis(param: str, *values) -> SweepAxis:
    return SweepAxis(param=param, values=values, dimension=None if isinstance(values[0], str) else LENGTH)


def _error(sweep: SweepSpec) -> ScenarioValidationError:
    with pytest.raises(ScenarioValidationError) as info:
        expand(sweep)
    return info.value


def test_grid_is_itertools_product_first_axis_slowest():
    axes = [_axis("f", 1.0, 2.0, 3.0), _axis("k", "car", "truck"), _axis("g", 10, 20)]
    sweep = _sweep(axes, samples=2)
    expected = [tuple(zip(("f", "k", "g"), combo)) for combo in itertools.product(*(a.values for a in axes))]
    assert cells(sweep) == expected and len(expected) == 12
    runs = expand(sweep)
    assert count(sweep) == len(runs) == 24
    assert [r.index for r in runs] == list(range(24))
    assert [(r.cell, r.sample) for r in runs] == [(c, k) for c in range(12) for k in range(2)]
    assert all(r.point == expected[r.cell] for r in runs)
    assert all(isinstance(v, float) for r in runs for name, v in r.point if name == "g")   # ints become floats


def test_zip_pairs_the_ith_values():
    sweep = _sweep([_axis("f", 1.0, 2.0, 3.0), _axis("k", "car", "truck", "car")], mode="zip", samples=3)
    assert cells(sweep) == [(("f", 1.0), ("k", "car")), (("f", 2.0), ("k", "truck")), (("f", 3.0), ("k", "car"))]
    assert count(sweep) == len(expand(sweep)) == 9


@pytest.mark.parametrize("mode", ["grid", "zip"])
def test_no_axes_is_one_cell_with_an_empty_point(mode):
    sweep = _sweep(mode=mode, samples=4)
    assert cells(sweep) == [()]
    assert [(r.index, r.cell, r.sample, r.point) for r in expand(sweep)] == [(k, 0, k, ()) for k in range(4)]


def test_zip_of_unequal_axes_names_both():
    err = _error(_sweep([_axis("f", 1.0, 2.0, 3.0), _axis("g", 1.0, 2.0)], mode="zip"))
    assert err.field == "axes[1]"
    assert "'f' has 3" in err.message and "'g' has 2" in err.message


def test_seeds_are_common_across_cells_and_distinct_across_samples():
    sweep = _sweep([_axis("f", 1.0, 2.0, 3.0), _axis("g", 5.0, 6.0)], samples=50, seed=7)
    runs = expand(sweep)
    by_sample: dict[int, set[int]] = {}
    for r in runs:
        by_sample.setdefault(r.sample, set()).add(r.seed)
        assert 0 <= r.seed < 2**63 and r.seed == run_seed(7, r.sample)
    assert all(len(seeds) == 1 for seeds in by_sample.values())
    assert len({next(iter(s)) for s in by_sample.values()}) == 50
    # the root seed matters, and the derivation is the documented SeedSequence one
    assert runs[0].seed != expand(_sweep(samples=1, seed=8))[0].seed
    words = np.random.SeedSequence(entropy=7, spawn_key=(3,)).generate_state(2, np.uint32)
    assert run_seed(7, 3) == (int(words[0]) | int(words[1]) << 32) & (2**63 - 1)


@pytest.mark.parametrize("sampler", ["random", "sobol", "halton", "lhs"])
def test_expand_is_reproducible(sampler):
    sweep = _sweep([_axis("f", 1.0, 2.0)], samples=5, sampler=sampler, seed=11)
    assert expand(sweep) == expand(sweep)


def test_random_params_are_the_unfixed_unswept_ones_in_declaration_order():
    assert random_params(_sweep()) == ["a", "n", "k"]
    assert random_params(_sweep([_axis("n", 1.0), _axis("f", 2.0)])) == ["a", "k"]


def test_random_sampler_has_no_unit_points():
    assert all(r.unit == () for r in expand(_sweep(samples=3)))


@pytest.mark.parametrize("sampler", ["sobol", "halton", "lhs"])
def test_qmc_units_lie_in_the_unit_cube_and_are_common_across_cells(sampler):
    sweep = _sweep([_axis("f", 1.0, 2.0, 3.0), _axis("a", 0.5)], samples=13, sampler=sampler, seed=3)
    runs = expand(sweep)
    for r in runs:
        assert [name for name, _ in r.unit] == ["n", "k"]                    # 'a' is swept
        assert all(0.0 <= u < 1.0 for _, u in r.unit)
        assert r.unit == runs[r.sample].unit                                  # same point in every cell
    assert len({r.unit for r in runs}) == 13                                  # one point per sample
    # a different root seed scrambles differently
    other = expand(SweepSpec(name="w", scenario=SCENARIO, axes=sweep.axes, samples=13, sampler=sampler, seed=4))
    assert [r.unit for r in other] != [r.unit for r in runs]


@pytest.mark.parametrize("sampler", ["sobol", "halton", "lhs"])
def test_qmc_without_random_params_has_no_unit_points(sampler):
    sweep = _sweep([_axis("a", 0.1), _axis("n", 0.2), _axis("k", "car")], samples=4, sampler=sampler)
    assert random_params(sweep) == [] and all(r.unit == () for r in expand(sweep))


def _units(sweep: SweepSpec) -> np.ndarray:
    runs = expand(sweep)
    return np.array([[u for _, u in r.unit] for r in runs[:sweep.samples]])


@pytest.mark.parametrize("n", [1, 7, 50])
def test_lhs_hits_every_stratum_once_per_dimension(n):
    u = _units(_sweep(samples=n, sampler="lhs", seed=5))
    assert u.shape == (n, 3)
    for column in u.T:
        assert sorted(np.floor(column * n).astype(int)) == list(range(n))


@pytest.mark.parametrize("k", [1, 3, 6])
def test_sobol_power_of_two_is_balanced_per_dimension(k):
    n = 2**k
    u = _units(_sweep(samples=n, sampler="sobol", seed=9))
    assert u.shape == (n, 3)
    for column in u.T:
        assert np.count_nonzero(column < 0.5) == n // 2
        # finer: each of the n elementary intervals [i/n, (i+1)/n) holds exactly one point
        assert sorted(np.floor(column * n).astype(int)) == list(range(n))


def test_sobol_non_power_of_two_draws_without_warning(recwarn):
    u = _units(_sweep(samples=10, sampler="sobol"))
    assert u.shape == (10, 3)
    assert not [w for w in recwarn if "balance" in str(w.message)]


def test_huge_grid_errors_on_the_count_before_building(monkeypatch):
    # 6 axes × 1000 values = 10^18 runs: only a check made before building anything can answer at all
    spec = ScenarioSpec(name="s", params=tuple(Param(f"p{i}", _c(float(i))) for i in range(6)))
    axes = tuple(SweepAxis(param=f"p{i}", values=tuple(range(1000))) for i in range(6))
    sweep = SweepSpec(name="w", scenario=spec, axes=axes)
    assert count(sweep) == 10**18

    def build(_):  # without a cap check this would run out of memory instead of failing
        raise AssertionError("cells built before the size check")
    monkeypatch.setattr(plan, "_cells", build)
    err = _error(sweep)
    assert err.field == "axes"
    assert f"{10**18:,} runs" in err.message and f"{MAX_SWEEP_RUNS:,}" in err.message
    with pytest.raises(ScenarioValidationError):
        cells(sweep)


def test_the_cap_itself_is_allowed_and_one_more_is_not():
    at_cap = _sweep([_axis("f", 1.0, 2.0)], samples=MAX_SWEEP_RUNS // 2)
    assert count(at_cap) == MAX_SWEEP_RUNS
    over = _sweep([_axis("f", 1.0, 2.0)], samples=MAX_SWEEP_RUNS // 2 + 1)
    assert _error(over).field == "samples"


def test_unknown_sampler_and_mode_suggest_the_close_name():
    err = _error(_sweep(sampler="sobl"))
    assert err.field == "sampler" and "did you mean 'sobol'?" in err.message
    err = _error(_sweep(mode="gird"))
    assert err.field == "mode" and "did you mean 'grid'?" in err.message


@pytest.mark.parametrize(("sweep", "field", "words"), [
    (_sweep(samples=0), "samples", ">= 1"),
    (_sweep(seed=-1), "seed", ">= 0"),
    (_sweep([_axis("f", 1.0), _axis("spd", 2.0)]), "axes[1].param", "unknown param 'spd'"),
    (_sweep([_axis("f", 1.0), _axis("g", 1.0), _axis("f", 2.0)]), "axes[2].param", "axes[0]"),
    (_sweep([SweepAxis(param="f", values=())]), "axes[0].values", "no values"),
])
def test_invalid_sweeps_name_the_field(sweep, field, words):
    err = _error(sweep)
    assert err.field == field and words in err.message
    with pytest.raises(ScenarioValidationError):
        count(sweep)


def test_run_records_are_frozen():
    run = expand(_sweep())[0]
    assert isinstance(run, Run)
    with pytest.raises(AttributeError):
        run.seed = 1  # type: ignore[misc]


def test_qmc_coordinates_of_exactly_one_are_clipped_below_one(monkeypatch):
    from scipy.stats import qmc

    class Ones:
        def __init__(self, d, **_):
            self.d = d

        def random(self, n):
            return np.ones((n, self.d))
    monkeypatch.setattr(qmc, "LatinHypercube", Ones)
    units = [u for r in expand(_sweep(samples=2, sampler="lhs")) for _, u in r.unit]
    assert units == [np.nextafter(1.0, 0.0)] * 6
