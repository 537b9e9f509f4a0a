"""What every dialog needs from the running service, handed in by bot/ (never imported from it)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from storage import Database

__all__ = ["DialogConfig", "Services", "system_clock"]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class DialogConfig:
    staff_chat_id: int | None = None
    admin_ids: frozenset[int] = frozenset()
    default_locale: str = "zh"
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    max_suggestions_per_day: int = 10
    max_suggestion_chars: int = 2000
    first_response_days: int = 3
    resolution_days: int = 15
    bot_username: str = ""
    digest_time: time = time(8, 30)  # local time of the staff group's daily digest
    # (weekday 0 = Monday, local time) of the weekly summary in every staff group; None: off
    weekly_report: tuple[int, time] | None = (0, time(9, 0))
    area_name: str = ""  # configured display name of the service area ('' = from the data)
    area_name_en: str = ""
    followup_days: int = 30  # 回访: days after a suggestion is resolved to ask if it stayed fixed


@dataclass
class Services:
    """Shared by all handlers of one Application."""

    db: Database
    config: DialogConfig
    clock: Callable[[], datetime] = system_clock
    # Observers for metrics (bot/ plugs these in); never given personal data.
    on_handled: Callable[[str, float], None] | None = None
    cache: dict[str, object] = field(default_factory=dict)  # process-local caches (router …)
    # Awaited before every direct reply (its chat id, how many messages): the service's one pacer
    # waits for the overall budget (a burst of residents is answered at Telegram's limit, not
    # into 429s) and counts it, so broadcasts take only what interactive traffic leaves.
    pace_direct: Callable[[int, int], Awaitable[None]] | None = None

    @property
    def outbox_signal(self) -> asyncio.Event:
        """Set by every unit of work that committed outbox rows; the delivery worker waits on
        it (see ``storage.Database``)."""
        return self.db.outbox_signal
