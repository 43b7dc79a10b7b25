"""The light and weather presets of scenariosim.spec.conditions: valid, concrete, expressible in the
language, and with the physical values the reference gives (Koschmieder fog, rain and snow rates, sun angles)."""
from __future__ import annotations

import dataclasses
import math

import pytest

from scenariosim.dsl import loads
from scenariosim.dsl.writer import to_text
from scenariosim.spec import EnvironmentSpec, is_concrete, sample
from scenariosim.spec.conditions import CLEAR_NOON, CONDITIONS, DESCRIPTIONS, mor
from scenariosim.units import to_si
from scenes import make_spec

#: the fields that make the weather; the light presets change only ``sun``
WEATHER = ("fog_visual_range", "rain", "snow", "clouds", "wetness")
LIGHT = ("clear_noon", "low_sun_glare", "dusk", "night")


def spec_with(env: EnvironmentSpec):
    return make_spec([("ego", "car", 2, 100.0, 20.0)], environment=env)


def test_every_named_condition_exists_with_a_one_line_description():
    assert set(CONDITIONS) == {"clear_noon", "overcast", "low_sun_glare", "dusk", "night", "fog_light", "fog_dense",
                               "rain_moderate", "rain_heavy", "snow", "wet_after_rain"}
    assert list(DESCRIPTIONS) == list(CONDITIONS)
    assert all(text and "\n" not in text for text in DESCRIPTIONS.values())


@pytest.mark.parametrize("name", list(CONDITIONS))
def test_preset_validates_and_sampling_keeps_it(name):
    env = CONDITIONS[name]
    spec = spec_with(env)                     # validate() raises on a bad preset
    assert env.time_of_day is None and is_concrete(spec)
    assert sample(spec).environment == env


@pytest.mark.parametrize("name", list(CONDITIONS))
def test_preset_reads_back_from_the_scenario_language(name):
    spec = spec_with(CONDITIONS[name])
    assert loads(to_text(spec)).environment == CONDITIONS[name]


@pytest.mark.parametrize("name, beta, visual_range", [("fog_light", 0.005, 599.0), ("fog_dense", 0.02, 150.0)])
def test_fog_follows_koschmieder(name, beta, visual_range):
    """MOR V = −ln(0.05)/β (WMO, 5 % contrast); the Foggy Cityscapes β and the reference table's MOR."""
    v = CONDITIONS[name].fog_visual_range
    assert math.isclose(-math.log(0.05) / v, beta, rel_tol=1e-12)
    assert abs(v - visual_range) < 1.0
    assert math.isclose(math.exp(-beta * 100.0), {"fog_light": 0.61, "fog_dense": 0.14}[name], abs_tol=0.005)
    assert math.isclose(mor(beta), v)


@pytest.mark.parametrize("name, rain, snow, wetness", [
    ("rain_moderate", 10.0, 0.0, None), ("rain_heavy", 50.0, 0.0, 1.0), ("snow", 0.0, 1.5, 0.0),
    ("wet_after_rain", 0.0, 0.0, 0.8)])
def test_precipitation_rates_and_wetness(name, rain, snow, wetness):
    env = CONDITIONS[name]
    assert math.isclose(env.rain, to_si(rain, "mm/h")[0], rel_tol=1e-12, abs_tol=0.0)
    assert math.isclose(env.snow, to_si(snow, "mm/h")[0], rel_tol=1e-12, abs_tol=0.0)
    if wetness is None:
        assert 0.0 < env.wetness < 1.0        # wet, short of standing water
    else:
        assert env.wetness == wetness
    if rain or snow:
        assert env.clouds == 1.0              # precipitation falls from a full overcast


def test_weather_presets_are_clear_noon_plus_their_weather():
    for name, env in CONDITIONS.items():
        if name in LIGHT:
            assert dataclasses.replace(env, sun=CLEAR_NOON.sun) == CLEAR_NOON, name
        else:
            assert dataclasses.replace(env, **{f: getattr(CLEAR_NOON, f) for f in WEATHER}) == CLEAR_NOON, name
            assert env != CLEAR_NOON, name


def sun_direction(env: EnvironmentSpec) -> tuple[float, float, float]:
    """Unit vector towards the sun (x east, y north, z up); azimuth is a compass bearing."""
    el, az = env.sun.elevation, env.sun.azimuth
    return math.sin(az) * math.cos(el), math.cos(az) * math.cos(el), math.sin(el)


def test_sun_angles_of_the_light_presets():
    x, y, z = sun_direction(CONDITIONS["low_sun_glare"])
    # straight ahead of a camera looking along +x (east), 4° above its optical axis
    assert math.isclose(math.degrees(math.atan2(z, x)), 4.0) and abs(y) < 1e-12
    assert math.degrees(CONDITIONS["clear_noon"].sun.elevation) >= 60.0
    assert -6.0 < math.degrees(CONDITIONS["dusk"].sun.elevation) < 0.0      # civil twilight
    assert math.degrees(CONDITIONS["night"].sun.elevation) < -18.0         # astronomical night
