"""The broadcast engine: one announcement to an audience, each recipient at most once.

* ``create_broadcast`` writes a draft: what one recipient receives (``payloads``, per language),
  and who should receive it (an audience spec, or an explicit list of residents).
* ``confirm`` fixes the recipients: one ``Delivery`` per resident, unique per broadcast and
  resident, so nobody gets it twice even across crashes. Someone who subscribes later is not
  added.
* ``claim_due`` leases the next recipients of the broadcasts being sent. At their turn, a
  resident who unsubscribed, turned announcements off, ``/forget``-ed or blocked the bot is
  skipped. Non-urgent broadcasts wait during quiet hours (21:00–08:00 local time).
* ``record_outcomes`` marks what happened (sent, blocked by a 403, failed, retry later).
  A crash leaves leased rows that are claimed again when the lease ends: at most the
  recipients in flight at that moment may get it twice.
* ``pause`` / ``resume`` / ``cancel`` for staff, each in the audit log.

Audience specs (JSON): ``{"kind": "subscribers", "station_id": N}``, ``{"kind": "home",
"station_id": N}``, ``{"kind": "town", "town_code": C}``, ``{"kind": "district",
"district_code": C}``, ``{"kind": "area"}``, ``{"kind": "open_at", "station_id": N}``,
``{"kind": "list", "resident_ids": [...]}``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from . import audit
from .lifecycle import OPEN
from .models import (
    Broadcast,
    Community,
    Delivery,
    Resident,
    Station,
    Subscription,
    Suggestion,
    Town,
)
from .roles import Actor

__all__ = [
    "AUDIENCE_KINDS",
    "QUIET_HOURS",
    "Due",
    "Outcome",
    "BroadcastError",
    "create_broadcast",
    "audience_query",
    "count_audience",
    "confirm",
    "claim_due",
    "record_outcomes",
    "finish_done",
    "finishable",
    "counts",
    "pause",
    "resume",
    "cancel",
    "set_card",
    "in_quiet_hours",
    "turn_off_announcements",
]

AUDIENCE_KINDS = ("subscribers", "home", "town", "district", "area", "open_at", "list")
QUIET_HOURS = (time(21, 0), time(8, 0))  # local: from 21:00 to 08:00 nothing non-urgent goes out
PENDING, SENT, SKIPPED, BLOCKED, FAILED, CANCELLED = (
    "pending", "sent", "skipped", "blocked", "failed", "cancelled")
LIVE = ("scheduled", "sending", "paused")


class BroadcastError(Exception):
    """``key`` names a catalogue text (``announce.*``)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True, slots=True)
class Due:
    """One recipient's message, leased to a sender."""

    broadcast_id: int
    resident_id: int
    chat_id: int
    method: str
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Outcome:
    broadcast_id: int
    resident_id: int
    result: str  # sent | blocked | failed | retry
    retry_at: datetime | None = None


def in_quiet_hours(now: datetime, tz: ZoneInfo) -> bool:
    local = now.astimezone(tz).time()
    return local >= QUIET_HOURS[0] or local < QUIET_HOURS[1]


def _reachable() -> Any:
    return and_(Resident.chat_id.is_not(None), Resident.blocked_at.is_(None),
                Resident.forgotten_at.is_(None), Resident.announcements_off_at.is_(None),
                Resident.consent_at.is_not(None))


def audience_query(audience: dict[str, Any]) -> Select[Any]:
    """The ids of the residents an audience spec names who can receive an announcement now."""
    kind = audience.get("kind")
    query = select(Resident.id).where(_reachable())
    if kind == "subscribers":
        return query.join(Subscription, Subscription.resident_id == Resident.id).where(
            Subscription.station_id == int(audience["station_id"]))
    if kind == "home":
        return query.where(Resident.station_id == int(audience["station_id"]))
    if kind == "town":
        code = str(audience["town_code"])
        return query.where(or_(
            Resident.station_id.in_(select(Station.id).where(Station.town_code == code)),
            Resident.community_code.in_(select(Community.code).where(Community.town_code == code))))
    if kind == "district":
        code = str(audience["district_code"])
        towns = select(Town.code).where(Town.district_code == code)
        return query.where(or_(
            Resident.station_id.in_(select(Station.id).where(Station.town_code.in_(towns))),
            Resident.community_code.in_(select(Community.code).where(Community.town_code.in_(towns)))))
    if kind == "area":
        return query
    if kind == "open_at":
        return query.where(Resident.id.in_(select(Suggestion.resident_id).where(
            Suggestion.station_id == int(audience["station_id"]), Suggestion.status.in_(OPEN))))
    if kind == "list":
        return query.where(Resident.id.in_([int(i) for i in audience.get("resident_ids", [])]))
    raise BroadcastError("announce.bad_audience")


