"""How a ticket's dates, category and ratings read, the same for residents, staff and deputies."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from locales import t
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
