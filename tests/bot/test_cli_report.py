"""``jiazhan report`` end to end on the demo district: JSON, workbook and charts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PIL import Image

from bot.cli import main
from locales import t
from storage.report import DEPUTY_FIGURES, FIGURES

COUNTS = ("activities_held", "deputy_attendances", "voter_contacts", "bookings",
          "suggestions_collected")


@pytest.fixture
def demo_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("JIAZHAN_LOG_LEVEL", "WARNING")
    monkeypatch.delenv("JIAZHAN_LOCALE", raising=False)
    monkeypatch.setenv("JIAZHAN_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'r.sqlite3'}")
    assert main(["demo", "load"]) == 0
    return tmp_path


def test_report_json_xlsx_and_charts(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    xlsx, png = demo_db / "report.xlsx", demo_db / "charts"
    code = main(["report", "--from", "2026-01-01", "--to", "2026-12-31", "--json",
                 "--xlsx", str(xlsx), "--png", str(png)])
    out, err = capsys.readouterr()
    assert code == 0
    report: dict[str, Any] = json.loads(out)  # one JSON object on stdout, messages on stderr
    assert "report-towns.png" in err
    assert report["period"] == {"from": "2026-01-01", "to": "2026-12-31", "months": 12}
    assert set(report) >= {"totals", "per_home", "per_station", "per_town", "per_deputy"}
    assert len(report["per_town"]) == 21 and len(report["per_home"]) == 20
    assert len(report["per_station"]) == 90 and len(report["per_month"]) == 12
    for row in report["per_home"] + report["per_station"] + report["per_town"]:
        assert set(FIGURES) <= set(row)
    for row in report["per_deputy"]:
        assert set(FIGURES) | set(DEPUTY_FIGURES) <= set(row) and row["evaluation"] is None
    assert report["totals"]["activities_held"] > 0  # the demo's held quarter
    for key in COUNTS:  # every list adds up to the totals
        total = report["totals"][key]
        assert sum(r[key] for r in report["per_town"]) == total
        assert sum(r[key] for r in report["per_home"] + report["per_station"]) == total
        assert sum(r[key] for r in report["per_month"]) == total

    book = load_workbook(xlsx)
    assert book.sheetnames == ["合计", "代表之家", "联络站", "乡镇", "代表", "按月", "意见建议台账"]
    assert book["乡镇"].max_row == 22 and book["乡镇"]["C1"].value == "开展活动（场）"
    for name in ("towns", "rates", "trend"):
        with Image.open(png / f"report-{name}.png") as image:
            assert image.width > 600 and image.height > 300


def test_report_refuses_an_unknown_code_and_a_reversed_period(
        demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--from", "2026-01-01", "--to", "2026-12-31", "--town", "1"]) == 1
    assert main(["report", "--from", "2026-12-01", "--to", "2026-01-31"]) == 2
    assert main(["report", "--from", "2026-01-01", "--to", "2026-12-31",
                 "--district", "110118"]) == 0
    assert "开展活动" in capsys.readouterr().out


# ---- --with-personal-data ----------------------------------------------------------------------
ADMIN, CLERK = 7001, 7002
NAME, PHONE, TEXT = "王小明", "13912345678", "村口的路灯坏了三个月。"


def _add_people_and_a_suggestion(db_file: Path) -> str:
    """An administrator and a plain staff member, and one resident's suggestion; its ticket."""
    import asyncio
    from datetime import UTC, datetime

    from sqlalchemy import select

    from storage import Database, lifecycle
    from storage.deadlines import Deadlines
    from storage.models import Resident, Staff, Station, StationCoverage

    async def go() -> str:
        db = Database(f"sqlite+aiosqlite:///{db_file}")
        try:
            async with db.unit_of_work() as s:
                s.add_all([Staff(telegram_user_id=ADMIN, display_name="管理员"),
                           Staff(telegram_user_id=CLERK, display_name="工作人员")])
                community, station_id = (await s.execute(
                    select(StationCoverage.community_code, StationCoverage.station_id)
                    .join(Station, Station.id == StationCoverage.station_id).limit(1))).one()
                resident = Resident(telegram_user_id=5555, chat_id=5555, locale="zh",
                                    display_name=NAME, phone=PHONE, community_code=community,
                                    station_id=station_id, consent_at=datetime.now(UTC))
                s.add(resident)
                await s.flush()
                made = await lifecycle.create_suggestion(
                    s, resident_id=resident.id, station_id=station_id, category_code="urban",
                    text=TEXT, now=datetime.now(UTC), deadlines=Deadlines(),
                    community_code=community)
                return made.ticket
        finally:
            await db.dispose()

    return asyncio.run(go())


