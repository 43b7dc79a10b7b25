"""Named light and weather presets: the conditions camera perception is known to fail in.

``CONDITIONS`` maps a name to a concrete EnvironmentSpec (``sun`` set directly, ``time_of_day`` None, so
no sampling is needed). Every weather preset is ``clear_noon`` plus its weather, so a preset differs from
``clear_noon`` only in what its name says; the light presets change only the sun. Values follow
/work/shared/reference/weather.md:

- fog: Koschmieder/WMO meteorological optical range V = −ln(0.05)/β = 2.996/β; the Foggy Cityscapes
  extinction coefficients β = 0.005 and 0.02 m⁻¹ (light and dense; MOR ≈ 600 and 150 m);
- rain: rates of the rain-rendering database's classes (10 mm/h moderate, 50 heavy). Rain's own veiling
  extinction (Weber: β_ext = 0.312·R^0.67 km⁻¹, MOR ≈ 2 km at 10 mm/h, 0.7 km at 50) is the renderer's to
  derive from the rate, so no rain preset sets ``fog_visual_range``;
- snow: 1.5 mm/h water equivalent, mid-range of the 0.5–2.5 mm/h of the LiDAR snowfall simulation.
  EnvironmentSpec has no field for snow lying on the ground: the renderer derives the snow cover from
  ``snow`` (a snowy ground hides the road's wetness, so the preset sets none).

Sun angles: azimuth is a compass bearing (0 north, 90° east), so ``low_sun_glare`` puts the sun due east:
a camera looking along +x (yaw 0 on the roads that run east from the origin: ``street``, ``highway``,
the first segment of ``town``) sees it straight ahead, 4° above the image centre. Scenes meant to show
glare face east; a camera looking west gets the same sun behind it (backlit traffic ahead instead).
"""
from __future__ import annotations

import dataclasses
import math

from scenariosim.spec.scenario import EnvironmentSpec, SunSpec
from scenariosim.units import to_si

#: −ln(0.05): meteorological optical range V [m] = MOR_CONTRAST / β [1/m] (WMO, 5 % contrast threshold)
MOR_CONTRAST = -math.log(0.05)


def mor(beta: float) -> float:
    """Meteorological optical range [m] for the extinction coefficient ``beta`` [1/m]."""
    return MOR_CONTRAST / beta


def mm_per_hour(rate: float) -> float:
    """A precipitation rate given in mm/h, in m/s."""
    return to_si(rate, "mm/h")[0]


def _sun(elevation_deg: float, azimuth_deg: float) -> SunSpec:
    return SunSpec(elevation=math.radians(elevation_deg), azimuth=math.radians(azimuth_deg))


#: summer noon at 48° N: the sun high in the south
CLEAR_NOON = EnvironmentSpec(sun=_sun(65.0, 180.0))


def _weather(**fields) -> EnvironmentSpec:
    return dataclasses.replace(CLEAR_NOON, **fields)


#: (name, preset, one-line description), in the order galleries and tests show them
_PRESETS: tuple[tuple[str, EnvironmentSpec, str], ...] = (
    ("clear_noon", CLEAR_NOON,
     "clear sky, sun 65° up in the south (summer noon at 48° N): the easy baseline"),
    ("overcast", _weather(clouds=1.0),
     "full cloud cover (8 oktas) at noon: flat, shadowless light and a grey sky"),
    ("low_sun_glare", EnvironmentSpec(sun=_sun(4.0, 90.0)),
     "clear sky, sun 4° up due east (azimuth 90°): glare into a camera looking east (+x)"),
    ("dusk", EnvironmentSpec(sun=_sun(-3.0, 300.0)),
     "civil twilight: sun 3° below the horizon in the west-north-west, dim sky light only"),
    ("night", EnvironmentSpec(sun=_sun(-20.0, 0.0)),
     "astronomical night: sun 20° below the horizon; only artificial light is left"),
    ("fog_light", _weather(fog_visual_range=mor(0.005)),
     "light fog, β = 0.005 /m (Foggy Cityscapes light): MOR ≈ 600 m, contrast at 100 m × 0.61"),
    ("fog_dense", _weather(fog_visual_range=mor(0.02)),
     "dense fog, β = 0.02 /m (Foggy Cityscapes dense): MOR ≈ 150 m, contrast at 100 m × 0.14"),
    ("rain_moderate", _weather(rain=mm_per_hour(10.0), clouds=1.0, wetness=0.7),
     "moderate rain, 10 mm/h, under full overcast; the road wet with a water film (wetness 0.7)"),
    ("rain_heavy", _weather(rain=mm_per_hour(50.0), clouds=1.0, wetness=1.0),
     "heavy rain, 50 mm/h (violent shower), full overcast, standing water on the road (wetness 1)"),
    ("snow", _weather(snow=mm_per_hour(1.5), clouds=1.0),
     "snowfall, 1.5 mm/h water equivalent, under full overcast, on snow-covered ground"),
    ("wet_after_rain", _weather(wetness=0.8),
     "the rain has stopped and the sun is out: a wet road (wetness 0.8) mirroring sky and sun"),
)

#: name → preset
CONDITIONS: dict[str, EnvironmentSpec] = {name: env for name, env, _ in _PRESETS}
#: name → one-line description
DESCRIPTIONS: dict[str, str] = {name: text for name, _, text in _PRESETS}
