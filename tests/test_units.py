"""Static units: dimensions as exponent vectors, and the algebra of compiled expressions."""
from __future__ import annotations

import re

import pytest

from scenariosim.dsl import loads
from scenariosim.errors import UnitError
from scenariosim.units import ACCELERATION, DIMENSIONLESS, FREQUENCY, LENGTH, SPEED, TIME, to_si

SCN = """\
scenario u:
    seed: 1
    duration: {duration}
    timestep: 0.05 s
    road main = highway(length: 1 km)
    actor ego: car
        at: lane(main, 1), s {s}
        speed: {speed}
"""


def _spec(duration="4 s", s="10 m", speed="10 m/s"):
    return loads(SCN.format(duration=duration, s=s, speed=speed))


def test_dimension_vectors_multiply_and_divide():
    assert SPEED * TIME == LENGTH
    assert LENGTH / TIME == SPEED
    assert SPEED / TIME == ACCELERATION
    assert DIMENSIONLESS / TIME == FREQUENCY
    assert LENGTH / LENGTH == DIMENSIONLESS
    assert (ACCELERATION.si, FREQUENCY.si, (LENGTH * LENGTH / TIME).si) == ("m/s2", "Hz", "m2/s")


def test_speed_times_time_is_a_length_and_length_over_time_a_speed():
    spec = _spec(s="10 m/s * 2 s + 5 m", speed="100 m / 4 s")
    assert spec.actors[0].s == pytest.approx(25.0)
    assert spec.actors[0].speed == pytest.approx(25.0)


def test_difference_of_speeds_is_in_si():
    assert _spec(speed="100 km/h - 20 km/h").actors[0].speed == pytest.approx(80 / 3.6)
    assert _spec(speed="(100 km/h - 20 km/h) * 2 / 4").actors[0].speed == pytest.approx(40 / 3.6)
    assert _spec(s="-(2 m - 12 m)").actors[0].s == pytest.approx(10.0)
    assert to_si(1, "mph") == (pytest.approx(0.44704), SPEED)


def test_adding_a_length_and_a_time_is_an_error_at_the_operator():
    text = SCN.format(duration="4 s", s="1 m + 2 s", speed="1 m/s")
    with pytest.raises(UnitError) as info:
        loads(text, "f.scn")
    line = text.splitlines().index("        at: lane(main, 1), s 1 m + 2 s") + 1
    col = "        at: lane(main, 1), s 1 m + 2 s".index("+") + 1
    assert str(info.value) == f"f.scn:{line}:{col}: cannot add a length (m) and a time (s)"


@pytest.mark.parametrize("speed,message", [
    ("10 m/s * 2 s", "speed needs a speed, got a length (m)"),
    ("10 m / 2 s / 2 s", "speed needs a speed, got an acceleration (m/s2)"),
    ("10 m * 2 m", "speed needs a speed, got a quantity in m2"),
    ("2 * 3", "speed needs a speed unit (m/s, km/h, mph, mm/h), got a plain number"),
])
def test_the_field_checks_the_dimension_of_the_result(speed, message):
    with pytest.raises(UnitError, match=f"^<string>:8:16: {re.escape(message)}$"):
        _spec(speed=speed)
