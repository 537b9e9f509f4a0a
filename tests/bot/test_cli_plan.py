"""`jiazhan plan`: after the demo, 12 receptions a liaison station and 4 meetings a home in 2027;
the workbook lists them; running it again changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from test_cli_data import run, use_db  # noqa: F401  (fixture)


def test_demo_then_plan_2027_is_complete_and_idempotent(
    use_db: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path  # noqa: F811
) -> None:
    assert run(capsys, "demo", "load")[0] == 0
    book = tmp_path / "plan.xlsx"
    code, out, _ = run(capsys, "plan", "--year", "2027", "--json", "--xlsx", str(book))
    assert code == 0
    first = json.loads(out)
    assert first["year"] == 2027 and first["created"] > 0
    per_kind = {(s["kind"], s["meetings"]) for s in first["stations"]}
    assert per_kind == {("station", 12), ("home", 4)}
    assert sum(1 for s in first["stations"] if s["kind"] == "station") == 90
    assert sum(1 for s in first["stations"] if s["kind"] == "home") == 20
    sheet = load_workbook(book).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("站点", "日期", "时间", "地点", "形式", "主题", "参加代表", "负责人")
    assert len(rows) - 1 == 90 * 12 + 20 * 4
    assert all(r[1].startswith("2027-") and r[6] for r in rows[1:])
    code, out, _ = run(capsys, "plan", "--year", "2027", "--json")
    again = json.loads(out)
    assert (again["created"], again["updated"]) == (0, 0)
    assert again["unchanged"] == 90 * 12 + 20 * 4
    assert again["stations"] == first["stations"]
