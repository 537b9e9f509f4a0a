"""``jiazhan report`` end to end on the demo district: JSON, workbook and charts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PIL import Image

from bot.cli import main
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