async def count_audience(session: AsyncSession, audience: dict[str, Any]) -> int:
    sub = audience_query(audience).distinct().subquery()
    return int(await session.scalar(select(func.count()).select_from(sub)) or 0)


async def create_broadcast(
    session: AsyncSession,
    *,
    kind: str,
    payloads: dict[str, dict[str, Any]],
    audience: dict[str, Any] | None = None,
    resident_ids: list[int] | None = None,
    text: str = "",
    text_en: str | None = None,
    media_kind: str | None = None,
    media_file_id: str | None = None,
    urgent: bool = False,
    send_at: datetime | None = None,
    chat_id: int | None = None,
    station_id: int | None = None,
    meeting_id: int | None = None,
    created_by: int | None = None,
    now: datetime,
) -> Broadcast:
    """A draft broadcast. ``payloads``: per language, ``{"method": ..., "params": {...}}``
    without ``chat_id`` (the first language is the fallback). Give an audience spec or an
    explicit list of resident ids (for example the people a 公示 is for)."""
    if resident_ids is not None:
        audience = {"kind": "list", "resident_ids": sorted(set(resident_ids))}
    if audience is None or audience.get("kind") not in AUDIENCE_KINDS or not payloads:
        raise BroadcastError("announce.bad_audience")
    broadcast = Broadcast(kind=kind[:24], text=text, text_en=text_en, media_kind=media_kind,
                          media_file_id=media_file_id, audience=dict(audience),
                          payloads=dict(payloads), urgent=urgent, send_at=send_at,
                          status="draft", total=0, chat_id=chat_id, station_id=station_id,
                          meeting_id=meeting_id, created_by=created_by, created_at=now)
    session.add(broadcast)
    await session.flush()
    return broadcast


async def confirm(session: AsyncSession, broadcast_id: int, *, now: datetime,
                  actor: Actor | None = None) -> Broadcast:
    """Fix the recipients (one Delivery each) and start sending (or wait for ``send_at``)."""
    broadcast = await session.get(Broadcast, broadcast_id, with_for_update=True)
    if broadcast is None or broadcast.status != "draft":
        raise BroadcastError("announce.not_draft")
    ids = audience_query(broadcast.audience).distinct().subquery()
    await session.execute(insert(Delivery).from_select(
        ["broadcast_id", "resident_id", "status"],
        select(literal(broadcast.id), ids.c.id, literal(PENDING)),
    ))
    broadcast.total = int(await session.scalar(
        select(func.count()).where(Delivery.broadcast_id == broadcast.id)) or 0)
    broadcast.confirmed_at = now
    later = broadcast.send_at is not None and broadcast.send_at > now
    broadcast.status = "scheduled" if later else "sending"
    if actor is not None:
        audit.record(session, actor, "broadcast_confirm", "broadcast", broadcast.id, now=now,
                     recipients=broadcast.total, audience=str(broadcast.audience.get("kind")),
                     urgent=broadcast.urgent)
    await session.flush()
    return broadcast


def _payload_for(broadcast: Broadcast, locale: str) -> dict[str, Any]:
    payloads = broadcast.payloads
    chosen = payloads.get(locale) or next(iter(payloads.values()))
    return dict(chosen)


async def claim_due(
    session: AsyncSession, *, now: datetime, tz: ZoneInfo, limit: int, lease_seconds: float = 30,
    writing: Callable[[], Awaitable[None]] | None = None,
) -> list[Due]:
    """Lease up to ``limit`` recipients whose turn it is (oldest broadcast first).

    Reads first, then a few set-wise writes (statuses of those skipped, one guarded
    ``UPDATE … RETURNING`` for the lease). ``writing``: awaited right before the first write
    (``Database.lazy_unit_of_work``'s), so on SQLite the reads do not hold the single writer."""
    started = False

    async def write() -> None:
        nonlocal started
        if not started and writing is not None:
            await writing()
        started = True

    scheduled = await session.scalar(select(Broadcast.id).where(
        Broadcast.status == "scheduled", Broadcast.send_at <= now).limit(1))
    if scheduled is not None:
        await write()
        await session.execute(
            update(Broadcast).where(Broadcast.status == "scheduled", Broadcast.send_at <= now)
            .values(status="sending"))
    wanted = select(Broadcast).where(Broadcast.status == "sending")
    if in_quiet_hours(now, tz):
        wanted = wanted.where(Broadcast.urgent.is_(True))
    broadcasts = {b.id: b for b in (await session.scalars(wanted.order_by(Broadcast.id))).all()}
    due: list[Due] = []
    while broadcasts and len(due) < limit:  # skipped ones make room for the next
        rows = await _lease(session, broadcasts, now, limit - len(due), lease_seconds, due, write)
        if not rows:
            break
    return due


