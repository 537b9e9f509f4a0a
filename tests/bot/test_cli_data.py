"""The data commands end to end: db upgrade, demo load, stats, export, import."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main


@pytest.fixture
def use_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Point JIAZHAN_DATABASE_URL at a fresh SQLite file; call again for another database."""
    monkeypatch.setenv("JIAZHAN_LOG_LEVEL", "WARNING")
    monkeypatch.delenv("JIAZHAN_LOCALE", raising=False)

    def switch(name: str) -> None:
        monkeypatch.setenv("JIAZHAN_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / name}")

    switch("main.sqlite3")
    return switch


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def stats_json(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out, _ = run(capsys, "stats", "--json")
    assert code == 0
    return json.loads(out)  # one JSON object, nothing else on stdout


def test_db_upgrade(use_db: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, "db", "upgrade")[:2] == (0, "ok\n")
    assert (tmp_path / "main.sqlite3").exists()


def test_demo_load_then_stats(use_db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo", "load")
    assert code == 0 and json.loads(out)["stations"] == 110
    stats = stats_json(capsys)
    assert (stats["towns"], stats["communities"]) == (21, 429)
    assert stats["stations"] == {"total": 110, "homes": 20, "stations": 90, "model": 20}
    assert set(stats["deputies"]) == {"national", "municipal", "district", "town"}
    assert all(n > 0 for n in stats["deputies"].values())
    assert all(s["meetings_upcoming"] > 0 for s in stats["per_station"])
    assert stats["meetings_upcoming"] == sum(s["meetings_upcoming"] for s in stats["per_station"])
    assert stats["suggestions"]["new"] == 0 and len(stats["suggestions"]) == 9
    code, text, _ = run(capsys, "stats")
    assert code == 0 and "站点 110 个：人大代表之家 20 个，联络站 90 个（其中区级示范站 20 个）" in text


def test_demo_load_refuses_a_database_with_data_unless_forced(
    use_db: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(capsys, "demo", "load")[0] == 0
    before = stats_json(capsys)
    monkeypatch.setenv("JIAZHAN_LOCALE", "en")
    code, out, err = run(capsys, "demo", "load")
    assert (code, out) == (1, "") and "--force" in err and "already has data" in err
    assert run(capsys, "demo", "load", "--force")[0] == 0
    assert stats_json(capsys) == before


@pytest.mark.parametrize("target", ["district.xlsx", "district"])
def test_export_import_into_empty_database_gives_identical_stats(
    use_db: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path, target: str
) -> None:
    run(capsys, "demo", "load")
    before = stats_json(capsys)
    code, out, _ = run(capsys, "export", "--json", str(tmp_path / target))
    assert code == 0 and json.loads(out)["meetings"] > 0
    use_db("empty.sqlite3")
    code, out, _ = run(capsys, "import", "--json", str(tmp_path / target))
    assert code == 0 and json.loads(out)["communities"] == 429
    assert stats_json(capsys) == before


def test_broken_file_is_refused_precisely_and_changes_nothing(
    use_db: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, "demo", "load")
    folder = tmp_path / "district"
    run(capsys, "export", str(folder))
    before = stats_json(capsys)
    path = folder / "coverage.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[2][1] = "110118999999"  # row 3, column community_code
    rows[5][0] = "NO-SUCH-STATION"  # row 6, column station_code
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    code, out, err = run(capsys, "import", str(folder))
    assert (code, out) == (1, "")
    lines = err.strip().splitlines()
    assert lines[0].startswith("工作表 coverage 第 3 行 community_code 列：找不到“110118999999”")
    assert lines[1].startswith("工作表 coverage 第 6 行 station_code 列：找不到“NO-SUCH-STATION”")
    assert lines[-1] == "导入被拒绝：发现 2 个问题，数据库未作任何改动。"
    monkeypatch.setenv("JIAZHAN_LOCALE", "en")
    code, _, err = run(capsys, "import", str(tmp_path / "missing.xlsx"))
    assert code == 1 and err.startswith("File: ") and "missing.xlsx does not exist" in err
    assert stats_json(capsys) == before


def test_export_and_import_say_in_words_what_they_wrote(
    use_db: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, "demo", "load")
    code, out, _ = run(capsys, "export", str(tmp_path / "district.xlsx"))
    assert code == 0
    assert out.startswith(f"已导出到 {tmp_path / 'district.xlsx'}（XLSX 工作簿）：区（districts） 1 行，乡镇（towns） 21 行，")
    assert "村和社区（communities） 429 行" in out and "jiazhan import" in out
    monkeypatch.setenv("JIAZHAN_LOCALE", "en")
    code, out, _ = run(capsys, "export", str(tmp_path / "folder"))
    assert out.startswith(f"Exported to {tmp_path / 'folder'} (a CSV folder, one .csv file per sheet)")
    use_db("other.sqlite3")
    code, out, _ = run(capsys, "import", str(tmp_path / "folder"))
    assert code == 0 and "villages and communities 429 rows" in out


def test_stats_into_a_closed_pipe_ends_quietly(
    use_db: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """``jiazhan stats --json | head -c 1``: the reader is gone before the output; no traceback."""
    import subprocess
    import sys

    run(capsys, "demo", "load")
    reader, writer = os.pipe()
    os.close(reader)  # like head that has already left
    done = subprocess.run([sys.executable, "-m", "bot", "stats", "--json"], stdout=writer,
                          stderr=subprocess.PIPE, timeout=120, check=False)
    os.close(writer)
    assert done.stderr.decode() == ""
    assert done.returncode == 1


async def test_invite_deputy_by_part_of_the_name_links_the_real_bot(
    use_db: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from bot.emulator import BotApiEmulator

    emulator = BotApiEmulator("123456:CLI", bot_username="miyun_jiazhan_bot")
    root = await emulator.start()
    try:
        await asyncio.to_thread(run, capsys, "demo", "load")
        monkeypatch.setenv("JIAZHAN_LOCALE", "zh")
        code, out, err = await asyncio.to_thread(run, capsys, "invite", "deputy", "廖一")
        assert code == 2 and "JIAZHAN_BOT_TOKEN" in err and out == ""  # no token: no link
        monkeypatch.setenv("JIAZHAN_BOT_TOKEN", "123456:CLI")
        monkeypatch.setenv("JIAZHAN_BOT_API_URL", root)
        code, out, err = await asyncio.to_thread(run, capsys, "invite", "deputy", "廖一")
        assert code == 0, err
        assert out.startswith("https://t.me/miyun_jiazhan_bot?start=inv_")
        code, _, err = await asyncio.to_thread(run, capsys, "invite", "deputy", "示例代表")
        assert code == 1 and err.startswith("有 8 位代表符合「示例代表」")
    finally:
        await emulator.stop()