def _audit_entries(db_file: Path) -> list[Any]:
    import asyncio

    from sqlalchemy import select

    from storage import Database
    from storage.models import AuditEntry

    async def go() -> list[Any]:
        db = Database(f"sqlite+aiosqlite:///{db_file}")
        try:
            async with db.reading() as s:
                return list(await s.scalars(select(AuditEntry).where(
                    AuditEntry.action == "report.personal_export")))
        finally:
            await db.dispose()

    return asyncio.run(go())


def _ledger(path: Path) -> list[list[Any]]:
    book = load_workbook(path)
    return [list(row) for row in book["意见建议台账"].iter_rows(values_only=True)]


def test_the_ledger_has_personal_data_only_for_an_administrator_and_audited(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    db_file = demo_db / "r.sqlite3"
    ticket = _add_people_and_a_suggestion(db_file)
    monkeypatch.setenv("JIAZHAN_ADMIN_IDS", str(ADMIN))
    period = ["report", "--from", "2020-01-01", "--to", "2035-12-31"]
    plain, personal = demo_db / "plain.xlsx", demo_db / "out" / "personal.xlsx"
    capsys.readouterr()

    # Without the flag: the ticket is in the ledger, nothing personal anywhere in the workbook.
    assert main([*period, "--xlsx", str(plain)]) == 0
    rows = _ledger(plain)
    assert any(row[0] == ticket for row in rows) and len(rows[0]) == 11
    book = load_workbook(plain)
    cells = {str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row}
    assert not {NAME, PHONE, TEXT} & cells
    assert _audit_entries(db_file) == []

    # Refused: no actor, an unknown one, a staff member who is not an administrator, no --xlsx.
    for extra, key in ((["--xlsx", str(personal)], "report.personal.actor_required"),
                       (["--xlsx", str(personal), "--actor", "424242"],
                        "report.personal.actor_unknown"),
                       (["--xlsx", str(personal), "--actor", str(CLERK)],
                        "report.personal.not_admin"),
                       (["--actor", str(ADMIN)], "report.personal.xlsx_only")):
        assert main([*period, *extra, "--with-personal-data"]) != 0
        assert t("zh", key) in capsys.readouterr().err
    assert not personal.exists() and _audit_entries(db_file) == []

    # The administrator: name, phone and text beside the ticket, a warning, one audit entry.
    assert main([*period, "--xlsx", str(personal), "--with-personal-data",
                 "--actor", str(ADMIN)]) == 0
    err = capsys.readouterr().err
    assert t("zh", "report.personal.warning", path=str(personal)) in err
    rows = _ledger(personal)
    assert rows[0][-3:] == ["提出人", "电话", "意见建议内容"]
    assert [row[-3:] for row in rows if row[0] == ticket] == [[NAME, PHONE, TEXT]]
    (entry,) = _audit_entries(db_file)
    assert entry.actor_kind.value == "staff" and entry.actor_id is not None
    assert entry.details["first"] == "2020-01-01" and entry.details["last"] == "2035-12-31"
    assert entry.details["scope"] == "all" and entry.details["rows"] == len(rows) - 1
    assert str(entry.details["path"]).endswith("personal.xlsx")
    assert NAME not in str(entry.details) and PHONE not in str(entry.details)