_Row = tuple[int, int, int | None, str, datetime | None, datetime | None, datetime | None]


async def _lease(session: AsyncSession, broadcasts: dict[int, Broadcast], now: datetime, limit: int,
                 lease_seconds: float, due: list[Due], write: Callable[[], Awaitable[None]]) -> int:
    rows: list[_Row] = list((await session.execute(
        select(Delivery.broadcast_id, Delivery.resident_id, Resident.chat_id, Resident.locale,
               Resident.blocked_at, Resident.forgotten_at, Resident.announcements_off_at)
        .join(Resident, Resident.id == Delivery.resident_id)
        .where(
            Delivery.broadcast_id.in_(list(broadcasts)),
            Delivery.status == PENDING,
            or_(Delivery.not_before.is_(None), Delivery.not_before <= now),
            or_(Delivery.lease_until.is_(None), Delivery.lease_until <= now),
        )
        .order_by(Delivery.broadcast_id, Delivery.resident_id)
        .limit(limit)
        .with_for_update(of=Delivery, skip_locked=True)
    )).all())
    if not rows:
        return 0
    subscribed = await _still_subscribed(session, broadcasts, rows)
    verdicts: dict[tuple[int, str], list[int]] = {}
    chosen: dict[tuple[int, int], tuple[int, str]] = {}
    for broadcast_id, resident_id, chat_id, locale, blocked, forgotten, off in rows:
        broadcast = broadcasts[broadcast_id]
        if blocked is not None or chat_id is None:
            verdict = BLOCKED if blocked is not None else SKIPPED
        elif (forgotten is not None or off is not None
                or (broadcast.audience.get("kind") == "subscribers"
                    and (broadcast_id, resident_id) not in subscribed)):
            verdict = SKIPPED
        else:
            verdict = "lease"
            chosen[(broadcast_id, resident_id)] = (chat_id, locale)
        verdicts.setdefault((broadcast_id, verdict), []).append(resident_id)
    await write()
    until = now + timedelta(seconds=lease_seconds)
    for (broadcast_id, verdict), ids in verdicts.items():
        mine = and_(Delivery.broadcast_id == broadcast_id, Delivery.resident_id.in_(ids),
                    Delivery.status == PENDING)
        if verdict != "lease":
            await session.execute(update(Delivery).where(mine).values(status=verdict))
            continue
        # Guarded: a row cancelled or leased since it was read is not leased again.
        leased = set((await session.scalars(
            update(Delivery).where(mine, or_(Delivery.lease_until.is_(None),
                                             Delivery.lease_until <= now))
            .values(lease_until=until).returning(Delivery.resident_id))).all())
        broadcast = broadcasts[broadcast_id]
        for resident_id in ids:
            if resident_id not in leased:
                continue
            chat_id, locale = chosen[(broadcast_id, resident_id)]
            payload = _payload_for(broadcast, locale)
            params = {**payload.get("params", {}), "chat_id": chat_id}
            due.append(Due(broadcast_id, resident_id, chat_id,
                           str(payload.get("method", "sendMessage")), params))
    return len(rows)


async def _still_subscribed(session: AsyncSession, broadcasts: dict[int, Broadcast],
                            rows: list[_Row]) -> set[tuple[int, int]]:
    """(broadcast, resident) pairs whose subscription to the broadcast's station still holds."""
    wanted = [(row[0], row[1]) for row in rows
              if broadcasts[row[0]].audience.get("kind") == "subscribers"]
    if not wanted:
        return set()
    found: set[tuple[int, int]] = set()
    stations = {bid: int(broadcasts[bid].audience["station_id"]) for bid, _ in wanted}
    pairs = set((await session.execute(
        select(Subscription.station_id, Subscription.resident_id).where(
            Subscription.resident_id.in_([rid for _, rid in wanted]),
            Subscription.station_id.in_(set(stations.values())))
    )).all())
    for bid, rid in wanted:
        if (stations[bid], rid) in pairs:
            found.add((bid, rid))
    return found


async def record_outcomes(session: AsyncSession, outcomes: list[Outcome], *, now: datetime) -> None:
    """What happened to each leased recipient; a 403 marks the resident blocked. Set-wise: one
    statement per broadcast and result (and retry time), not one per recipient."""
    groups: dict[tuple[int, str, datetime | None], list[int]] = {}
    for outcome in outcomes:
        retry_at = outcome.retry_at if outcome.result == "retry" else None
        groups.setdefault((outcome.broadcast_id, outcome.result, retry_at), []).append(
            outcome.resident_id)
    for (broadcast_id, result, retry_at), ids in groups.items():
        statement = update(Delivery).where(
            Delivery.broadcast_id == broadcast_id, Delivery.resident_id.in_(ids),
            Delivery.status == PENDING)
        if result == "sent":
            await session.execute(statement.values(status=SENT, sent_at=now, lease_until=None))
        elif result == "blocked":
            changed = list((await session.scalars(
                statement.values(status=BLOCKED, lease_until=None)
                .returning(Delivery.resident_id))).all())
            if changed:
                await session.execute(update(Resident).where(
                    Resident.id.in_(changed), Resident.blocked_at.is_(None)
                ).values(blocked_at=now))
        elif result == "failed":
            await session.execute(statement.values(status=FAILED, lease_until=None))
        else:
            await session.execute(statement.values(not_before=retry_at, lease_until=None))


