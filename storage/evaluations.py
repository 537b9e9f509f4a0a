"""Voters' evaluation (评议) of a deputy's annual report.

* ``open_evaluation``: staff open one for a deputy, a period and the deputy's stations. The
  residents asked are those of the stations who subscribed there or made a suggestion there and
  can receive announcements; they are fixed at that moment as the recipients of a broadcast
  (``storage.broadcasts``: quiet hours, pacing, crash safety), whose message carries the vote
  buttons.
* ``cast_ballot``: one vote per resident asked (UNIQUE(evaluation, resident)); a second vote,
  a resident who was not asked, and any vote after closing are refused and change nothing.
* ``add_comment``: one optional comment to one's own vote, while the evaluation is open.
* ``close_due``: evaluations past their closing time close (unsent messages are cancelled).
* ``results`` / ``deputy_evaluation_figures``: counts, rates and anonymised comments — never who
  voted. ``deputy_evaluation_figures`` is the ``evaluation`` field of ``jiazhan report``'s
  deputy rows: the evaluations whose period overlaps the report's period.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, select, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from . import audit
from . import broadcasts as engine
from .models import (
    Ballot,
    Delivery,
    Deputy,
    DeputyStation,
    Evaluation,
    Satisfaction,
    Station,
    Subscription,
    Suggestion,
)
from .roles import Actor

__all__ = [
    "OPEN", "CLOSED", "CHOICES", "SUMMARY_LIMIT", "COMMENT_LIMIT", "EVALUATION_COLUMNS",
    "EvaluationError", "Results", "default_period", "deputy_station_ids",
    "audience_ids", "count_asked", "open_evaluation", "cast_ballot", "add_comment", "ballot_of",
    "close_due", "results", "list_evaluations", "deputy_evaluation_figures",
    "erase_comments_of", "station_names",
]

OPEN, CLOSED = "open", "closed"
# The short codes in callback data (ASCII, a byte each) and the choices they stand for.
CHOICES: dict[str, Satisfaction] = {"s": Satisfaction.SATISFIED, "b": Satisfaction.BASIC,
                                    "u": Satisfaction.UNSATISFIED}
SUMMARY_LIMIT = 3000  # leaves room for the heading in a 4096-character message
COMMENT_LIMIT = 500
# The deputy sheet's columns for the ``evaluation`` figure (the workbook has no nested cells).
EVALUATION_COLUMNS = ("evaluations", "asked", "votes", "satisfied", "basically_satisfied",
                      "dissatisfied", "satisfaction_rate")


class EvaluationError(Exception):
    """``key`` names a catalogue text (``evaluation.*``) for the person who asked."""

    def __init__(self, key: str, **fields: object) -> None:
        super().__init__(key)
        self.key = key
        self.fields = fields


@dataclass(frozen=True, slots=True)
class Results:
    asked: int
    votes: int
    satisfied: int
    basically_satisfied: int
    dissatisfied: int
    comments: tuple[str, ...]  # anonymised: the texts only, in no particular voter's order

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率: (满意 + 基本满意) / votes, like the suggestions' satisfaction rate."""
        good = self.satisfied + self.basically_satisfied
        return round(good / self.votes, 4) if self.votes else None


def default_period(today: date) -> tuple[date, date]:
    """Last calendar year: the annual report is given on the year before."""
    return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)


async def deputy_station_ids(session: AsyncSession, deputy_id: int,
                             within: list[int] | None = None) -> list[int]:
    """The deputy's stations (only those in ``within`` when given), in id order."""
    query = select(DeputyStation.station_id).where(DeputyStation.deputy_id == deputy_id)
    if within is not None:
        query = query.where(DeputyStation.station_id.in_(within))
    return sorted(await session.scalars(query))


async def station_names(session: AsyncSession, station_ids: list[int]) -> list[str]:
    return list(await session.scalars(
        select(Station.name).where(Station.id.in_(station_ids)).order_by(Station.id)))


async def audience_ids(session: AsyncSession, station_ids: list[int]) -> list[int]:
    """Residents who subscribed to one of the stations or made a suggestion at one."""
    if not station_ids:
        return []
    ids = union(
        select(Subscription.resident_id).where(Subscription.station_id.in_(station_ids)),
        select(Suggestion.resident_id).where(Suggestion.station_id.in_(station_ids),
                                             Suggestion.resident_id.is_not(None)),
    ).subquery()
    return sorted(int(i) for i in await session.scalars(select(ids.c[0])))


async def count_asked(session: AsyncSession, station_ids: list[int]) -> int:
    """How many would be asked now (those who can receive an announcement)."""
    ids = await audience_ids(session, station_ids)
    return await engine.count_audience(session, {"kind": "list", "resident_ids": ids})


PayloadRender = Callable[[Evaluation], dict[str, dict[str, Any]]]


