"""Road specs: one frozen record per road generator, and the registry of generator names.

A generator's keyword arguments are the record's fields; each field's ``metadata["dimension"]``
names the physical dimension the scenario language checks ("length", "count", …).
"""
from __future__ import annotations

from dataclasses import dataclass, field


def _arg(dimension: str, default=None, *, minimum: float | None = None):
    meta = {"dimension": dimension, "minimum": minimum}
    if default is None:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True, slots=True, kw_only=True)
class HighwaySpec:
    """A straight one-way multi-lane road along +x, starting at x = 0.

    Lanes are numbered 1..lanes from the right edge (y = 0) to the left; lane k's centre line
    is y = (k − 0.5)·lane_width. Traffic drives towards +x.
    """

    name: str
    length: float = _arg("length", minimum=1.0)          # [m]
    lanes: int = _arg("count", 3, minimum=1)             # number of lanes
    lane_width: float = _arg("length", 3.5, minimum=2.0)  # [m]


#: generator name in a scenario file → spec record
ROAD_GENERATORS: dict[str, type] = {"highway": HighwaySpec}

RoadSpec = HighwaySpec
