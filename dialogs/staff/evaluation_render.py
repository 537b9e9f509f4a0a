"""How voters' 评议 reads: the message residents receive (with the three vote buttons), the
summary drafted from the deputy's figures, the staff list, and the results posted when an
evaluation closes (to the staff group, and to the deputy: counts and anonymised comments only).
The closing job lives here too."""

from __future__ import annotations

import html
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.kernel.callbacks import EVALUATION_VOTE, encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Job
from dialogs.kernel.keyboards import inline
from dialogs.staff.announce import unsubscribe_markup
from locales import t
from storage import evaluations as store
from storage import outbox
from storage.deputies import deputy_chat, deputy_locale, get_deputy
from storage.models import Evaluation, OutboxPurpose
from storage.report import ReportScope, build_report

__all__ = ["ask_payloads", "draft_summary", "period_text", "rate_text", "stamp", "list_lines",
           "close_job", "jobs"]

MAX_COMMENTS_TEXT = 3000  # the deputy's message stays well under 4096 characters


def period_text(locale: str, first: date, last: date) -> str:
    return t(locale, "evaluation.period", first=first.isoformat(), last=last.isoformat())


def rate_text(locale: str, rate: float | None) -> str:
    return f"{rate * 100:.1f}%" if rate is not None else t(locale, "evaluation.rate_none")


def stamp(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def ask_payloads(evaluation_id: int, *, deputy: str, stations: list[str], first: date,
                 last: date, summary: str, summary_en: str | None, closes_at: datetime,
                 tz: ZoneInfo) -> dict[str, dict[str, Any]]:
    """What one resident receives, per language (zh first: the fallback): the summary and the
    three vote buttons, then the announcements' one-tap "no more announcements"."""
    out: dict[str, dict[str, Any]] = {}
    for locale, body in (("zh", summary), ("en", summary_en or summary)):
        text = t(locale, "evaluation.ask_head", deputy=html.escape(deputy, quote=False),
                 stations=html.escape("、".join(stations), quote=False),
                 period=period_text(locale, first, last), summary=html.escape(body, quote=False),
                 closes=stamp(closes_at, tz))
        votes = [(t(locale, f"evaluation.btn_{choice}"),
                  encode(EVALUATION_VOTE, "v", evaluation_id, code))
                 for code, choice in store.CHOICES.items()]
        rows = [*inline([votes]).to_dict()["inline_keyboard"],
                *unsubscribe_markup(locale)["inline_keyboard"]]
        out[locale] = {"method": "sendMessage", "params": {
            "text": text, "parse_mode": "HTML", "reply_markup": {"inline_keyboard": rows}}}
    return out


async def draft_summary(session: AsyncSession, *, deputy_id: int, deputy: str,
                        station_ids: list[int], first: date, last: date, tz: ZoneInfo,
                        now: datetime) -> tuple[str, str]:
    """The summary drafted from the deputy's report figures for the period (zh, en)."""
    report = await build_report(session, first, last, tz, now,
                                ReportScope(station_ids, deputy_id), trend=False)
    row = report["per_deputy"][0] if report["per_deputy"] else {}

    def text(locale: str) -> str:
        return t(locale, "evaluation.draft", deputy=deputy,
                 period=period_text(locale, first, last),
                 attendances=row.get("deputy_attendances", 0),
                 contacts=row.get("voter_contacts", 0),
                 months=row.get("station_months_attended", 0),
                 quarters=row.get("home_quarters_attended", 0),
                 report=t(locale, "evaluation.draft_report_yes" if row.get("report_given")
                          else "evaluation.draft_report_no"),
                 suggestions=row.get("suggestions_collected", 0),
                 resolved=row.get("resolved", 0),
                 response=rate_text(locale, row.get("response_rate")),
                 satisfaction=rate_text(locale, row.get("satisfaction_rate")))

    return text("zh"), text("en")


def _counts(locale: str, results: store.Results) -> dict[str, Any]:
    return {"asked": results.asked, "votes": results.votes, "satisfied": results.satisfied,
            "basic": results.basically_satisfied, "dissatisfied": results.dissatisfied,
            "rate": rate_text(locale, results.satisfaction_rate)}


async def list_lines(session: AsyncSession, locale: str, tz: ZoneInfo,
                     station_ids: list[int] | None) -> list[str]:
    lines = []
    for evaluation, name, results, sent in await store.list_evaluations(
            session, station_ids=station_ids):
        lines.append(t(locale, "evaluation.list_line", id=evaluation.id,
                       deputy=html.escape(name, quote=False),
                       period=period_text(locale, evaluation.period_from, evaluation.period_to),
                       status=t(locale, f"evaluation.status_{evaluation.status}"),
                       closes=stamp(evaluation.closes_at, tz), sent=sent,
                       **_counts(locale, results)))
    return lines


def _comments(locale: str, comments: tuple[str, ...]) -> str:
    lines: list[str] = []
    size = 0
    for comment in comments:
        line = t(locale, "evaluation.comment_line", text=html.escape(comment, quote=False))
        size += len(line) + 1
        if size > MAX_COMMENTS_TEXT:
            lines.append("…")
            break
        lines.append(line)
    return "\n".join(lines) or t(locale, "evaluation.no_comments")


async def _announce_results(session: AsyncSession, services: Services, evaluation: Evaluation,
                            now: datetime) -> None:
    config = services.config
    results = await store.results(session, evaluation.id)
    deputy = await get_deputy(session, evaluation.deputy_id)
    name = deputy.name if deputy is not None else ""
    if evaluation.chat_id is not None:
        locale = config.default_locale
        text = t(locale, "evaluation.result", id=evaluation.id,
                 deputy=html.escape(name, quote=False),
                 period=period_text(locale, evaluation.period_from, evaluation.period_to),
                 comments=len(results.comments), **_counts(locale, results))
        await outbox.enqueue(session, chat_id=evaluation.chat_id, method="sendMessage",
                             payload={"chat_id": evaluation.chat_id, "text": text,
                                      "parse_mode": "HTML"},
                             purpose=OutboxPurpose.EVALUATION_RESULT, now=now)
    chat_id = await deputy_chat(session, evaluation.deputy_id)
    if chat_id is not None:  # the deputy: counts and comments, never who voted
        locale = await deputy_locale(session, chat_id, config.default_locale)
        text = t(locale, "evaluation.to_deputy",
                 period=period_text(locale, evaluation.period_from, evaluation.period_to),
                 comments=_comments(locale, results.comments), **_counts(locale, results))
        await outbox.enqueue(session, chat_id=chat_id, method="sendMessage",
                             payload={"chat_id": chat_id, "text": text, "parse_mode": "HTML"},
                             purpose=OutboxPurpose.EVALUATION_RESULT, now=now)


async def close_job(services: Services) -> int:
    """Close the evaluations whose time is up and post their results. Returns how many."""
    now = services.clock()
    async with services.db.unit_of_work() as session:
        closed = await store.close_due(session, now=now)
        for evaluation in closed:
            await _announce_results(session, services, evaluation, now)
    return len(closed)


def jobs(services: Services) -> list[Job]:
    async def run() -> None:
        await close_job(services)

    return [Job("evaluation_close", 60.0, run)]
