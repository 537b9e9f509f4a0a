"""Voters' 评议: the residents asked are exactly those of the deputy's stations who subscribed or
made a suggestion there (and receive announcements), fixed at opening; one vote each; nobody
else's vote; nothing after closing; results and the report's ``evaluation`` figure count only
evaluations whose period overlaps; /forget keeps the vote and drops the comment."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from station_world import NOW, TZ, build_station_world

from bot.cli_report import report_labels
from storage import Database
from storage import evaluations as store
from storage.categories import ensure_categories
from storage.models import AuditEntry, Ballot, Delivery, Evaluation, Resident, Subscription, Suggestion
from storage.report import ReportScope, build_report
from storage.report_render import write_report_xlsx
from storage.residents import forget_resident
from storage.roles import Actor

CLOSES = NOW + timedelta(days=14)
STAFF = Actor.system()


def _render(evaluation: Evaluation) -> dict[str, dict[str, Any]]:
    return {"zh": {"method": "sendMessage", "params": {"text": f"评议 {evaluation.id}"}}}


async def _resident(db: Database, user_id: int, *, subscribe: int | None = None,
                    suggest_at: int | None = None, **extra: object) -> int:
    async with db.unit_of_work() as s:
        r = Resident(telegram_user_id=user_id, chat_id=user_id, locale="zh", consent_at=NOW,
                     **extra)
        s.add(r)
        await s.flush()
        if subscribe is not None:
            s.add(Subscription(resident_id=r.id, station_id=subscribe, remind=False))
        if suggest_at is not None:
            await ensure_categories(s)
            s.add(Suggestion(ticket=f"2026-{user_id:06d}", resident_id=r.id, station_id=suggest_at,
                             category_code="urban", text="路灯坏了", created_at=NOW,
                             first_response_due=NOW + timedelta(days=3),
                             resolution_due=NOW + timedelta(days=15)))
        return r.id


async def _open(db: Database, deputy_id: int, stations: list[int],
                period: tuple[date, date] = (date(2025, 1, 1), date(2025, 12, 31)),
                closes: Any = CLOSES) -> int:
    async with db.unit_of_work() as s:
        evaluation = await store.open_evaluation(
            s, deputy_id=deputy_id, period=period, station_ids=stations, summary="述职摘要",
            summary_en=None, closes_at=closes, render=_render, actor=STAFF, opened_by=9001,
            chat_id=-100, now=NOW)
        return evaluation.id


async def _vote(db: Database, eid: int, rid: int, code: str, now: Any = NOW) -> str:
    """'ok' or the refusal's key."""
    try:
        async with db.unit_of_work() as s:
            await store.cast_ballot(s, eid, rid, code, now=now)
    except store.EvaluationError as error:
        return error.key
    return "ok"


