"""公示 "你说我办": a staff group turns on, for its area, a monthly anonymised post of the last
month's results to the area's subscribers (residents subscribed to a station of the area).

* ``set_publicity`` (``/publicity on|off``): stored per group with the area it covers. Turning it
  on marks last month as done, so the first post is for the month under way, on the next 1st.
* ``due_areas`` / ``claim_month``: from the 1st of a month, the areas whose last month is not yet
  posted; the claim is a conditional update in the transaction that creates the post (a
  broadcast of ``storage.broadcasts``), so each month is posted once per area across restarts
  and processes.
* ``month_figures``: suggestions collected, answered and resolved in the month, and the
  satisfaction rate (the definitions of ``storage.report``).
* ``examples``: up to three suggestions of the area resolved in the month, anonymised: their
  category, their community, and what was done — the handler's last public words, with phone
  and ID numbers and the resident's own names scrubbed. Never the resident's text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from . import audit
from .anonymise import scrub
from .db import affected_rows
from .models import (
    ActorKind,
    Category,
    Community,
    District,
    PublicityArea,
    Resident,
    Satisfaction,
    Subscription,
    Suggestion,
    SuggestionStatus,
    TimelineEntry,
    Town,
    Visibility,
)
from .report import period_bounds
from .roles import Actor
from .sql_figures import count_if
from .staff_chats import StaffArea, area_stations, in_area

__all__ = ["EXAMPLES", "Figures", "Example", "set_publicity", "publicity_of", "month_before",
           "due_areas", "claim_month", "month_figures", "examples", "subscribers",
           "area_name", "remember_post"]

EXAMPLES = 3
DONE_CHARS = 80  # what was done, clipped
_RESOLVED = (SuggestionStatus.RESOLVED, SuggestionStatus.CLOSED)


@dataclass(frozen=True, slots=True)
class Figures:
    collected: int
    answered: int
    resolved: int
    satisfaction_rate: float | None


@dataclass(frozen=True, slots=True)
class Example:
    category_zh: str
    category_en: str
    community: str
    done: str  # scrubbed, clipped; '' when the handler wrote nothing


def month_before(now: datetime, tz: ZoneInfo) -> tuple[date, date, str]:
    """The month before the local month of ``now``: its first day, last day and ``YYYY-MM``."""
    first_of_this = now.astimezone(tz).date().replace(day=1)
    last = first_of_this - timedelta(days=1)
    first = last.replace(day=1)
    return first, last, f"{first.year:04d}-{first.month:02d}"


async def area_name(session: AsyncSession, row: PublicityArea) -> str:
    """The town's or district's name; '' for the whole service area."""
    if row.town_code is not None:
        return await session.scalar(select(Town.name).where(Town.code == row.town_code)) or ""
    if row.district_code is not None:
        return await session.scalar(
            select(District.name).where(District.code == row.district_code)) or ""
    return ""


async def publicity_of(session: AsyncSession, chat_id: int) -> PublicityArea | None:
    return await session.get(PublicityArea, chat_id)


async def set_publicity(session: AsyncSession, area: StaffArea, *, on: bool, actor: Actor,
                        by: int | None, now: datetime, tz: ZoneInfo) -> PublicityArea:
    """Turn the group's monthly 公示 on or off for the area it covers now (audited)."""
    row = await session.get(PublicityArea, area.chat_id, with_for_update=True)
    if row is None:
        row = PublicityArea(chat_id=area.chat_id)
        session.add(row)
    row.district_code, row.town_code = area.district_code, area.town_code
    row.enabled, row.changed_by, row.changed_at = on, by, now
    _, _, last_key = month_before(now, tz)
    if on and (row.last_month is None or row.last_month < last_key):
        row.last_month = last_key  # the first post is on the next 1st
    audit.record(session, actor, "publicity_on" if on else "publicity_off",
                 "staff_chat", area.chat_id, now=now, by=by)
    await session.flush()
    return row


async def due_areas(session: AsyncSession, now: datetime, tz: ZoneInfo) -> list[PublicityArea]:
    """Groups with 公示 on whose last month is not posted yet."""
    _, _, key = month_before(now, tz)
    return list((await session.scalars(
        select(PublicityArea).where(
            PublicityArea.enabled.is_(True),
            or_(PublicityArea.last_month.is_(None), PublicityArea.last_month < key))
        .order_by(PublicityArea.chat_id))).all())