async def open_evaluation(
    session: AsyncSession, *, deputy_id: int, period: tuple[date, date], station_ids: list[int],
    summary: str, summary_en: str | None, closes_at: datetime, render: PayloadRender,
    actor: Actor, opened_by: int | None, chat_id: int | None, now: datetime,
) -> Evaluation:
    """Open the evaluation and start asking its residents. ``render`` gives what one resident
    receives (per language, as ``broadcasts.create_broadcast`` wants) once the id is known."""
    summary = summary.strip()
    if not summary or len(summary) > SUMMARY_LIMIT:
        raise EvaluationError("evaluation.bad_summary", limit=SUMMARY_LIMIT)
    if period[0] > period[1]:
        raise EvaluationError("evaluation.bad_period")
    if closes_at <= now:
        raise EvaluationError("evaluation.bad_closing")
    if not station_ids or await session.get(Deputy, deputy_id) is None:
        raise EvaluationError("evaluation.no_stations")
    evaluation = Evaluation(deputy_id=deputy_id, period_from=period[0], period_to=period[1],
                            station_ids=sorted(station_ids), summary=summary,
                            summary_en=summary_en, opened_by=opened_by, opened_at=now,
                            closes_at=closes_at, status=OPEN, chat_id=chat_id, asked=0)
    session.add(evaluation)
    await session.flush()
    broadcast = await engine.create_broadcast(
        session, kind="evaluation", payloads=render(evaluation),
        resident_ids=await audience_ids(session, evaluation.station_ids), text=summary,
        text_en=summary_en, created_by=opened_by, now=now)
    await engine.confirm(session, broadcast.id, now=now)
    evaluation.broadcast_id, evaluation.asked = broadcast.id, broadcast.total
    audit.record(session, actor, "evaluation_open", "evaluation", evaluation.id, now=now,
                 deputy=deputy_id, asked=broadcast.total)
    await session.flush()
    return evaluation


def _is_open(evaluation: Evaluation, now: datetime) -> bool:
    return evaluation.status == OPEN and evaluation.closes_at > now


async def _was_asked(session: AsyncSession, evaluation: Evaluation, resident_id: int) -> bool:
    if evaluation.broadcast_id is None:
        return False
    return await session.get(Delivery, (evaluation.broadcast_id, resident_id)) is not None


async def ballot_of(session: AsyncSession, evaluation_id: int, resident_id: int) -> Ballot | None:
    return await session.scalar(select(Ballot).where(
        Ballot.evaluation_id == evaluation_id, Ballot.resident_id == resident_id))


async def cast_ballot(session: AsyncSession, evaluation_id: int, resident_id: int, code: str,
                      *, now: datetime) -> tuple[Evaluation, Ballot]:
    """One vote. Refused (nothing changes): unknown choice or evaluation, not asked, closed,
    already voted (``evaluation.already`` names the vote that stands)."""
    choice = CHOICES.get(code)
    evaluation = await session.get(Evaluation, evaluation_id)
    if choice is None or evaluation is None or not await _was_asked(session, evaluation,
                                                                     resident_id):
        raise EvaluationError("evaluation.not_asked")
    if not _is_open(evaluation, now):
        raise EvaluationError("evaluation.closed")
    earlier = await ballot_of(session, evaluation_id, resident_id)
    if earlier is not None:
        raise EvaluationError("evaluation.already", choice=str(earlier.choice))
    ballot = Ballot(evaluation_id=evaluation_id, resident_id=resident_id, choice=choice,
                    cast_at=now)
    try:
        async with session.begin_nested():  # a double press racing this one: its vote stands
            session.add(ballot)
    except IntegrityError:
        earlier = await ballot_of(session, evaluation_id, resident_id)
        raise EvaluationError("evaluation.already",
                              choice=str(earlier.choice) if earlier else "") from None
    return evaluation, ballot


async def add_comment(session: AsyncSession, evaluation_id: int, resident_id: int, text: str,
                      *, now: datetime) -> Ballot:
    """The one comment to one's own vote, while the evaluation is open."""
    evaluation = await session.get(Evaluation, evaluation_id)
    ballot = await ballot_of(session, evaluation_id, resident_id)
    if evaluation is None or ballot is None:
        raise EvaluationError("evaluation.not_asked")
    if not _is_open(evaluation, now):
        raise EvaluationError("evaluation.closed")
    if ballot.comment is not None:
        raise EvaluationError("evaluation.comment_already")
    text = text.strip()
    if not text or len(text) > COMMENT_LIMIT:
        raise EvaluationError("evaluation.bad_comment", limit=COMMENT_LIMIT)
    ballot.comment, ballot.commented_at = text, now
    await session.flush()
    return ballot


