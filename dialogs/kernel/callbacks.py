"""Callback data: short ASCII strings ``flow:action[:arg…]`` that always fit in 64 bytes.

Never put user text (let alone Chinese) in callback data; put ids and codes. Anything that does
not parse is treated as garbage and refused politely by the kernel.

Every flow's prefix (the ``flow`` part) is defined here, so two flows never share one and a flow
can put another's buttons on its messages without importing it. A prefix is also the flow's
name in the dialog state where the flow has one (``sg``, ``my``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "CallbackData", "encode", "decode", "MAX_BYTES", "PREFIXES",
    "LANGUAGE", "ONBOARDING", "STATION", "PRIVACY", "SUGGEST", "TRACKING", "TRIAGE", "TIMELINE",
    "DEPUTY", "EVALUATION", "EVALUATION_VOTE", "REPORT", "FOLLOWUP", "PUBLICITY", "RECORD",
]

MAX_BYTES = 64
_PART = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")

LANGUAGE = "lang"  # everyone: /language
ONBOARDING = "ob"  # resident: consent and address
STATION = "st"  # resident: the station card, subscriptions, calendar
PRIVACY = "pv"  # resident: /privacy and /forget
SUGGEST = "sg"  # resident: writing a suggestion
TRACKING = "my"  # resident: their tickets, follow-ups and ratings
TRIAGE = "tri"  # staff: the buttons of a staff card
TIMELINE = "tl"  # staff: a ticket's timeline beside its card
DEPUTY = "dep"  # deputy: their inbox and tickets
EVALUATION = "ev"  # staff: /evaluate (voters' 评议 of a deputy's report)
EVALUATION_VOTE = "evr"  # resident: a vote and its comment in an evaluation
REPORT = "rep"  # staff: /report's period buttons in a staff group
FOLLOWUP = "fu"  # resident: "is it still fixed?" some days after a suggestion was resolved
PUBLICITY = "pub"  # staff: the monthly 公示 of their area
RECORD = "dr"  # deputy: their record (履职档案) and the annual report draft
PREFIXES = (LANGUAGE, ONBOARDING, STATION, PRIVACY, SUGGEST, TRACKING, TRIAGE, TIMELINE, DEPUTY,
            EVALUATION, EVALUATION_VOTE, REPORT, FOLLOWUP, PUBLICITY, RECORD)


@dataclass(frozen=True)
class CallbackData:
    flow: str
    action: str
    args: tuple[str, ...] = ()

    def arg(self, index: int, default: str = "") -> str:
        return self.args[index] if index < len(self.args) else default

    def int_arg(self, index: int) -> int | None:
        value = self.arg(index)
        return int(value) if value.isdigit() and len(value) <= 18 else None


def encode(flow: str, action: str, *args: object) -> str:
    parts = [flow, action, *(str(a) for a in args)]
    for part in parts:
        if not _PART.match(part):
            raise ValueError(f"callback part not allowed: {part!r}")
    data = ":".join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError("callback data longer than 64 bytes")
    return data


def decode(data: str | None) -> CallbackData | None:
    if not data or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    parts = data.split(":")
    if len(parts) < 2 or not all(_PART.match(p) for p in parts):
        return None
    return CallbackData(parts[0], parts[1], tuple(parts[2:]))