async def claim_month(session: AsyncSession, chat_id: int, key: str) -> bool:
    """Claim the post of month ``key`` for this group; False when it was claimed already."""
    result = await session.execute(
        update(PublicityArea)
        .where(PublicityArea.chat_id == chat_id, PublicityArea.enabled.is_(True),
               or_(PublicityArea.last_month.is_(None), PublicityArea.last_month < key))
        .values(last_month=key)
        .execution_options(synchronize_session=False))
    return affected_rows(result) > 0


async def remember_post(session: AsyncSession, chat_id: int, broadcast_id: int,
                        card_outbox_id: int | None) -> None:
    """Which broadcast this month's post is, and the outbox row of its progress card."""
    await session.execute(
        update(PublicityArea).where(PublicityArea.chat_id == chat_id)
        .values(last_broadcast_id=broadcast_id, last_card_outbox_id=card_outbox_id)
        .execution_options(synchronize_session=False))


async def month_figures(session: AsyncSession, area: StaffArea, first: date, last: date,
                        tz: ZoneInfo) -> Figures:
    start, end = period_bounds(first, last, tz)
    s = Suggestion
    row = (await session.execute(
        select(func.count(), count_if(s.first_response_at.is_not(None)),
               count_if(s.status.in_(_RESOLVED)), count_if(s.satisfaction.is_not(None)),
               count_if(s.satisfaction.in_([Satisfaction.SATISFIED, Satisfaction.BASIC])))
        .where(s.created_at >= start, s.created_at < end,
               s.status != SuggestionStatus.DUPLICATE, in_area(area, s.station_id)))).one()
    total, answered, resolved, rated, good = (int(v or 0) for v in row)
    return Figures(total, answered, resolved, round(good / rated, 4) if rated else None)


async def examples(session: AsyncSession, area: StaffArea, first: date, last: date,
                   tz: ZoneInfo, *, limit: int = EXAMPLES) -> list[Example]:
    """Up to ``limit`` suggestions resolved in the month, the well-rated first, anonymised."""
    start, end = period_bounds(first, last, tz)
    s = Suggestion
    done_at = func.coalesce(s.resolved_at, s.closed_at)
    good = case((s.satisfaction.in_([Satisfaction.SATISFIED, Satisfaction.BASIC]), 0), else_=1)
    rows = (await session.execute(
        select(s.id, s.contact_name, Resident.display_name, Category.name_zh, Category.name_en,
               Community.short_name)
        .join(Category, Category.code == s.category_code)
        .outerjoin(Community, Community.code == s.community_code)
        .outerjoin(Resident, Resident.id == s.resident_id)
        .where(s.status.in_(_RESOLVED), done_at >= start, done_at < end,
               s.satisfaction.is_distinct_from(Satisfaction.UNSATISFIED),
               in_area(area, s.station_id))
        .order_by(good, done_at.desc(), s.id)
        .limit(limit))).all()
    out = []
    for sid, contact, display, cat_zh, cat_en, community in rows:
        words = await session.scalar(
            select(TimelineEntry.text).where(
                TimelineEntry.suggestion_id == sid, TimelineEntry.visibility == Visibility.PUBLIC,
                TimelineEntry.actor_kind.in_([ActorKind.STAFF, ActorKind.DEPUTY]),
                TimelineEntry.kind.in_(["resolved", "reply"]), TimelineEntry.text.is_not(None))
            .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc()).limit(1))
        done = scrub(" ".join((words or "").split()), (contact, display))
        if len(done) > DONE_CHARS:
            done = done[:DONE_CHARS] + "…"
        out.append(Example(cat_zh, cat_en, community or "", done))
    return out


async def subscribers(session: AsyncSession, area: StaffArea) -> list[int]:
    """Residents subscribed to at least one station of the area."""
    query = select(Subscription.resident_id).distinct()
    if not area.whole:
        query = query.where(Subscription.station_id.in_(area_stations(area)))
    return sorted(await session.scalars(query))
