"""The suggestions ledger at speed: times formatted by the database when the zone keeps one
offset over the period (and by Python across a clock change) read the same as Python's own
formatting; batches add up to the whole ledger in ticket order; the workbook is written in
write-only mode with the ledger streamed in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from storage import Database
from storage.categories import ensure_categories
from storage.models import (
    Deputy,
    DeputyLevel,
    District,
    Station,
    StationKind,
    Suggestion,
    SuggestionStatus,
    Town,
)
from storage.report import (
    LEDGER_COLUMNS,
    ReportScope,
    build_report,
    ledger_batches,
    ledger_rows,
)
from storage.report_render import ReportWorkbook, write_report_xlsx

SHANGHAI = ZoneInfo("Asia/Shanghai")  # one offset all year
BERLIN = ZoneInfo("Europe/Berlin")  # clocks change on 2026-03-29 and 2026-10-25
# Odd minutes and seconds, on both sides of Berlin's spring change and of midnight in each zone.
CREATED = [datetime(2026, 1, 31, 16, 7, 59, 999_000, tzinfo=UTC),
           datetime(2026, 3, 28, 23, 30, 1, tzinfo=UTC),
           datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC),
           datetime(2026, 3, 29, 2, 59, 59, tzinfo=UTC),
           datetime(2026, 6, 30, 15, 59, 0, tzinfo=UTC)]


async def _build(db: Database) -> None:
    async with db.unit_of_work() as s:
        await ensure_categories(s)
        s.add(District(code="110000", name="某区"))
        await s.flush()
        s.add(Town(code="110000001", name="甲镇", short_name="甲镇", district_code="110000"))
        await s.flush()
        station = Station(code="S1", kind=StationKind.STATION, name="站", town_code="110000001")
        deputy = Deputy(code="D1", name="代表", level=DeputyLevel.DISTRICT)
        s.add_all([station, deputy])
        await s.flush()
        for n, created in enumerate(CREATED, 1):
            answered = created + timedelta(hours=n * 7, minutes=n)
            s.add(Suggestion(
                ticket=f"2026-{n:06d}", station_id=station.id, category_code="urban", text="…",
                status=SuggestionStatus.CLOSED if n % 2 else SuggestionStatus.NEW,
                created_at=created, first_response_due=created + timedelta(days=3),
                resolution_due=created + timedelta(days=15),
                first_response_at=answered if n % 2 else None,
                resolved_at=answered + timedelta(days=1) if n % 2 else None,
                closed_at=answered + timedelta(days=2, seconds=59) if n % 2 else None,
                assignee_deputy_id=deputy.id if n % 2 else None))


def _expected(tz: ZoneInfo) -> list[tuple[str, str, str, str, str]]:
    def stamp(value: datetime | None) -> str:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""

    out = []
    for n, created in enumerate(CREATED, 1):
        answered = created + timedelta(hours=n * 7, minutes=n)
        out.append((f"2026-{n:06d}", stamp(created), stamp(answered if n % 2 else None),
                    stamp(answered + timedelta(days=1) if n % 2 else None),
                    stamp(answered + timedelta(days=2, seconds=59) if n % 2 else None)))
    return out


@pytest.mark.parametrize("tz", [SHANGHAI, BERLIN], ids=["fixed-offset", "clock-change"])
async def test_ledger_times_read_as_python_formats_them(db: Database, tz: ZoneInfo) -> None:
    await _build(db)
    async with db.reading() as s:
        rows = await ledger_rows(s, date(2026, 1, 1), date(2026, 12, 31), tz, ReportScope(None))
    got = [(r["ticket"], r["created"], r["first_response"], r["resolved_at"], r["closed"])
           for r in rows]
    # The period is in the zone: only what was made from its 1 January counts.
    assert got == [e for e, c in zip(_expected(tz), CREATED, strict=True)
                   if c.astimezone(tz).year == 2026]
    assert all(r["handler"] == ("D1" if int(r["ticket"][-1]) % 2 else "") for r in rows)


async def test_batches_add_up_to_the_ledger_in_ticket_order(db: Database) -> None:
    await _build(db)
    first, last = date(2026, 1, 1), date(2026, 12, 31)
    async with db.reading() as s:
        whole = await ledger_rows(s, first, last, SHANGHAI, ReportScope(None))
        batches = [b async for b in ledger_batches(s, first, last, SHANGHAI, ReportScope(None),
                                                   size=2)]
    assert [len(b) for b in batches] == [2, 2, 1]
    assert [row for b in batches for row in b] == whole
    assert [r["ticket"] for r in whole] == sorted(r["ticket"] for r in whole)


async def test_the_workbook_streams_the_ledger(db: Database, tmp_path: Path) -> None:
    await _build(db)
    first, last = date(2026, 1, 1), date(2026, 12, 31)
    now = datetime(2027, 1, 1, tzinfo=UTC)
    async with db.reading() as s:
        report = await build_report(s, first, last, SHANGHAI, now, ReportScope(None))
        book = ReportWorkbook(report, {"sheet.ledger": "台账"})
        async for batch in ledger_batches(s, first, last, SHANGHAI, ReportScope(None), size=2):
            book.add_ledger(batch)
        whole = await ledger_rows(s, first, last, SHANGHAI, ReportScope(None))
    book.save(tmp_path / "streamed.xlsx")
    write_report_xlsx(tmp_path / "whole.xlsx", report, whole, {"sheet.ledger": "台账"})
    assert book.ledger_rows == len(whole) == 5
    streamed = load_workbook(tmp_path / "streamed.xlsx")
    at_once = load_workbook(tmp_path / "whole.xlsx")
    assert streamed.sheetnames == at_once.sheetnames
    for name in streamed.sheetnames:
        assert ([list(r) for r in streamed[name].iter_rows(values_only=True)]
                == [list(r) for r in at_once[name].iter_rows(values_only=True)])
    sheet = streamed["台账"]
    assert [c.value for c in sheet[1]] == list(LEDGER_COLUMNS)
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [
        r["ticket"] for r in whole]
