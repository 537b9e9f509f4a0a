"""The nearest station to a shared location (great-circle distance)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from .entries import StationPoint
from .result import StationRef

__all__ = ["EARTH_RADIUS_M", "distance_m", "nearest_station"]

EARTH_RADIUS_M = 6_371_008.8


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def nearest_station(
    points: Sequence[StationPoint], latitude: float, longitude: float
) -> tuple[StationRef, float] | None:
    """The closest station that has coordinates, with its distance; None if none has any."""
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        raise ValueError("latitude must be in [-90, 90] and longitude in [-180, 180]")
    best: tuple[StationPoint, float] | None = None
    for point in points:
        d = distance_m(latitude, longitude, point.latitude, point.longitude)
        if best is None or d < best[1]:
            best = (point, d)
    if best is None:
        return None
    point, d = best
    return StationRef(point.station_id, point.name, point.kind), d
