"""The sun's position from local solar time, latitude and day of the year.

Declination from Cooper's formula, δ = 23.44° · sin(360° · (284 + N) / 365); hour angle
h = 15° per hour from solar noon; elevation asin(sin φ sin δ + cos φ cos δ cos h); azimuth measured
clockwise from north. Accurate to about 1° — enough for shading and sky colour, not for astronomy.
"""
from __future__ import annotations

import math


def sun_position(time_of_day: float, latitude: float, day_of_year: int) -> tuple[float, float]:
    """(elevation, azimuth) [rad] for ``time_of_day`` [s after solar midnight] and ``latitude`` [rad]."""
    declination = math.radians(23.44) * math.sin(2 * math.pi * (284 + day_of_year) / 365)
    hour_angle = math.radians(15.0) * (time_of_day / 3600.0 - 12.0)
    sin_elev = (math.sin(latitude) * math.sin(declination)
                + math.cos(latitude) * math.cos(declination) * math.cos(hour_angle))
    elevation = math.asin(max(-1.0, min(1.0, sin_elev)))
    # azimuth from north, clockwise: atan2(east component, north component) of the sun direction
    east = -math.cos(declination) * math.sin(hour_angle)
    north = (math.cos(latitude) * math.sin(declination)
             - math.sin(latitude) * math.cos(declination) * math.cos(hour_angle))
    return elevation, math.atan2(east, north) % (2 * math.pi)
