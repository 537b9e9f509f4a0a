"""`jiazhan import` succeeds but warns when a station serving residents has no active deputy."""

from __future__ import annotations

import csv
import json
import shutil
from importlib import resources
from pathlib import Path

import pytest

from bot.cli import main


def test_import_warns_about_a_station_left_without_active_deputies(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JIAZHAN_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("JIAZHAN_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    monkeypatch.setenv("JIAZHAN_LOCALE", "en")
    folder = tmp_path / "example"
    shutil.copytree(str(resources.files("storage") / "data" / "example"), folder)
    assert main(["import", str(folder)]) == 0
    assert "no active deputy" not in capsys.readouterr().err
    path = folder / "deputies.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    for row in rows[1:]:
        row[rows[0].index("active")] = "false"  # nobody is active any more
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    assert main(["import", "--json", str(folder)]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["deputies"] == 5
    lines = [line for line in err.strip().splitlines() if "no active deputy" in line]
    assert [line.split(" serves ")[0].rsplit("(", 1)[1] for line in lines] == [
        "EX-GL-01)", "EX-XWZ-01)",  # EX-GL-H serves no community itself: both are covered
    ]
    assert lines[0].startswith("Warning: Sheet stations: ")
    assert "serves 4 villages/communities but has no active deputy" in lines[0]
