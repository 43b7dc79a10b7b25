"""Sweep records: a scenario run many times, over a grid or zip of param values, with draws per cell.

A ``SweepSpec`` names a scenario, the params it sets per cell (``SweepAxis``), how axes combine
(``grid``: every combination, first axis slowest; ``zip``: the i-th value of every axis together),
how many runs each cell gets and how the scenario's other random params are drawn in those runs
(``random``: each run's own seed; ``sobol``, ``halton``, ``lhs``: scipy.stats.qmc points in the unit
cube, one dimension per random param). ``sweep.plan.expand`` turns it into concrete runs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from scenariosim.spec.scenario import ScenarioSpec
from scenariosim.units import Dimension

#: how axes combine
SWEEP_MODES = ("grid", "zip")
#: how the non-swept random params are drawn within a cell
SWEEP_SAMPLERS = ("random", "sobol", "halton", "lhs")
#: the most runs one sweep may expand to
MAX_SWEEP_RUNS = 100_000


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepAxis:
    """One swept param and the values it takes, in order (SI floats, or names for a choice param)."""

    param: str
    values: tuple[float | str, ...]
    dimension: Dimension | None = None   # None for a choice of names
    unit: str | None = None              # as the file wrote it, for display ('km/h', 'clock'); None = SI / plain


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepSpec:
    name: str
    scenario: ScenarioSpec               # unresolved: its params are what axes and samplers set
    mode: str = "grid"                   # one of SWEEP_MODES
    axes: tuple[SweepAxis, ...] = ()
    samples: int = 1                     # runs per cell, >= 1
    sampler: str = "random"              # one of SWEEP_SAMPLERS
    seed: int = 0                        # root seed; a run's seed derives from it and the run's sample number

    @property
    def cells(self) -> int:
        """The number of cells: the product of the axis lengths (grid), the first axis's length (zip), or 1."""
        if not self.axes:
            return 1
        if self.mode == "zip":
            return len(self.axes[0].values)
        return math.prod(len(axis.values) for axis in self.axes)
