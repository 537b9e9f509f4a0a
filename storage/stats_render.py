"""Render the statistics object of :func:`storage.stats.collect_stats` as readable text."""

from __future__ import annotations

from typing import Any

from locales import t

__all__ = ["render_stats", "render_rates_by_town", "format_rate"]


def format_rate(locale: str, value: float | None) -> str:
    if value is None:
        return t(locale, "stats.none")
    return f"{value * 100:.1f}%"


def _hours(locale: str, value: float | None) -> str:
    if value is None:
        return t(locale, "stats.none")
    return t(locale, "stats.hours", hours=f"{value:.1f}")


def _rates_line(locale: str, rates: dict[str, Any]) -> str:
    return t(
        locale,
        "stats.rates",
        response=format_rate(locale, rates["response_rate"]),
        resolution=format_rate(locale, rates["resolution_rate"]),
        satisfaction=format_rate(locale, rates["satisfaction_rate"]),
        median=_hours(locale, rates["median_first_response_hours"]),
    )


def render_stats(stats: dict[str, Any], locale: str) -> str:
    """Headline counts, suggestions by status, the three rates, then one line per town."""
    stations, deputies = stats["stations"], stats["deputies"]
    lines = [
        t(locale, "stats.title"),
        t(locale, "stats.places", towns=stats["towns"], communities=stats["communities"]),
        t(locale, "stats.stations", homes=stations["homes"], stations=stations["stations"],
          model=stations["model"], total=stations["total"]),
        t(locale, "stats.deputies", **deputies),
        t(locale, "stats.meetings_upcoming", count=stats["meetings_upcoming"]),
        t(locale, "stats.suggestions", total=sum(stats["suggestions"].values()),
          month=stats["suggestions_this_month"]),
    ]
    by_status = [
        t(locale, f"stats.status.{status}", count=n) for status, n in stats["suggestions"].items() if n
    ]
    if by_status:
        lines.append("  " + t(locale, "stats.separator").join(by_status))
    lines.append(_rates_line(locale, stats["rates"]))
    districts = stats.get("per_district", [])
    if len(districts) > 1:  # a city deployment: one line per district first
        lines += ["", t(locale, "stats.per_district")]
        for d in districts:
            lines.append("  " + t(
                locale, "stats.district_line", name=d["name"], towns=d["towns"],
                communities=d["communities"], stations=d["stations"],
                suggestions=d["suggestions"], open=d["open"],
                response=format_rate(locale, d["response_rate"]),
                resolution=format_rate(locale, d["resolution_rate"]),
                satisfaction=format_rate(locale, d["satisfaction_rate"]),
            ))
    lines.append("")
    lines.append(t(locale, "stats.per_town"))
    for town in stats["per_town"]:
        lines.append("  " + t(
            locale, "stats.town_line", name=town["name"], communities=town["communities"],
            homes=town["homes"], stations=town["stations"], meetings=town["meetings_upcoming"],
            suggestions=town["suggestions"], open=town["open"],
            response=format_rate(locale, town["response_rate"]),
            resolution=format_rate(locale, town["resolution_rate"]),
            satisfaction=format_rate(locale, town["satisfaction_rate"]),
        ))
    lines.append("")
    lines.append(t(locale, "stats.more"))
    return "\n".join(lines)


def render_rates_by_town(
    overall: dict[str, Any], towns: list[dict[str, Any]], locale: str, day: str
) -> str:
    """/stats in the staff group: the three rates over all stations, then each town with
    suggestions (see :func:`storage.stats.rates_by_town`)."""
    lines = [t(locale, "stats.group_title", date=day),
             t(locale, "stats.group_counts", total=overall["suggestions"], open=overall["open"]),
             _rates_line(locale, overall)]
    if towns:
        lines += ["", t(locale, "stats.per_town")]
    for town in towns:
        lines.append("· " + t(
            locale, "stats.group_town", name=town["name"], suggestions=town["suggestions"],
            open=town["open"], response=format_rate(locale, town["response_rate"]),
            resolution=format_rate(locale, town["resolution_rate"]),
            satisfaction=format_rate(locale, town["satisfaction_rate"]),
        ))
    lines += ["", t(locale, "stats.group_more")]
    return "\n".join(lines)