async def test_exactly_the_audience_is_asked_and_each_votes_once(db: Database) -> None:
    w = await build_station_world(db)
    subscriber = await _resident(db, 501, subscribe=w.station_id)
    suggester = await _resident(db, 502, suggest_at=w.station_id)
    both = await _resident(db, 503, subscribe=w.station_id, suggest_at=w.station_id)
    at_home = await _resident(db, 504, subscribe=w.home_id)  # another station
    await _resident(db, 505, subscribe=w.station_id, blocked_at=NOW)
    await _resident(db, 506, subscribe=w.station_id, announcements_off_at=NOW)
    async with db.reading() as s:
        assert await store.count_asked(s, [w.station_id]) == 3
    eid = await _open(db, w.town_deputy_id, [w.station_id])
    late = await _resident(db, 507, subscribe=w.station_id)  # after opening: not asked
    async with db.reading() as s:
        evaluation = await s.get(Evaluation, eid)
        asked = set(await s.scalars(select(Delivery.resident_id).where(
            Delivery.broadcast_id == evaluation.broadcast_id)))  # type: ignore[union-attr]
        opened = await s.scalar(select(AuditEntry.action).where(
            AuditEntry.object_kind == "evaluation"))
    assert evaluation is not None and evaluation.asked == 3 and evaluation.status == "open"
    assert asked == {subscriber, suggester, both} and opened == "evaluation_open"

    assert await _vote(db, eid, subscriber, "s") == "ok"
    assert await _vote(db, eid, subscriber, "u") == "evaluation.already"  # the first stands
    assert await _vote(db, eid, suggester, "b") == "ok"
    assert await _vote(db, eid, at_home, "s") == "evaluation.not_asked"
    assert await _vote(db, eid, late, "s") == "evaluation.not_asked"
    assert await _vote(db, eid + 99, both, "s") == "evaluation.not_asked"  # forged id
    assert await _vote(db, eid, both, "x") == "evaluation.not_asked"  # forged choice
    async with db.unit_of_work() as s:
        await store.add_comment(s, eid, suggester, "  多来村里几次  ", now=NOW)
    for rid, text, key in ((suggester, "再说一句", "evaluation.comment_already"),
                           (both, "没投票", "evaluation.not_asked"),
                           (subscriber, "长" * (store.COMMENT_LIMIT + 1), "evaluation.bad_comment")):
        with pytest.raises(store.EvaluationError) as refused:
            async with db.unit_of_work() as s:
                await store.add_comment(s, eid, rid, text, now=NOW)
        assert refused.value.key == key
    async with db.reading() as s:
        results = await store.results(s, eid)
        ballots = list(await s.scalars(select(Ballot).order_by(Ballot.id)))
    assert [(b.resident_id, str(b.choice)) for b in ballots] == [
        (subscriber, "satisfied"), (suggester, "basic")]
    assert results == store.Results(3, 2, 1, 1, 0, ("多来村里几次",))
    assert results.satisfaction_rate == 1.0

    async with db.unit_of_work() as s:  # the schema itself refuses a second ballot
        s.add(Ballot(evaluation_id=eid, resident_id=subscriber, choice="unsatisfied", cast_at=NOW))
        with pytest.raises(IntegrityError):
            await s.flush()
        await s.rollback()


async def test_it_closes_at_its_time_and_refuses_votes_after(db: Database) -> None:
    w = await build_station_world(db)
    early = await _resident(db, 601, subscribe=w.station_id)
    other = await _resident(db, 602, subscribe=w.station_id)
    eid = await _open(db, w.town_deputy_id, [w.station_id])
    assert await _vote(db, eid, early, "u") == "ok"
    async with db.unit_of_work() as s:
        assert await store.close_due(s, now=CLOSES - timedelta(seconds=1)) == []
    # at the closing time a vote is refused even before the job has run
    assert await _vote(db, eid, other, "s", now=CLOSES) == "evaluation.closed"
    async with db.unit_of_work() as s:
        closed = await store.close_due(s, now=CLOSES)
        assert [e.id for e in closed] == [eid]
    async with db.unit_of_work() as s:
        assert await store.close_due(s, now=CLOSES + timedelta(hours=1)) == []  # once
    async with db.reading() as s:
        evaluation = await s.get(Evaluation, eid)
        statuses = set(await s.scalars(select(Delivery.status).where(
            Delivery.broadcast_id == evaluation.broadcast_id)))  # type: ignore[union-attr]
        results = await store.results(s, eid)
    assert evaluation is not None and evaluation.status == "closed"
    assert statuses == {"cancelled"}  # nobody is asked after closing
    assert await _vote(db, eid, other, "s", now=CLOSES - timedelta(days=1)) == "evaluation.closed"
    assert (results.votes, results.dissatisfied, results.satisfaction_rate) == (1, 1, 0.0)


