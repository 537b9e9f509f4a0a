"""公示 "你说我办": ``/publicity on|off`` in a staff group turns on (or off) a monthly anonymised
post of the last month's results to the subscribers of the group's area; ``/publicity`` says
whether it is on. On the 1st of each month (from 08:00, never in quiet hours) the post is made
through the broadcast engine: what residents receive is shown in the group, then a progress
card (as for /announce, with pause and stop) which the broadcast lane edits in place. Sending
starts a minute after the card, so staff can stop it first. The area is the group's area when
the post is made (a group that is no longer a staff group posts nothing)."""

from __future__ import annotations

import html
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers, Job
from dialogs.kernel.turn import Turn, cached_area, escape
from dialogs.kernel.unit import Dispatcher
from dialogs.staff.announce import render_card, unsubscribe_markup
from dialogs.staff.roles import group_locale, staff_of
from dialogs.staff.scope import staff_area_of, staff_command
from locales import t
from storage import broadcasts as engine
from storage import outbox
from storage import publicity as store
from storage.area import english_name
from storage.models import OutboxPurpose, PublicityArea
from storage.staff_chats import staff_area

__all__ = ["handlers", "jobs", "post_due", "render_post", "KIND", "START_DELAY"]

KIND = "publicity"
START_DELAY = timedelta(minutes=1)  # between the card in the group and the first resident


async def on_publicity(turn: Turn) -> None:
    group_locale(turn)
    actor = await staff_of(turn)
    area = await staff_area_of(turn)
    if actor is None or area is None:
        turn.say("triage.not_staff")
        return
    parts = turn.message_text.split()
    wanted = parts[1].lower() if len(parts) > 1 else ""
    name = escape(area.name or turn.area_name)
    if wanted in ("on", "off"):
        await store.set_publicity(turn.session, area, on=wanted == "on", actor=actor,
                                  by=turn.user_id, now=turn.now, tz=turn.config.tz)
        turn.say(f"publicity.turned_{wanted}", area=name)
        return
    if wanted:
        turn.say("publicity.usage")
        return
    row = await store.publicity_of(turn.session, turn.chat_id)
    state = "on" if row is not None and row.enabled else "off"
    turn.say(f"publicity.status_{state}", area=name)


def _percent(rate: float | None, locale: str) -> str:
    return f"{100 * rate:.0f}%" if rate is not None else t(locale, "publicity.no_rate")


def render_post(locale: str, area: str, month: date, figures: store.Figures,
                examples: list[store.Example]) -> str:
    """What one subscriber receives (HTML)."""
    lines = [t(locale, "publicity.post_title", area=html.escape(area), year=month.year,
               month=month.month),
             t(locale, "publicity.post_figures", collected=figures.collected,
               answered=figures.answered, resolved=figures.resolved,
               satisfaction=_percent(figures.satisfaction_rate, locale))]
    if examples:
        lines.append(t(locale, "publicity.post_examples"))
        for n, example in enumerate(examples, 1):
            category = example.category_en if locale == "en" else example.category_zh
            done = example.done or t(locale, "publicity.done_default")
            lines.append(t(locale, "publicity.post_example", n=n,
                           category=html.escape(category),
                           community=html.escape(example.community or "—"),
                           done=html.escape(done)))
    lines.append(t(locale, "publicity.post_thanks"))
    return "\n\n".join(lines)


async def _post(session: AsyncSession, services: Services, row: PublicityArea, first: date,
                last: date, key: str) -> int:
    """Claim, compose and start one area's post; the recipients' count (-1: claimed elsewhere)."""
    config, now = services.config, services.clock()
    area = await staff_area(session, row.chat_id, config.staff_chat_id)
    if area is None or not await store.claim_month(session, row.chat_id, key):
        return -1  # no longer a staff group (/bind off), or posted by another process
    if (area.district_code, area.town_code) != (row.district_code, row.town_code):
        row.district_code, row.town_code = area.district_code, area.town_code  # re-bound
    name = await store.area_name(session, row)
    whole = await cached_area(session, services)
    names = {"zh": name or whole.display("zh"), "en": english_name(name) if name
             else whole.display("en")}
    figures = await store.month_figures(session, area, first, last, config.tz)
    examples = await store.examples(session, area, first, last, config.tz)
    payloads: dict[str, dict[str, Any]] = {}
    for locale in ("zh", "en"):
        payloads[locale] = {"method": "sendMessage", "params": {
            "text": render_post(locale, names[locale], first, figures, examples),
            "parse_mode": "HTML", "reply_markup": unsubscribe_markup(locale)}}
    residents = await store.subscribers(session, area)
    broadcast = await engine.create_broadcast(
        session, kind=KIND, payloads=payloads, resident_ids=residents,
        text=f"publicity {key}", send_at=now + START_DELAY, chat_id=row.chat_id, now=now)
    broadcast = await engine.confirm(session, broadcast.id, now=now)
    group = config.default_locale
    preview = payloads.get(group, payloads["zh"])["params"]
    await outbox.enqueue(session, chat_id=row.chat_id, method="sendMessage",
                         payload={**preview, "chat_id": row.chat_id,
                                  "text": t(group, "publicity.group_header", month=key) + "\n\n"
                                  + preview["text"]},
                         purpose=OutboxPurpose.PUBLICITY_PREVIEW, now=now)
    counts = await engine.counts(session, broadcast.id)
    card = render_card(broadcast, SimpleNamespace(counts=counts, rate=0.0, seconds_left=None),
                       False, group)
    card_row = await outbox.enqueue(session, chat_id=row.chat_id, method="sendMessage",
                                    payload={**card, "chat_id": row.chat_id},
                                    purpose=OutboxPurpose.PUBLICITY_CARD, now=now)
    await store.remember_post(session, row.chat_id, broadcast.id,
                              card_row.id if card_row is not None else None)
    return broadcast.total


async def post_due(services: Services) -> int:
    """Start the 公示 posts due now (from the 1st, outside quiet hours); how many started."""
    config, now = services.config, services.clock()
    if engine.in_quiet_hours(now, config.tz):
        return 0
    first, last, key = store.month_before(now, config.tz)
    started = 0
    async with services.db.unit_of_work() as session:
        for row in await store.due_areas(session, now, config.tz):
            if await _post(session, services, row, first, last, key) >= 0:
                started += 1
    return started


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    return [staff_command(services, "publicity", on_publicity, "publicity")]


def jobs(services: Services) -> list[Job]:
    async def post() -> None:
        await post_due(services)

    return [Job("publicity_posts", 60.0, post)]
