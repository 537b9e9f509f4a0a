"""Address routing: whatever a resident types, the community and station it names, or why not.

>>> router = Router.from_entries(*read_divisions())      # or: await Router.load(session)
>>> router.route("溪翁庄金叵罗").status
<RouteStatus.MATCHED: 'matched'>
"""

from __future__ import annotations

from .entries import (
    DIVISIONS_CSV,
    AliasEntry,
    CommunityEntry,
    DistrictEntry,
    StationPoint,
    TownEntry,
    read_divisions,
)
from .geo import distance_m
from .loading import assign_stations
from .normalize import to_simplified
from .result import Candidate, Reason, RouteResult, RouteStatus, StationRef
from .router import MAX_QUERY_LENGTH, Router

__all__ = [
    "AliasEntry",
    "Candidate",
    "CommunityEntry",
    "DistrictEntry",
    "DIVISIONS_CSV",
    "MAX_QUERY_LENGTH",
    "Reason",
    "RouteResult",
    "RouteStatus",
    "Router",
    "StationPoint",
    "StationRef",
    "TownEntry",
    "assign_stations",
    "distance_m",
    "read_divisions",
    "to_simplified",
]
