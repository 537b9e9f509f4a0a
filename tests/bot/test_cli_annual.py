"""``jiazhan annual-report`` on the demo district: the DOCX shows the deputy's row of
``jiazhan report --json`` for the same period, in Chinese or English; bad input is refused."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from docx import Document

from bot.cli import main
from locales import t


def district_today() -> date:
    """The district's day, as the CLI sees it."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture
def demo_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("JIAZHAN_LOG_LEVEL", "WARNING")
    monkeypatch.delenv("JIAZHAN_LOCALE", raising=False)
    monkeypatch.setenv("JIAZHAN_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'a.sqlite3'}")
    assert main(["demo", "load"]) == 0
    return tmp_path


def _table(path: Path) -> tuple[dict[str, str], str]:
    doc = Document(str(path))
    (table,) = doc.tables
    return ({r.cells[0].text: r.cells[1].text for r in table.rows},
            "\n".join(p.text for p in doc.paragraphs))


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def test_annual_report_shows_the_reports_row(demo_db: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    year = district_today().year
    capsys.readouterr()
    assert main(["report", "--from", f"{year}-01-01", "--to", district_today().isoformat(),
                 "--json"]) == 0
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    row = max(report["per_deputy"], key=lambda r: (r["deputy_attendances"],
                                                   r["suggestions_collected"]))
    assert row["deputy_attendances"] > 0  # the demo's held quarter has sign-ins
    out = demo_db / "draft.docx"
    assert main(["annual-report", "--deputy", row["code"], "--year", str(year),
                 "--out", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    figures, words = _table(out)
    z = "zh"
    assert t(z, "annual.title", name=row["name"], year=year) in words
    for key in ("deputy_attendances", "voter_contacts", "bookings", "suggestions_collected",
                "answered", "resolved"):
        assert figures[t(z, f"annual.figure.{key}")] == str(row[key]), key
    for key in ("response_rate", "resolution_rate", "satisfaction_rate"):
        assert figures[t(z, f"annual.figure.{key}")] == _percent(row[key]), key
    assert figures[t(z, "annual.figure.station_months")] == t(
        z, "record.of", n=row["station_months_attended"], of=district_today().month)

    english = demo_db / "draft-en.docx"
    assert main(["annual-report", "--deputy", row["code"], "--year", str(year),
                 "--locale", "en", "--out", str(english)]) == 0
    figures_en, words_en = _table(english)
    assert t("en", "annual.title", name=row["name"], year=year) in words_en
    assert figures_en[t("en", "annual.figure.voter_contacts")] == str(row["voter_contacts"])


def test_annual_report_refuses_an_unknown_deputy_and_a_year_to_come(
        demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = demo_db / "x.docx"
    assert main(["annual-report", "--deputy", "nobody", "--year", "2026", "--out",
                 str(out)]) == 1
    assert t("zh", "annual.cli.unknown_deputy", code="nobody") in capsys.readouterr().err
    assert main(["report", "--from", "2026-01-01", "--to", "2026-01-31", "--json"]) == 0
    code = json.loads(capsys.readouterr().out)["per_deputy"][0]["code"]
    assert main(["annual-report", "--deputy", code, "--year", str(district_today().year + 1),
                 "--out", str(out)]) == 2
    assert t("zh", "annual.cli.bad_year", year=district_today().year + 1) in capsys.readouterr().err
    assert not out.exists()