async def close_due(session: AsyncSession, *, now: datetime) -> list[Evaluation]:
    """Close the open evaluations whose time is up; messages not yet sent are cancelled."""
    due = list((await session.scalars(select(Evaluation).where(
        Evaluation.status == OPEN, Evaluation.closes_at <= now).order_by(Evaluation.id)
        .with_for_update(skip_locked=True))).all())
    for evaluation in due:
        evaluation.status, evaluation.closed_at = CLOSED, now
        if evaluation.broadcast_id is not None:
            try:
                await engine.cancel(session, evaluation.broadcast_id, Actor.system(), now=now)
            except engine.BroadcastError:
                pass  # already sent to everyone
        audit.record(session, Actor.system(), "evaluation_close", "evaluation", evaluation.id,
                     now=now)
    await session.flush()
    return due


def _tally() -> tuple[Any, ...]:
    def count(choice: Satisfaction) -> Any:
        return func.coalesce(func.sum(case((Ballot.choice == choice, 1), else_=0)), 0)

    return (func.count(Ballot.id), count(Satisfaction.SATISFIED), count(Satisfaction.BASIC),
            count(Satisfaction.UNSATISFIED))


async def results(session: AsyncSession, evaluation_id: int) -> Results:
    evaluation = await session.get(Evaluation, evaluation_id)
    asked = evaluation.asked if evaluation is not None else 0
    votes, good, basic, bad = (await session.execute(
        select(*_tally()).where(Ballot.evaluation_id == evaluation_id))).one()
    comments = tuple(sorted(c for c in await session.scalars(select(Ballot.comment).where(
        Ballot.evaluation_id == evaluation_id, Ballot.comment.is_not(None))) if c))
    return Results(asked, int(votes), int(good), int(basic), int(bad), comments)


async def list_evaluations(session: AsyncSession, *, station_ids: list[int] | None,
                           limit: int = 10) -> list[tuple[Evaluation, str, Results, int]]:
    """The newest evaluations (of a group's stations when given): each with the deputy's name,
    its results and how many of its messages have been delivered so far."""
    query = select(Evaluation, Deputy.name).join(Deputy, Deputy.id == Evaluation.deputy_id)
    rows = (await session.execute(query.order_by(Evaluation.id.desc()))).all()
    wanted = set(station_ids) if station_ids is not None else None
    out: list[tuple[Evaluation, str, Results, int]] = []
    for evaluation, name in rows:
        if wanted is not None and not wanted.intersection(evaluation.station_ids):
            continue
        sent = 0
        if evaluation.broadcast_id is not None:
            sent = (await engine.counts(session, evaluation.broadcast_id))["sent"]
        out.append((evaluation, name, await results(session, evaluation.id), sent))
        if len(out) >= limit:
            break
    return out


async def deputy_evaluation_figures(session: AsyncSession, first: date, last: date,
                                    deputy_ids: list[int] | None = None
                                    ) -> dict[int, dict[str, Any]]:
    """Per deputy, the evaluations whose period overlaps [first, last] (open and closed):
    ``{"evaluations", "open", "asked", "votes", "satisfied", "basically_satisfied",
    "dissatisfied", "satisfaction_rate", "comments"}`` — counts only (``comments`` is how many
    comments were left; their texts are in ``results``). Deputies without one are absent."""
    overlap = and_(Evaluation.period_from <= last, Evaluation.period_to >= first)
    where = [overlap] if deputy_ids is None else [overlap, Evaluation.deputy_id.in_(deputy_ids)]
    out: dict[int, dict[str, Any]] = {}
    for dep, n, n_open, asked in await session.execute(
            select(Evaluation.deputy_id, func.count(),
                   func.coalesce(func.sum(case((Evaluation.status == OPEN, 1), else_=0)), 0),
                   func.coalesce(func.sum(Evaluation.asked), 0))
            .where(*where).group_by(Evaluation.deputy_id)):
        out[int(dep)] = {"evaluations": int(n), "open": int(n_open), "asked": int(asked),
                         "votes": 0, "satisfied": 0, "basically_satisfied": 0,
                         "dissatisfied": 0, "satisfaction_rate": None, "comments": 0}
    commented = func.coalesce(func.sum(case((Ballot.comment.is_not(None), 1), else_=0)), 0)
    for dep, votes, good, basic, bad, comments in await session.execute(
            select(Evaluation.deputy_id, *_tally(), commented)
            .join(Evaluation, Evaluation.id == Ballot.evaluation_id)
            .where(*where).group_by(Evaluation.deputy_id)):
        row = out[int(dep)]
        row.update(votes=int(votes), satisfied=int(good), basically_satisfied=int(basic),
                   dissatisfied=int(bad), comments=int(comments))
        row["satisfaction_rate"] = (round((int(good) + int(basic)) / int(votes), 4)
                                    if int(votes) else None)
    return out


async def erase_comments_of(session: AsyncSession, resident_id: int) -> None:
    """``/forget``: the resident's comments go; their votes stay, counted and anonymous."""
    await session.execute(update(Ballot).where(
        Ballot.resident_id == resident_id, Ballot.comment.is_not(None)).values(comment=None))
