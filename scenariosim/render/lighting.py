"""Light and weather as shader parameters (plain numpy, no GL): sun, sky, clouds, extinction by fog,
rain and snow, wet and snowy ground, and the lamps that glow at night.

Colours are linear RGB in the renderer's relative units: direct noon sunlight on a surface facing the sun
is ~1.25, so an albedo of 0.8 under it saturates. Extinction coefficients β are in 1/m; a visual range V
(meteorological optical range, 5 % contrast) is V = KOSCHMIEDER / β.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from scenariosim.spec.scenario import EnvironmentSpec

#: Koschmieder: visual range V [m] ↔ extinction β = −ln(0.05) / V [1/m] (5 % contrast threshold)
KOSCHMIEDER = 2.996
MM_PER_HOUR = 1e-3 / 3600.0   # [m/s] one millimetre per hour

#: sky and light colours (linear RGB)
_DAY_ZENITH, _NIGHT_ZENITH = np.array([0.08, 0.2, 0.62]), np.array([0.003, 0.004, 0.012])
_DAY_HORIZON, _SUNSET_HORIZON = np.array([0.55, 0.66, 0.85]), np.array([0.85, 0.45, 0.2])
_NIGHT_HORIZON, _SUNSET_LIGHT = np.array([0.01, 0.012, 0.025]), np.array([1.0, 0.6, 0.35])
_OVERCAST = np.array([0.42, 0.44, 0.47])      # a fully clouded sky at noon
_LUMINANCE = np.array([0.2126, 0.7152, 0.0722])  # Rec. 709 weights of linear RGB

#: [m] thickness of the fog or precipitation layer a sky ray crosses going straight up
HAZE_HEIGHT = 200.0

#: vehicles switch their lights on below this sun elevation [rad], or in visibility under LIGHTS_VISIBILITY
LIGHTS_ELEVATION = math.radians(4.0)
LIGHTS_VISIBILITY = 300.0     # [m]


def sun_vector(environment: EnvironmentSpec) -> np.ndarray:
    """Unit vector (3,) towards the sun, world frame: azimuth is a compass bearing (0 = +y, π/2 = +x)."""
    el, az = environment.sun.elevation, environment.sun.azimuth
    return np.array([math.sin(az) * math.cos(el), math.cos(az) * math.cos(el), math.sin(el)])


def smoothstep(e0: float, e1: float, x: float) -> float:
    t = min(max((x - e0) / (e1 - e0), 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


def _mix(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    return a + (b - a) * t


def fog_beta(environment: EnvironmentSpec) -> float:
    """Extinction β [1/m] of fog alone, from the visual range; 0 in clear air."""
    v = environment.fog_visual_range
    return 0.0 if v is None else KOSCHMIEDER / v


def rain_beta(rate: float) -> float:
    """Extinction β [1/m] of rain at ``rate`` [m/s]: Weber (2015), β = 0.312·R^0.67 km⁻¹ with R in mm/h
    (50 mm/h → visual range ≈ 0.7 km)."""
    return 0.312 * (rate / MM_PER_HOUR) ** 0.67 * 1e-3 if rate > 0 else 0.0


def snow_beta(rate: float) -> float:
    """Extinction β [1/m] of snowfall at ``rate`` [m/s] water equivalent: visual range ≈ 1 km / S with S in
    mm/h, the middle of the US weather service's intensity classes (light: < 1 mm/h and over 800 m; heavy:
    over 2.5 mm/h and under 400 m). Real storms scatter by a factor 3–10 around it (Rasmussen et al. 1999)."""
    return KOSCHMIEDER * (rate / MM_PER_HOUR) / 1000.0 if rate > 0 else 0.0


def extinction(environment: EnvironmentSpec) -> float:
    """Total extinction β [1/m] of fog, rain and snow (their coefficients add)."""
    return fog_beta(environment) + rain_beta(environment.rain) + snow_beta(environment.snow)


def cloud_cover(environment: EnvironmentSpec) -> float:
    """Effective sky cover 0..1: the clouds given, and at least 0.85 while it rains or snows."""
    falling = environment.rain > 0 or environment.snow > 0
    return max(environment.clouds, 0.85 if falling else 0.0)


def snow_cover(environment: EnvironmentSpec) -> float:
    """Fraction 0..1 of up-facing ground under snow: any snowfall whitens the ground, 1 mm/h fully."""
    return smoothstep(0.0, 1.0, environment.snow / MM_PER_HOUR) if environment.snow > 0 else 0.0


def lights_on(environment: EnvironmentSpec) -> bool:
    """Whether vehicles drive with their lights on and street lights glow: dusk, night or poor visibility."""
    beta = extinction(environment)
    return environment.sun.elevation < LIGHTS_ELEVATION or (beta > 0 and KOSCHMIEDER / beta < LIGHTS_VISIBILITY)


class Sky(NamedTuple):
    """Light of the sun and the sky for one environment; vectors (3,) float64, linear RGB."""

    sun: np.ndarray          # unit vector towards the sun (world frame)
    sun_light: np.ndarray    # direct sunlight on a surface facing the sun
    ambient: np.ndarray      # light from the whole sky on an up-facing surface
    horizon: np.ndarray      # sky colour at the horizon
    zenith: np.ndarray       # sky colour straight up
    sun_glow: np.ndarray     # the halo around the sun in the sky, and the veiling glare towards it
    air_light: np.ndarray    # colour of fog and rain haze: the horizon's brightness, nearly neutral


def sky(environment: EnvironmentSpec) -> Sky:
    """Sun and sky for the environment's sun elevation and cloud cover.

    ``day`` fades sky and ambient light from night (sun 6° below the horizon) to day (~15° above);
    ``high`` turns the horizon and sunlight from sunset orange to daylight white; cloud cover c takes
    (0.8·c) of the direct sunlight, greys the sky and keeps 85 % of the ambient light.
    """
    sun = sun_vector(environment)
    day, high = smoothstep(-0.1, 0.25, sun[2]), smoothstep(0.05, 0.35, sun[2])
    cover = cloud_cover(environment)
    tint = _mix(_SUNSET_LIGHT, np.ones(3), high)
    horizon = _mix(_NIGHT_HORIZON, _mix(_SUNSET_HORIZON, _DAY_HORIZON, high), day)
    zenith = _mix(_NIGHT_ZENITH, _DAY_ZENITH, day)
    grey = _OVERCAST * (0.1 + 0.9 * day) * (0.02 + 0.98 * day)
    horizon, zenith = _mix(horizon, grey, cover), _mix(zenith, 0.9 * grey, cover)
    return Sky(sun=sun,
               sun_light=1.25 * smoothstep(0.0, 0.2, sun[2]) * tint * (1.0 - 0.8 * cover),
               ambient=np.full(3, 0.05 + 0.3 * day) * (1.0 - 0.15 * cover),
               horizon=horizon, zenith=zenith,
               sun_glow=0.3 * day * tint * (1.0 - cover),
               air_light=_mix(horizon, np.full(3, horizon @ _LUMINANCE), 0.75))


class Lamp(NamedTuple):
    """Spot lights that light the scene at night; arrays over K lamps. A spot's intensity fades from
    full inside cos(angle to its axis) ≥ cone[1] to nothing at cone[0] and below."""

    position: np.ndarray     # (K, 3) [m] world frame
    direction: np.ndarray    # (K, 3) unit axis of the spot
    cone: np.ndarray         # (K, 2) cosines of the angle to the axis where the light fades out and in
    color: np.ndarray        # (K, 3) intensity on the axis: light on a surface facing it 1 m away (linear RGB)


STREET_LIGHT = np.array([22.0, 19.0, 14.0])       # a warm-white street lamp, lighting downwards
STREET_CONE = (0.25, 0.65)                        # fades out ~75° off the vertical
HEADLIGHT = np.array([110.0, 107.0, 98.0])        # a pair of dipped headlights, on the beam's axis
HEADLIGHT_CONE = (0.93, 0.995)                    # fades out ~22° off the beam axis
HEADLIGHT_HEIGHT = 0.65                           # [m]
HEADLIGHT_DIP = math.radians(2.0)                 # beam axis below the horizontal


def nearest_lamps(camera_position: np.ndarray, street: np.ndarray, vehicles_xy: np.ndarray,
                  vehicles_z: np.ndarray, heading: np.ndarray, length: np.ndarray, limit: int) -> Lamp:
    """The ``limit`` lamps nearest the camera: street lamps at street (S, 3) [m], and the headlights of
    vehicles at vehicles_xy (N, 2) [m] on ground heights vehicles_z (N,) [m] with heading (N,) [rad] and
    length (N,) [m] (their beams start at the front bumper, HEADLIGHT_HEIGHT up, dipped HEADLIGHT_DIP)."""
    c, s = np.cos(heading), np.sin(heading)
    front = np.column_stack([vehicles_xy[:, 0] + c * length / 2, vehicles_xy[:, 1] + s * length / 2,
                             vehicles_z + HEADLIGHT_HEIGHT])
    beam = np.column_stack([c * math.cos(HEADLIGHT_DIP), s * math.cos(HEADLIGHT_DIP),
                            np.full(len(c), -math.sin(HEADLIGHT_DIP))])
    k = len(street.reshape(-1, 3))
    position = np.concatenate([street.reshape(-1, 3), front])
    direction = np.concatenate([np.tile([0.0, 0.0, -1.0], (k, 1)), beam])
    cone = np.concatenate([np.tile(STREET_CONE, (k, 1)), np.tile(HEADLIGHT_CONE, (len(front), 1))])
    color = np.concatenate([np.tile(STREET_LIGHT, (k, 1)), np.tile(HEADLIGHT, (len(front), 1))])
    order = np.argsort(np.linalg.norm(position - camera_position, axis=1), kind="stable")[:limit]
    return Lamp(position[order], direction[order], cone[order], color[order])
