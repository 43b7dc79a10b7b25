"""Expand a SweepSpec into concrete runs: which cell, which sample, which swept values, which seed.

Cells: ``grid`` takes every combination of axis values, first axis slowest (``itertools.product``
order); ``zip`` takes the i-th value of every axis together (axes must be equally long). A sweep
without axes has one cell with an empty point.

Runs go cell by cell, ``samples`` runs per cell: ``index = cell * samples + sample``.

Common random numbers: everything random about a run depends on the root seed and its ``sample``
number only, never on its cell, so cells differ only by their swept values.

- ``seed``: ``SeedSequence(entropy=root, spawn_key=(sample,)).generate_state(2, uint32)`` as
  ``words[0] | words[1] << 32``, masked below 2**63.
- ``unit``: for samplers ``sobol``, ``halton`` and ``lhs``, one scrambled scipy.stats.qmc point set
  of ``samples`` points in ``[0, 1)^d``, d = len(random_params(sweep)), seeded from
  ``SeedSequence(entropy=(root, _QMC_TAG))``; run ``sample`` gets point ``sample`` in every cell.
  Sobol with a sample count that is not a power of two loses its balance guarantee; the points are
  drawn anyway and scipy's warning about it is silenced. Sampler ``random`` (or d == 0) gives ``()``:
  the run's seed drives every draw.

Invalid sweeps raise ScenarioValidationError with a field path (``mode``, ``sampler``, ``samples``,
``seed``, ``axes[i]`` …); the MAX_SWEEP_RUNS cap is checked on ``count`` before anything is built.
Deterministic across processes and platforms for a given numpy and scipy version.
"""
from __future__ import annotations

import difflib
import itertools
import warnings
from dataclasses import dataclass
from typing import NoReturn

import numpy as np

from scenariosim.errors import ScenarioValidationError
from scenariosim.spec.sweep import MAX_SWEEP_RUNS, SWEEP_MODES, SWEEP_SAMPLERS, SweepSpec
from scenariosim.spec.values import Choice, Integer, Normal, Uniform

Point = tuple[tuple[str, float | str], ...]

#: mixed into the root seed for the qmc scrambling, so it is independent of every run's seed
_QMC_TAG = 0x716D63  # 'qmc'
#: the largest float below 1: qmc coordinates are clipped to it
_BELOW_ONE = float(np.nextafter(1.0, 0.0))


@dataclass(frozen=True, slots=True)
class Run:
    """One run of a sweep: the scenario with ``point`` fixed, the rest drawn from ``seed`` and ``unit``."""

    index: int      # 0-based run number in the sweep
    cell: int       # 0-based cell number (grid/zip point)
    sample: int     # 0-based sample number within the cell
    point: Point    # swept param -> value (SI float, or a name for a choice)
    unit: tuple[tuple[str, float], ...]  # random param -> coordinate in [0, 1); () for sampler 'random'
    seed: int       # this run's seed, 0 <= seed < 2**63


def _fail(field: str, message: str) -> NoReturn:
    raise ScenarioValidationError(message, field=field)


def _known(field: str, what: str, name: str, known: tuple[str, ...]) -> None:
    if name not in known:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known)}"
        _fail(field, f"unknown {what} '{name}' ({hint})")


def count(sweep: SweepSpec) -> int:
    """The number of runs ``expand`` would build, computed without building them.

    Validates mode, sampler, samples and axes (not the MAX_SWEEP_RUNS cap, so a caller can report
    the size of an oversized sweep); raises ScenarioValidationError with a field path.
    """
    _known("mode", "sweep mode", sweep.mode, SWEEP_MODES)
    _known("sampler", "sweep sampler", sweep.sampler, SWEEP_SAMPLERS)
    if isinstance(sweep.samples, bool) or not isinstance(sweep.samples, int) or sweep.samples < 1:
        _fail("samples", f"samples must be a whole number >= 1, got {sweep.samples!r}")
    if isinstance(sweep.seed, bool) or not isinstance(sweep.seed, int) or sweep.seed < 0:
        _fail("seed", f"seed must be a whole number >= 0, got {sweep.seed!r}")
    declared = tuple(p.name for p in sweep.scenario.params)
    first: dict[str, int] = {}
    for i, axis in enumerate(sweep.axes):
        _known(f"axes[{i}].param", "param", axis.param, declared)
        if axis.param in first:
            _fail(f"axes[{i}].param", f"param '{axis.param}' is swept twice (also by axes[{first[axis.param]}])")
        first[axis.param] = i
        if not axis.values:
            _fail(f"axes[{i}].values", f"axis '{axis.param}' has no values")
    lengths = [len(axis.values) for axis in sweep.axes]
    if sweep.mode == "zip":
        for i, axis in enumerate(sweep.axes[1:], 1):
            if lengths[i] != lengths[0]:
                _fail(f"axes[{i}]", f"zip needs axes of equal length: '{sweep.axes[0].param}' has "
                                    f"{lengths[0]} values, '{axis.param}' has {lengths[i]}")
    return sweep.cells * sweep.samples