async def test_opening_refuses_bad_input(db: Database) -> None:
    w = await build_station_world(db)
    cases = [({"summary": " "}, "evaluation.bad_summary"),
             ({"summary": "长" * (store.SUMMARY_LIMIT + 1)}, "evaluation.bad_summary"),
             ({"period": (date(2025, 12, 31), date(2025, 1, 1))}, "evaluation.bad_period"),
             ({"closes_at": NOW}, "evaluation.bad_closing"),
             ({"station_ids": []}, "evaluation.no_stations")]
    for change, key in cases:
        args: dict[str, Any] = {"deputy_id": w.town_deputy_id, "station_ids": [w.station_id],
                                "period": (date(2025, 1, 1), date(2025, 12, 31)),
                                "summary": "述职摘要", "summary_en": None, "closes_at": CLOSES,
                                "render": _render, "actor": STAFF, "opened_by": 1,
                                "chat_id": None, "now": NOW, **change}
        with pytest.raises(store.EvaluationError) as refused:
            async with db.unit_of_work() as s:
                await store.open_evaluation(s, **args)
        assert refused.value.key == key
    async with db.reading() as s:
        assert await s.scalar(select(Evaluation.id)) is None


async def test_report_counts_the_evaluations_whose_period_overlaps(db: Database,
                                                                  tmp_path: Path) -> None:
    w = await build_station_world(db)
    voters = [await _resident(db, 700 + n, subscribe=w.station_id) for n in range(4)]
    last_year = await _open(db, w.town_deputy_id, [w.station_id])  # 2025
    first_half = await _open(db, w.town_deputy_id, [w.station_id],
                             period=(date(2026, 1, 1), date(2026, 6, 30)))
    for rid, code in zip(voters, "ssbu", strict=True):
        assert await _vote(db, first_half, rid, code) == "ok"
    assert await _vote(db, last_year, voters[0], "u") == "ok"
    async with db.unit_of_work() as s:
        await store.add_comment(s, first_half, voters[1], "好", now=NOW)
    async with db.reading() as s:
        report = await build_report(s, date(2026, 1, 1), date(2026, 12, 31), TZ, NOW,
                                    ReportScope(None))
        both = await store.deputy_evaluation_figures(s, date(2025, 6, 1), date(2026, 3, 1))
    rows = {r["code"]: r["evaluation"] for r in report["per_deputy"]}
    assert rows["DT"] == {"evaluations": 1, "open": 1, "asked": 4, "votes": 4, "satisfied": 2,
                          "basically_satisfied": 1, "dissatisfied": 1,
                          "satisfaction_rate": 0.75, "comments": 1}
    assert rows["DN"] is None and rows["DR"] is None
    assert both[w.town_deputy_id] == {"evaluations": 2, "open": 2, "asked": 8, "votes": 5,
                                      "satisfied": 2, "basically_satisfied": 1,
                                      "dissatisfied": 2, "satisfaction_rate": 0.6,
                                      "comments": 1}
    # The workbook's deputy sheet spreads the figure over its own columns.
    write_report_xlsx(tmp_path / "r.xlsx", report, [], report_labels("zh"))
    sheet = load_workbook(tmp_path / "r.xlsx")["代表"]
    header = [c.value for c in sheet[1]]
    by_code = {row[0]: dict(zip(header, row, strict=True))
               for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "评议" not in header
    assert (by_code["DT"]["评议票数"], by_code["DT"]["评议满意率"]) == (4, 0.75)
    assert by_code["DN"]["评议票数"] in ("", None)


async def test_forgetting_keeps_the_vote_and_drops_the_comment(db: Database) -> None:
    w = await build_station_world(db)
    rid = await _resident(db, 801, subscribe=w.station_id)
    eid = await _open(db, w.national_id, [w.station_id, w.home_id])
    assert await _vote(db, eid, rid, "s") == "ok"
    async with db.unit_of_work() as s:
        await store.add_comment(s, eid, rid, "我是张三，电话 13800000000", now=NOW)
    async with db.unit_of_work() as s:
        resident = await s.get(Resident, rid)
        assert resident is not None
        await forget_resident(s, resident, now=NOW)
    async with db.reading() as s:
        results = await store.results(s, eid)
    assert (results.votes, results.satisfied, results.comments) == (1, 1, ())
