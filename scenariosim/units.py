"""Physical units and dimensions: the tables, and conversion to SI.

Inside scenariosim every quantity is SI: metres, seconds, m/s, m/s², radians, hertz.
Units exist only at the edge (scenario files, command-line overrides).

A dimension is an exponent vector over the base dimensions length (L), time (T) and angle (A):
speed = L·T⁻¹, acceleration = L·T⁻², frequency = T⁻¹, a plain number has all exponents 0.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

#: base dimension → SI unit symbol, in the order of Dimension's fields
BASE_UNITS = {"length": "m", "time": "s", "angle": "rad"}


@dataclass(frozen=True, slots=True)
class Dimension:
    """Exponents of length, time and angle; ``Dimension()`` is dimensionless."""

    length: int = 0
    time: int = 0
    angle: int = 0

    def __mul__(self, other: Dimension) -> Dimension:
        return Dimension(self.length + other.length, self.time + other.time, self.angle + other.angle)

    def __truediv__(self, other: Dimension) -> Dimension:
        return Dimension(self.length - other.length, self.time - other.time, self.angle - other.angle)

    @property
    def dimensionless(self) -> bool:
        return self == DIMENSIONLESS

    @property
    def name(self) -> str | None:
        """'speed' for a named dimension, None otherwise."""
        return _NAMES.get(self)

    @property
    def si(self) -> str:
        """The SI unit: 'm/s', 'Hz', or a formula like 'm2/s3' for unnamed dimensions ('1' if none)."""
        if self in SI_UNITS:
            return SI_UNITS[self]
        exps = dict(zip(BASE_UNITS.values(), (self.length, self.time, self.angle)))
        up = "·".join(u + (str(e) if e != 1 else "") for u, e in exps.items() if e > 0) or "1"
        down = "·".join(u + (str(-e) if e != -1 else "") for u, e in exps.items() if e < 0)
        return f"{up}/{down}" if down else up

    @property
    def noun(self) -> str:
        """How a message names a value of this dimension: 'a length', 'an angle', 'a plain number'."""
        if self.dimensionless:
            return "a plain number"
        name = self.name
        if name is None:
            return f"a quantity in {self.si}"
        return f"an {name}" if name[0] in "aeiou" else f"a {name}"


DIMENSIONLESS = Dimension()
LENGTH = Dimension(length=1)
TIME = Dimension(time=1)
ANGLE = Dimension(angle=1)
SPEED = LENGTH / TIME
ACCELERATION = SPEED / TIME
FREQUENCY = DIMENSIONLESS / TIME

#: dimension name (as spec field metadata and messages use it) → Dimension
DIMENSIONS: dict[str, Dimension] = {
    "length": LENGTH,
    "time": TIME,
    "speed": SPEED,
    "acceleration": ACCELERATION,
    "angle": ANGLE,
    "frequency": FREQUENCY,
}
_NAMES = {dim: name for name, dim in DIMENSIONS.items()}

#: named dimension → its SI unit symbol, for messages
SI_UNITS: dict[Dimension, str] = {LENGTH: "m", TIME: "s", SPEED: "m/s", ACCELERATION: "m/s2", ANGLE: "rad",
                                  FREQUENCY: "Hz"}

#: unit symbol as written in a file → (dimension, factor to SI)
UNITS: dict[str, tuple[Dimension, float]] = {
    "mm": (LENGTH, 1e-3),
    "cm": (LENGTH, 1e-2),
    "m": (LENGTH, 1.0),
    "km": (LENGTH, 1e3),
    "ms": (TIME, 1e-3),
    "s": (TIME, 1.0),
    "min": (TIME, 60.0),
    "h": (TIME, 3600.0),
    "m/s": (SPEED, 1.0),
    "km/h": (SPEED, 1.0 / 3.6),
    "mph": (SPEED, 0.44704),
    "mm/h": (SPEED, 1e-3 / 3600.0),      # precipitation rates
    "m/s2": (ACCELERATION, 1.0),
    "g": (ACCELERATION, 9.80665),
    "deg": (ANGLE, math.pi / 180.0),
    "rad": (ANGLE, 1.0),
    "Hz": (FREQUENCY, 1.0),
}


def to_si(value: float, unit: str) -> tuple[float, Dimension]:
    """Convert ``value`` written in ``unit`` to SI; returns (si_value, dimension).

    Raises KeyError for an unknown unit (callers turn it into a located UnitError).
    """
    dimension, factor = UNITS[unit]
    return value * factor, dimension


def units_of(dimension: Dimension) -> list[str]:
    """The unit symbols that measure ``dimension``, SI first, e.g. for a 'did you mean' hint."""
    si = SI_UNITS.get(dimension)
    others = [u for u, (d, _) in UNITS.items() if d == dimension and u != si]
    return ([si] if si else []) + others
