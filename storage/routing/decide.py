"""From scored candidates to one of three outcomes: matched, ambiguous or none.

The thresholds are calibrated on the generated test set (tests/storage/routing_cases.py): a
fuzzy answer is *matched* only when it is close (≥ ``match``) and clearly ahead of the next
community (by ``margin``); otherwise the close ones are offered, and below ``offer`` nothing is.
"""

from __future__ import annotations

from dataclasses import dataclass

from .index import Scored
from .result import Reason, RouteStatus

__all__ = ["Thresholds", "Decision", "HANZI_THRESHOLDS", "LATIN_THRESHOLDS", "decide_exact",
           "decide_fuzzy", "decide_offer", "MAX_OFFERED", "MAX_SAME_NAME"]

MAX_OFFERED = 5
MAX_SAME_NAME = 24  # one name in many places (辛庄村: 14): all are kept, the dialog asks district first


@dataclass(frozen=True, slots=True)
class Thresholds:
    match: float  # the best is at least this close …
    margin: float  # … and this far ahead of the second: matched
    offer: float  # nothing below this is offered
    band: float  # offered: everything within this of the best


# Scores are normalised Levenshtein similarities: one substituted or dropped character in a
# three-character name scores 0.667, in a four-character name 0.75; a pinyin-only likeness counts
# 0.9 of its own. A typo as close to 上庄子 as to 上甸子 has no margin, so both are offered.
HANZI_THRESHOLDS = Thresholds(match=0.66, margin=0.12, offer=0.5, band=0.2)
LATIN_THRESHOLDS = Thresholds(match=0.82, margin=0.1, offer=0.6, band=0.15)


@dataclass(frozen=True, slots=True)
class Decision:
    status: RouteStatus
    reason: str | None
    scored: Scored  # (community index, score), best first, at most MAX_OFFERED

    @classmethod
    def nothing(cls, reason: Reason) -> Decision:
        return cls(RouteStatus.NONE, reason.value, [])


def decide_exact(scored: Scored, reason: Reason | None = None) -> Decision:
    """Named exactly (or by an exact key such as pinyin): one is matched, several are offered."""
    if len(scored) == 1:
        return Decision(RouteStatus.MATCHED, reason.value if reason else None, scored)
    return Decision(RouteStatus.AMBIGUOUS, Reason.DUPLICATE_NAME.value, scored[:MAX_SAME_NAME])


def decide_fuzzy(scored: Scored, limits: Thresholds) -> Decision | None:
    """``scored`` is best first; None when nothing is close enough to offer."""
    if not scored or scored[0][1] < limits.offer:
        return None
    best = scored[0][1]
    second = scored[1][1] if len(scored) > 1 else 0.0
    if best >= limits.match and best - second >= limits.margin:
        return Decision(RouteStatus.MATCHED, Reason.APPROXIMATE.value, scored[:1])
    floor = max(limits.offer, best - limits.band)
    offered = [item for item in scored if item[1] >= floor][:MAX_OFFERED]
    reason = Reason.SIMILAR_NAMES if len(offered) > 1 else Reason.UNCERTAIN
    return Decision(RouteStatus.AMBIGUOUS, reason.value, offered)


def decide_offer(scored: Scored) -> Decision | None:
    """Weak evidence (pinyin initials): offer, never match."""
    if not scored or len(scored) > MAX_OFFERED:
        return None
    reason = Reason.SIMILAR_NAMES if len(scored) > 1 else Reason.UNCERTAIN
    return Decision(RouteStatus.AMBIGUOUS, reason.value, scored)
