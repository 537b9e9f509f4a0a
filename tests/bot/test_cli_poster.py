"""`jiazhan poster station|meeting`: an A5 PNG with the t.me link of the station's code or the
meeting's sign-in; an unknown code is one sentence; the CJK font comes with the dependencies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from test_cli_data import run, use_db  # noqa: F401  (fixture)

from bot.poster import SIZE
from storage.fonts import cjk_font_face


def test_the_cjk_font_is_installed_with_the_project() -> None:
    path, face = cjk_font_face()
    assert path.is_file() and face >= 0


def test_station_and_meeting_posters(
    use_db: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path  # noqa: F811
) -> None:
    assert run(capsys, "demo", "load")[0] == 0
    out = tmp_path / "station.png"
    code, printed, _ = run(capsys, "poster", "station", "S110118001-01", str(out),
                           "--bot-username", "JiazhanBot")
    assert code == 0 and printed.strip() == "https://t.me/JiazhanBot?start=st_S110118001-01"
    with Image.open(out) as image:
        assert image.size == SIZE and image.format == "PNG"
    code, _, _ = run(capsys, "plan", "--year", "2027", "--json")
    meeting_png = tmp_path / "meeting.png"
    code, first, _ = run(capsys, "poster", "meeting", "S110118001-01-R202703", str(meeting_png),
                         "--bot-username", "JiazhanBot")
    assert code == 0 and first.startswith("https://t.me/JiazhanBot?start=ci_")
    _, again, _ = run(capsys, "poster", "meeting", "S110118001-01-R202703", str(meeting_png),
                      "--bot-username", "JiazhanBot")
    assert again == first  # the meeting keeps its sign-in token
    code, _, err = run(capsys, "poster", "meeting", "NOPE", str(meeting_png),
                       "--bot-username", "JiazhanBot")
    assert code == 1 and "NOPE" in err
