"""Physical units: conversion to SI and the dimension each unit measures.

Inside scenariosim every quantity is SI: metres, seconds, m/s, m/s², radians, hertz.
Units exist only at the edge (scenario files, command-line overrides).
"""
from __future__ import annotations

import math

#: dimension name → SI unit name, for messages
DIMENSIONS: dict[str, str] = {
    "length": "m",
    "time": "s",
    "speed": "m/s",
    "acceleration": "m/s2",
    "angle": "rad",
    "frequency": "Hz",
}

#: unit symbol as written in a file → (dimension, factor to SI)
UNITS: dict[str, tuple[str, float]] = {
    "mm": ("length", 1e-3),
    "cm": ("length", 1e-2),
    "m": ("length", 1.0),
    "km": ("length", 1e3),
    "ms": ("time", 1e-3),
    "s": ("time", 1.0),
    "min": ("time", 60.0),
    "h": ("time", 3600.0),
    "m/s": ("speed", 1.0),
    "km/h": ("speed", 1.0 / 3.6),
    "mph": ("speed", 0.44704),
    "m/s2": ("acceleration", 1.0),
    "g": ("acceleration", 9.80665),
    "deg": ("angle", math.pi / 180.0),
    "rad": ("angle", 1.0),
    "Hz": ("frequency", 1.0),
}


def to_si(value: float, unit: str) -> tuple[float, str]:
    """Convert ``value`` written in ``unit`` to SI; returns (si_value, dimension).

    Raises KeyError for an unknown unit (callers turn it into a located UnitError).
    """
    dimension, factor = UNITS[unit]
    return value * factor, dimension


def units_of(dimension: str) -> list[str]:
    """The unit symbols that measure ``dimension``, e.g. for a 'did you mean' hint."""
    return [u for u, (d, _) in UNITS.items() if d == dimension]