def _checked(sweep: SweepSpec) -> int:
    """``count(sweep)``, failing when it exceeds MAX_SWEEP_RUNS."""
    n = count(sweep)
    if n > MAX_SWEEP_RUNS:
        field = "axes" if n // sweep.samples > MAX_SWEEP_RUNS else "samples"
        _fail(field, f"sweep expands to {n:,} runs, more than the cap of {MAX_SWEEP_RUNS:,}")
    return n


def _value(v: float | str) -> float | str:
    return v if isinstance(v, str) else float(v)


def cells(sweep: SweepSpec) -> list[Point]:
    """The sweep's cells in order: each a tuple of (param, value) pairs, in axis order."""
    _checked(sweep)
    return _cells(sweep)


def _cells(sweep: SweepSpec) -> list[Point]:
    names = [axis.param for axis in sweep.axes]
    columns = [[_value(v) for v in axis.values] for axis in sweep.axes]
    combos = zip(*columns) if sweep.mode == "zip" and columns else itertools.product(*columns)
    return [tuple(zip(names, combo)) for combo in combos]


def random_params(sweep: SweepSpec) -> list[str]:
    """Params the qmc samplers drive, in declaration order: those whose value is one distribution
    (uniform, normal, integer, choice) and that no axis sets. Other randomness (a distribution inside
    an expression, inline in a field) is drawn from the run's seed."""
    swept = {axis.param for axis in sweep.axes}
    return [p.name for p in sweep.scenario.params
            if isinstance(p.value, (Uniform, Normal, Integer, Choice)) and p.name not in swept]


def run_seed(root: int, sample: int) -> int:
    """The seed of every run with sample number ``sample`` (in any cell): 0 <= seed < 2**63."""
    words = np.random.SeedSequence(entropy=root, spawn_key=(sample,)).generate_state(2, np.uint32)
    return (int(words[0]) | int(words[1]) << 32) & (2**63 - 1)


#: the most dimensions scipy's Sobol direction numbers support
SOBOL_MAX_DIMENSIONS = 21201


def _units(sweep: SweepSpec, d: int) -> np.ndarray | None:
    """``(samples, d) float64`` qmc points in [0, 1), shared by every cell; None without a qmc sampler."""
    if sweep.sampler == "random" or d == 0:
        return None
    from scipy.stats import qmc

    rng = np.random.default_rng(np.random.SeedSequence(entropy=(sweep.seed, _QMC_TAG)))
    if sweep.sampler == "sobol":
        if d > SOBOL_MAX_DIMENSIONS:
            _fail("sampler", f"sobol draws at most {SOBOL_MAX_DIMENSIONS:,} random params, the scenario has {d:,}; "
                             f"use halton or lhs")
        engine: qmc.QMCEngine = qmc.Sobol(d, scramble=True, seed=rng)
    elif sweep.sampler == "halton":
        engine = qmc.Halton(d, scramble=True, seed=rng)
    else:
        engine = qmc.LatinHypercube(d, seed=rng)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The balance properties of Sobol", category=UserWarning)
        points = engine.random(sweep.samples)
    return np.minimum(points, _BELOW_ONE)


def expand(sweep: SweepSpec) -> list[Run]:
    """Every run of the sweep, cell by cell, ``sweep.samples`` per cell (see the module docstring).

    Raises ScenarioValidationError (with a field path) for an invalid sweep or one over MAX_SWEEP_RUNS,
    before building anything.
    """
    _checked(sweep)
    names = random_params(sweep)
    points = _units(sweep, len(names))
    seeds = [run_seed(sweep.seed, k) for k in range(sweep.samples)]
    units = [() if points is None else tuple(zip(names, map(float, points[k]))) for k in range(sweep.samples)]
    return [Run(index=c * sweep.samples + k, cell=c, sample=k, point=point, unit=units[k], seed=seeds[k])
            for c, point in enumerate(_cells(sweep)) for k in range(sweep.samples)]
