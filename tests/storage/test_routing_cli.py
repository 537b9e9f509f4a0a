"""`jiazhan route`: readable, --json, and --batch (one JSON line per stdin line, in order)."""

from __future__ import annotations

import asyncio
import io
import json
import sys
import time
from pathlib import Path

import pytest
from routing_cases import generate_cases

from bot.cli import main
from storage import Database
from storage.models import Community, District, Town
from storage.routing import Router, read_divisions


def fill_divisions(url: str) -> None:
    async def go() -> None:
        db = Database(url)
        await db.upgrade()
        towns, communities = read_divisions()
        async with db.unit_of_work() as session:
            session.add(District(code="110118", name="密云区"))
            session.add_all(Town(code=t.code, name=t.name, short_name=t.short_name) for t in towns)
            await session.flush()
            session.add_all(
                Community(code=c.code, name=c.name, short_name=c.short_name, town_code=c.town_code,
                          unit_type=c.unit_type)
                for c in communities
            )
        await db.dispose()

    asyncio.run(go())


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'route.sqlite3'}"
    monkeypatch.setenv("JIAZHAN_DATABASE_URL", url)
    monkeypatch.setenv("JIAZHAN_LOCALE", "en")
    return url


def test_batch_answers_3000_lines_in_order(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fill_divisions(database_url)
    queries = [c.query for c in generate_cases()][:3000]
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(q + "\n" for q in queries)))
    started = time.perf_counter()
    assert main(["route", "--batch"]) == 0
    elapsed = time.perf_counter() - started
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3000
    direct = Router.from_entries(*read_divisions())
    for query, line in zip(queries, lines, strict=True):
        answer = json.loads(line)
        assert answer == direct.route(query).to_json()
        assert set(answer) == {"query", "status", "reason", "candidates"}
    assert elapsed < 15, f"3,000 lines took {elapsed:.1f} s: a per-line start-up cost?"


def test_empty_database_answers_none_with_null_station(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("金叵罗村\n\n"))
    assert main(["route", "--batch"]) == 0
    captured = capsys.readouterr()
    answers = [json.loads(line) for line in captured.out.splitlines()]
    assert [(a["query"], a["status"], a["reason"]) for a in answers] == [
        ("金叵罗村", "none", "not_recognised"),
        ("", "none", "empty"),
    ]
    assert "empty" in captured.err.lower()


def test_readable_and_json(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    fill_divisions(database_url)
    assert main(["route", "溪翁庄金叵罗", "董各庄村", "上海市"]) == 0
    out = capsys.readouterr().out
    assert "溪翁庄金叵罗 → 金叵罗村 (溪翁庄镇) · no station assigned yet" in out
    assert "1. 董各庄村 (西田各庄镇)" in out and "2. 董各庄村 (不老屯镇)" in out
    assert "not in Miyun District" in out
    assert main(["route", "--json", "古北口村", "古北口"]) == 0
    answers = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [a["status"] for a in answers] == ["matched", "ambiguous"]
    assert answers[0]["candidates"][0] == {
        "code": "110118111200", "name": "古北口村", "town": "古北口镇", "district": "密云区", "station": None, "score": 1.0,
    }


def test_no_address_is_a_usage_error(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["route"]) == 2
    assert capsys.readouterr().err
