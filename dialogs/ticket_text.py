"""How a ticket's dates, category and ratings read, the same for residents, staff and deputies."""

from __future__ import annotations

import html
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from locales import catalogue, t
from storage.models import Category

__all__ = ["RATINGS", "category_name", "due_day", "format_day", "format_moment", "format_due"]

# The rating buttons under a resolved ticket: (callback code, lifecycle.satisfaction.* name).
RATINGS = (("s", "satisfied"), ("b", "basic"), ("u", "unsatisfied"))


def due_day(moment: datetime, tz: ZoneInfo) -> date:
    """The local day a deadline falls due at the end of (deadlines are 00:00 of the next day)."""
    return (moment - timedelta(microseconds=1)).astimezone(tz).date()


def format_day(locale: str, day: date) -> str:
    weekday = t(locale, f"cards.weekday.{day.weekday()}")
    return t(locale, "cards.day", year=day.year, month=day.month, day=day.day, weekday=weekday)


def format_moment(locale: str, moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return t(locale, "cards.moment", month=local.month, day=local.day,
             time=local.strftime("%H:%M"))


def format_due(moment: datetime, tz: ZoneInfo) -> str:
    """A deadline as people read it: ``2026-11-28 24:00`` rather than the next day's 00:00."""
    local = moment.astimezone(tz)
    if local.hour == 0 and local.minute == 0:
        day = (local - timedelta(days=1)).date()
        return f"{day.isoformat()} 24:00"
    return local.strftime("%Y-%m-%d %H:%M")


def category_name(category: Category | None, locale: str) -> str:
    if category is None:
        return "—"
    return category.name_en if locale == "en" else category.name_zh


# Timeline entries whose text is part of their label (a ticket number), not shown below it.
TEXT_IN_LABEL = frozenset({"duplicate", "hotline"})


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def entry_label(locale: str, kind: str, text: str | None, level: str) -> str:
    """What a timeline entry says happened, in the reader's language (the same for residents,
    staff and deputies)."""
    key = f"lifecycle.timeline.{kind}"
    if key not in catalogue(locale):
        return t(locale, "tracking.entry_other")
    quoted = html.escape(text or "", quote=False)
    return t(locale, key, ticket=quoted, number=quoted, level=t(locale, f"lifecycle.level.{level}"))


def entry_who(locale: str, author: str | None, actor_kind: str) -> str:
    """Who wrote an entry: their public name, else what kind of person they are."""
    return html.escape(author, quote=False) if author else t(locale, f"inbox.who.{actor_kind}")


def entry_body(locale: str, kind: str, text: str | None, limit: int, key: str) -> str:
    """The entry's own words under its label (``key`` frames them), clipped; "" when none."""
    if not text or kind in TEXT_IN_LABEL:
        return ""
    return "\n" + t(locale, key, text=html.escape(clip(text, limit), quote=False))
