"""Statistics: counts, suggestions by status, and the three rates overall and per station/town/deputy."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from storage import Database
from storage.categories import ensure_categories
from storage.models import Deputy, Meeting, Station, Suggestion, SuggestionStatus
from storage.stats import collect_stats, render_stats
from storage.transfer import import_path

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)

# (station, assignee, status, created, first response after creation, satisfaction)
SUGGESTIONS: list[tuple[str, str | None, str, datetime, timedelta | None, str | None]] = [
    ("EX-GL-01", "EX-D02", "resolved", NOW - 10 * D, 24 * H, "satisfied"),
    ("EX-GL-01", "EX-D02", "closed", NOW - 10 * D, 96 * H, "unsatisfied"),  # answered late
    ("EX-GL-01", "EX-D03", "assigned", NOW - 5 * D, None, None),  # overdue, no answer
    ("EX-GL-01", None, "new", NOW - 1 * D, None, None),  # not due yet: not counted for response
    ("EX-GL-01", None, "answered", NOW - 1 * D, 2 * H, None),
    ("EX-GL-01", None, "duplicate", NOW - 9 * D, None, None),  # never counted in rates
    ("EX-XWZ-01", "EX-D04", "rejected", NOW - 3 * D, 10 * H, None),
    # Month boundary in the district's zone: 2026-11-01 01:00 in Beijing is still October in UTC.
    ("EX-GL-H", None, "duplicate", datetime(2026, 10, 31, 17, 0, tzinfo=UTC), None, None),
    ("EX-GL-H", None, "duplicate", datetime(2026, 10, 31, 15, 0, tzinfo=UTC), None, None),
]


@pytest.fixture
async def world(db: Database, tmp_path: Path) -> Database:
    folder = tmp_path / "example"
    shutil.copytree(str(resources.files("storage") / "data" / "example"), folder)
    async with db.unit_of_work() as session:
        await import_path(session, folder, tz=TZ)
        await ensure_categories(session)
        stations = dict((await session.execute(select(Station.code, Station.id))).all())
        deputies = dict((await session.execute(select(Deputy.code, Deputy.id))).all())
        for n, (station, assignee, status, created, response, rating) in enumerate(SUGGESTIONS, 1):
            session.add(
                Suggestion(
                    ticket=f"2026-{n:06d}", station_id=stations[station], category_code="urban",
                    text="…", status=status, created_at=created,
                    assignee_deputy_id=deputies[assignee] if assignee else None,
                    first_response_at=created + response if response else None,
                    first_response_due=created + 3 * D, resolution_due=created + 15 * D,
                    satisfaction=rating,
                )
            )
        await session.execute(
            update(Meeting).where(Meeting.code == "EX-GL-H-F2027Q1").values(status="cancelled")
        )
    return db


async def stats(db: Database, now: datetime = NOW) -> dict[str, Any]:
    async with db.reading() as session:
        return await collect_stats(session, tz=TZ, now=now)


def by_code(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["code"]: row for row in rows}


async def test_headline_counts(world: Database) -> None:
    result = await stats(world)
    assert (result["towns"], result["communities"]) == (2, 6)
    assert result["stations"] == {"total": 3, "homes": 1, "stations": 2, "model": 1}
    assert result["deputies"] == {"national": 0, "municipal": 1, "district": 2, "town": 2}
    assert result["meetings_upcoming"] == 2  # the cancelled forum is not upcoming
    assert result["suggestions"] == {
        "new": 1, "assigned": 1, "answered": 1, "resolved": 1, "closed": 1, "rejected": 1,
        "duplicate": 3, "escalated": 0, "reopened": 0,
    }
    assert set(result["suggestions"]) == {s.value for s in SuggestionStatus}
    assert result["suggestions_this_month"] == 8
    later = await stats(world, datetime(2027, 6, 1, tzinfo=UTC))
    assert later["meetings_upcoming"] == 0 and later["suggestions_this_month"] == 0


async def test_three_rates_and_median_overall(world: Database) -> None:
    assert (await stats(world))["rates"] == {
        "suggestions": 6, "open": 3,
        "response_rate": 0.6,  # 3 of 5 due were answered in time
        "resolution_rate": 0.3333,  # 2 of 6
        "satisfaction_rate": 0.5,  # 1 of 2 rated
        "median_first_response_hours": 17.0,  # of 2, 10, 24, 96
    }


async def test_rates_per_station_town_and_deputy(world: Database) -> None:
    result = await stats(world)
    stations = by_code(result["per_station"])
    expected = {
        "suggestions": 5, "open": 3, "response_rate": 0.5, "resolution_rate": 0.4,
        "satisfaction_rate": 0.5, "median_first_response_hours": 24.0,
        "communities": 4, "deputies": 2, "meetings_upcoming": 1, "model": True,
    }
    assert {key: stations["EX-GL-01"][key] for key in expected} == expected
    assert (stations["EX-XWZ-01"]["response_rate"], stations["EX-XWZ-01"]["resolution_rate"]) == (1.0, 0.0)
    assert stations["EX-XWZ-01"]["satisfaction_rate"] is None
    assert stations["EX-GL-H"]["suggestions"] == 0 and stations["EX-GL-H"]["response_rate"] is None
    towns = by_code(result["per_town"])
    assert towns["110118001"]["suggestions"] == 5 and towns["110118001"]["response_rate"] == 0.5
    assert (towns["110118101"]["stations"], towns["110118101"]["homes"]) == (1, 0)
    deputies = by_code(result["per_deputy"])
    assert deputies["EX-D02"]["median_first_response_hours"] == 60.0
    assert (deputies["EX-D02"]["response_rate"], deputies["EX-D02"]["resolution_rate"]) == (0.5, 1.0)
    assert deputies["EX-D03"]["response_rate"] == 0.0
    assert deputies["EX-D01"]["suggestions"] == 0 and deputies["EX-D01"]["stations"] == 1


async def test_empty_database(db: Database) -> None:
    result = await stats(db)
    assert result["towns"] == 0 and result["stations"]["total"] == 0
    assert result["rates"]["response_rate"] is None and result["per_station"] == []
    assert "—" in render_stats(result, "en")


async def test_render_in_both_languages(world: Database) -> None:
    result = await stats(world)
    zh, en = render_stats(result, "zh"), render_stats(result, "en")
    assert "响应率 60.0%，解决率 33.3%，满意率 50.0%" in zh and "17.0 小时" in zh
    assert "Response rate 60.0%, resolution rate 33.3%, satisfaction rate 50.0%" in en
    assert "鼓楼街道：村/社区 4" in zh and "duplicate 3" in en