async def finishable(session: AsyncSession) -> list[int]:
    """Broadcasts being sent with nobody left to send to (what ``finish_done`` would end);
    read-only, so the sender needs no write transaction when there is nothing to do."""
    pending = select(Delivery.broadcast_id).where(
        Delivery.broadcast_id == Broadcast.id, Delivery.status == PENDING).exists()
    return list((await session.scalars(
        select(Broadcast.id).where(Broadcast.status == "sending", ~pending))).all())


async def finish_done(session: AsyncSession, *, now: datetime) -> list[int]:
    """Broadcasts being sent that have nobody left to send to become done; their ids."""
    done = await finishable(session)
    if done:
        await session.execute(update(Broadcast).where(Broadcast.id.in_(done))
                              .values(status="done", finished_at=now))
        for broadcast_id in done:
            audit.record(session, Actor.system(), "broadcast_done", "broadcast", broadcast_id,
                         now=now)
    return done


async def counts(session: AsyncSession, broadcast_id: int) -> dict[str, int]:
    """How many recipients are pending, sent, skipped, blocked, failed or cancelled."""
    rows = (await session.execute(
        select(Delivery.status, func.count()).where(Delivery.broadcast_id == broadcast_id)
        .group_by(Delivery.status))).all()
    result = dict.fromkeys((PENDING, SENT, SKIPPED, BLOCKED, FAILED, CANCELLED), 0)
    result.update({str(status): int(n) for status, n in rows})
    return result


async def _staff_change(session: AsyncSession, broadcast_id: int, actor: Actor, action: str,
                        sources: tuple[str, ...], target: str, now: datetime,
                        chat_id: int | None = None) -> Broadcast:
    """``chat_id``: only a broadcast that staff group sent (a bound group cannot stop another
    group's); None: any (the default group's staff)."""
    broadcast = await session.get(Broadcast, broadcast_id, with_for_update=True)
    if broadcast is None or (chat_id is not None and broadcast.chat_id != chat_id):
        raise BroadcastError("announce.gone")
    if broadcast.status not in sources:
        raise BroadcastError("announce.not_now")
    if target == "sending" and broadcast.send_at is not None and broadcast.send_at > now:
        target = "scheduled"  # resuming a scheduled one waits for its time again
    broadcast.status = target
    audit.record(session, actor, f"broadcast_{action}", "broadcast", broadcast.id, now=now)
    if target == "cancelled":
        broadcast.finished_at = now
        await session.execute(update(Delivery).where(
            Delivery.broadcast_id == broadcast.id, Delivery.status == PENDING
        ).values(status=CANCELLED, lease_until=None))
    await session.flush()
    return broadcast


async def pause(session: AsyncSession, broadcast_id: int, actor: Actor, *, now: datetime,
                chat_id: int | None = None) -> Broadcast:
    return await _staff_change(session, broadcast_id, actor, "pause", ("sending", "scheduled"),
                               "paused", now, chat_id)


async def resume(session: AsyncSession, broadcast_id: int, actor: Actor, *, now: datetime,
                 chat_id: int | None = None) -> Broadcast:
    return await _staff_change(session, broadcast_id, actor, "resume", ("paused",), "sending", now, chat_id)


async def cancel(session: AsyncSession, broadcast_id: int, actor: Actor, *, now: datetime,
                 chat_id: int | None = None) -> Broadcast:
    return await _staff_change(session, broadcast_id, actor, "cancel", LIVE + ("draft",),
                               "cancelled", now, chat_id)


async def set_card(session: AsyncSession, broadcast_id: int, chat_id: int, message_id: int) -> None:
    """Where the progress card lives (the worker edits it in place)."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is not None:
        broadcast.chat_id, broadcast.card_message_id = chat_id, message_id


async def turn_off_announcements(session: AsyncSession, resident_id: int, *, now: datetime,
                                 off: bool = True) -> None:
    """One tap under an announcement: no more announcements (or again, with ``off=False``)."""
    resident = await session.get(Resident, resident_id)
    if resident is not None:
        resident.announcements_off_at = now if off else None
