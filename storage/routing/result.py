"""What routing answers: a status, a reason code and up to five candidates, best first."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

__all__ = ["RouteStatus", "Reason", "StationRef", "Candidate", "RouteResult"]


class RouteStatus(enum.StrEnum):
    MATCHED = "matched"  # one community, confident
    AMBIGUOUS = "ambiguous"  # candidates to offer as buttons (or one to confirm)
    NONE = "none"  # nothing to offer; ``reason`` says why


class Reason(enum.StrEnum):
    """Short codes; ``locales/*/routing.toml`` has a text for each (``routing.reason.<code>``)."""

    EMPTY = "empty"  # nothing typed
    TOO_LONG = "too_long"  # far longer than any address
    OUTSIDE_AREA = "outside_area"  # another district, city or province named explicitly
    NOT_RECOGNISED = "not_recognised"  # no village or community found
    TOWN_ONLY = "town_only"  # a town was recognised but no village or community in it
    APPROXIMATE = "approximate"  # matched, but not letter for letter (typo, pinyin, homophone)
    DUPLICATE_NAME = "duplicate_name"  # the same name in several places
    SIMILAR_NAMES = "similar_names"  # several names are about as close
    UNCERTAIN = "uncertain"  # one candidate, not close enough to be sure: ask to confirm
    TOWN_MISMATCH = "town_mismatch"  # the name exists, but not in the town given


@dataclass(frozen=True, slots=True)
class StationRef:
    id: int
    name: str
    kind: str  # "home" | "station"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": self.kind}


@dataclass(frozen=True, slots=True)
class Candidate:
    code: str  # 12-digit community code
    name: str  # the name people use (金叵罗村, 宾阳西里社区)
    town: str  # its town's official name
    station: StationRef | None
    score: float
    district: str = ""  # its district's name

    @property
    def district_code(self) -> str:
        return self.code[:6]

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "town": self.town,
            "district": self.district,
            "station": self.station.to_json() if self.station else None,
            "score": round(self.score, 3),
        }


@dataclass(frozen=True, slots=True)
class RouteResult:
    query: str
    status: RouteStatus
    reason: str | None
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "status": self.status.value,
            "reason": self.reason,
            "candidates": [c.to_json() for c in self.candidates],
        }
