"""Calendar files: RFC 5545 structure, UTC times, escaping, folding at 75 octets, stable UID."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from storage.calendar import CalendarEvent, event_ics, ics_text

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 12, 7, 9, 0, tzinfo=TZ)
STAMP = datetime(2026, 11, 25, 1, 2, 3, tzinfo=UTC)


def _event(**changes: object) -> CalendarEvent:
    base: dict[str, object] = dict(
        key="S110118100-01-R202612", starts_at=START, ends_at=START + timedelta(hours=2, minutes=30),
        summary="代表接待日：溪翁庄镇金叵罗人大代表联络站", location="金叵罗村党群服务中心一层",
        description="主题：月进站，听取意见建议\n参加代表：示例代表·张一、示例代表·王二",
        latitude=40.45, longitude=116.83,
    )
    base.update(changes)
    return CalendarEvent(**base)  # type: ignore[arg-type]


def _unfold(data: bytes) -> list[str]:
    text = data.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def test_the_file_is_one_event_with_utc_times_and_a_stable_uid() -> None:
    data = event_ics(_event(), stamp=STAMP)
    lines = _unfold(data)
    assert lines[:5] == ["BEGIN:VCALENDAR", "VERSION:2.0", lines[2], "CALSCALE:GREGORIAN",
                         "METHOD:PUBLISH"]
    assert lines[2].startswith("PRODID:")
    assert lines[-2:] == ["END:VEVENT", "END:VCALENDAR"]
    fields = dict(line.split(":", 1) for line in lines if not line.startswith(("BEGIN", "END")))
    assert fields["DTSTART"] == "20261207T010000Z"  # 09:00 in Beijing
    assert fields["DTEND"] == "20261207T033000Z"
    assert fields["DTSTAMP"] == "20261125T010203Z"
    assert fields["UID"] == "S110118100-01-R202612@jiazhan.miyun"
    assert fields["GEO"] == "40.450000;116.830000"
    assert fields["TRIGGER"] == "-P1D"
    assert lines.count("BEGIN:VEVENT") == 1 and lines.count("BEGIN:VALARM") == 1
    assert event_ics(_event(), stamp=STAMP) == data  # same meeting, same file


def test_text_is_escaped_and_long_lines_are_folded_within_75_octets() -> None:
    data = event_ics(_event(summary="会议; 地点, 说明\\" + "很长的主题" * 30), stamp=STAMP)
    raw = data.decode("utf-8").split("\r\n")
    assert all(len(line.encode("utf-8")) <= 75 for line in raw)
    assert any(line.startswith(" ") for line in raw)  # folded
    summary = next(line for line in _unfold(data) if line.startswith("SUMMARY:"))
    assert summary.startswith("SUMMARY:会议\\; 地点\\, 说明\\\\很长的主题")
    description = next(line for line in _unfold(data) if line.startswith("DESCRIPTION:主题"))
    assert "\\n参加代表" in description
    assert ics_text("a\r\nb\rc") == "a\\nb\\nc"


def test_optional_parts_are_left_out_and_nonsense_is_refused() -> None:
    lines = _unfold(event_ics(_event(location="", description="", latitude=None, longitude=None,
                                     remind_before=None), stamp=STAMP))
    assert not any(line.startswith(("LOCATION", "GEO", "BEGIN:VALARM")) for line in lines)
    assert any(line.startswith("TRIGGER:-PT1H30M") for line in _unfold(
        event_ics(_event(remind_before=timedelta(minutes=90)), stamp=STAMP)))
    with pytest.raises(ValueError):
        event_ics(_event(ends_at=START), stamp=STAMP)
    with pytest.raises(ValueError):
        event_ics(_event(starts_at=datetime(2026, 12, 7, 9, 0)), stamp=STAMP)
