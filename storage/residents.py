"""Residents: consent, where they live, their subscriptions, what we keep, and forgetting them.

Nothing about a person is stored before ``give_consent``. ``forget_resident`` erases personal data
and keeps the suggestions in the archive, detached (``resident_id`` NULL, contact fields empty).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from . import audit
from .bookings import BookingResult, cancel_booking
from .db import affected_rows
from .erasure import erase_copies, personal_values
from .evaluations import erase_comments_of
from .meeting_rules import MeetingError
from .models import (
    ActorKind,
    Booking,
    BookingStatus,
    CheckIn,
    Community,
    Delivery,
    DialogState,
    OutboxMessage,
    Resident,
    Station,
    Subscription,
    Suggestion,
    TimelineEntry,
    Town,
)
from .roles import Actor
from .stations import station_for_community

__all__ = [
    "resident_locale",
    "ResidentError",
    "PrivacySummary",
    "ForgetReport",
    "MAX_ADDRESS_TEXT",
    "find_resident",
    "give_consent",
    "set_locale",
    "set_home_community",
    "set_home_station",
    "subscription",
    "subscribe",
    "unsubscribe",
    "set_remind",
    "community_label",
    "privacy_summary",
    "forget_resident",
]

MAX_ADDRESS_TEXT = 256  # the column's size; routing refuses text over 200 characters anyway


class ResidentError(Exception):
    """A refused resident operation; nothing changed. ``key`` is a catalogue key."""

    def __init__(self, key: str, **fields: object) -> None:
        super().__init__(key)
        self.key = f"onboarding.error.{key}"
        self.fields: dict[str, object] = fields


@dataclass(frozen=True, slots=True)
class PrivacySummary:
    display_name: str | None
    phone: str | None
    address_text: str | None
    community: str | None  # 金叵罗村（溪翁庄镇）as stored names
    station: str | None
    subscriptions: tuple[str, ...]  # station names
    suggestions: int
    consent_at: datetime | None
    locale: str
    # Given with suggestions (the 「公开姓名和电话」 step): value -> tickets it was given with.
    shared_names: tuple[tuple[str, tuple[str, ...]], ...] = ()
    shared_phones: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class ForgetReport:
    suggestions_kept: int
    subscriptions_removed: int
    suggestion_ids: tuple[int, ...] = ()  # their staff cards must be shown again without the person
    promoted: tuple[BookingResult, ...] = ()  # seats they gave back: the next in line is told


async def resident_locale(session: AsyncSession, resident_id: int | None) -> str | None:
    """The language a resident chose (None: unknown, or not a resident)."""
    if resident_id is None:
        return None
    return await session.scalar(select(Resident.locale).where(Resident.id == resident_id))


async def find_resident(session: AsyncSession, telegram_user_id: int) -> Resident | None:
    return await session.scalar(
        select(Resident).where(Resident.telegram_user_id == telegram_user_id)
    )


async def give_consent(
    session: AsyncSession, *, telegram_user_id: int, chat_id: int, locale: str, now: datetime
) -> Resident:
    """Create the resident at consent (idempotent: an existing one is returned unchanged)."""
    resident = await find_resident(session, telegram_user_id)
    if resident is not None:
        return resident
    resident = Resident(
        telegram_user_id=telegram_user_id, chat_id=chat_id, locale=locale, consent_at=now,
        created_at=now,
    )
    session.add(resident)
    await session.flush()
    return resident


def set_locale(resident: Resident, locale: str, known: tuple[str, ...]) -> None:
    if locale not in known:
        raise ResidentError("unknown_locale", locale=locale)
    resident.locale = locale


async def set_home_community(
    session: AsyncSession, resident: Resident, community_code: str, *, address_text: str | None
) -> Station:
    """The resident lives in this community: store it, what they typed, and its station."""
    community = await session.get(Community, community_code)
    if community is None:
        raise ResidentError("unknown_community")
    station = await station_for_community(session, community_code)
    if station is None:
        raise ResidentError("no_station")
    text = (address_text or "").strip()[:MAX_ADDRESS_TEXT] or None
    resident.community_code = community.code
    resident.station_id = station.id
    resident.address_text = text
    await session.flush()
    return station


async def set_home_station(session: AsyncSession, resident: Resident, station_id: int) -> Station:
    """From a shared location: the nearest station; the community stays unknown."""
    station = await session.get(Station, station_id)
    if station is None:
        raise ResidentError("unknown_station")
    resident.community_code = None
    resident.station_id = station.id
    resident.address_text = None
    await session.flush()
    return station


async def subscription(
    session: AsyncSession, resident_id: int, station_id: int
) -> Subscription | None:
    return await session.get(Subscription, (resident_id, station_id))


async def subscribe(
    session: AsyncSession, resident: Resident, station_id: int, *, now: datetime
) -> Subscription:
    """Subscribe to a station's announcements with day-before reminders (idempotent)."""
    if await session.get(Station, station_id) is None:
        raise ResidentError("unknown_station")
    found = await subscription(session, resident.id, station_id)
    if found is not None:
        return found
    found = Subscription(resident_id=resident.id, station_id=station_id, remind=True, created_at=now)
    session.add(found)
    await session.flush()
    return found


async def unsubscribe(session: AsyncSession, resident: Resident, station_id: int) -> bool:
    """Whether there was a subscription to remove."""
    result = await session.execute(
        delete(Subscription).where(
            Subscription.resident_id == resident.id, Subscription.station_id == station_id
        )
    )
    return bool(affected_rows(result))


async def set_remind(
    session: AsyncSession, resident: Resident, station_id: int, remind: bool
) -> Subscription:
    found = await subscription(session, resident.id, station_id)
    if found is None:
        raise ResidentError("not_subscribed")
    found.remind = remind
    await session.flush()
    return found


async def community_label(session: AsyncSession, code: str | None) -> str | None:
    if code is None:
        return None
    row = (
        await session.execute(
            select(Community.short_name, Town.name)
            .join(Town, Town.code == Community.town_code)
            .where(Community.code == code)
        )
    ).first()
    return f"{row[0]}（{row[1]}）" if row is not None else None


async def privacy_summary(session: AsyncSession, resident: Resident) -> PrivacySummary:
    station = await session.get(Station, resident.station_id) if resident.station_id else None
    subscribed = (
        await session.scalars(
            select(Station.name)
            .join(Subscription, Subscription.station_id == Station.id)
            .where(Subscription.resident_id == resident.id)
            .order_by(Station.name)
        )
    ).all()
    count = await session.scalar(
        select(func.count()).select_from(Suggestion).where(Suggestion.resident_id == resident.id)
    )
    shared = [(ticket, name, phone) for ticket, name, phone in (
        await session.execute(
            select(Suggestion.ticket, Suggestion.contact_name, Suggestion.contact_phone)
            .where(Suggestion.resident_id == resident.id,
                   or_(Suggestion.contact_name.is_not(None), Suggestion.contact_phone.is_not(None)))
            .order_by(Suggestion.id)
        )
    ).all()]
    return PrivacySummary(
        shared_names=_given(shared, 1),
        shared_phones=_given(shared, 2),
        display_name=resident.display_name,
        phone=resident.phone,
        address_text=resident.address_text,
        community=await community_label(session, resident.community_code),
        station=station.name if station is not None else None,
        subscriptions=tuple(subscribed),
        suggestions=int(count or 0),
        consent_at=resident.consent_at,
        locale=resident.locale,
    )


def _given(rows: Sequence[tuple[str, str | None, str | None]], column: int
           ) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each distinct value of ``column`` with the tickets it was given with, in order."""
    found: dict[str, list[str]] = {}
    for row in rows:
        value = row[column]
        if value:
            found.setdefault(value, []).append(row[0])
    return tuple((value, tuple(tickets)) for value, tickets in found.items())


async def _erase_messages_to(session: AsyncSession, resident: Resident, now: datetime) -> None:
    """Outbox rows to this person (they carry the chat id and our text) go, except one in flight."""
    await session.execute(delete(Delivery).where(Delivery.resident_id == resident.id))
    target = OutboxMessage.resident_id == resident.id
    if resident.chat_id is not None:
        target = or_(target, OutboxMessage.chat_id == resident.chat_id)
    idle = or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now)
    await session.execute(delete(OutboxMessage).where(target, idle))
    await session.execute(update(OutboxMessage).where(target).values(resident_id=None))


async def _give_back_bookings(
    session: AsyncSession, resident: Resident, now: datetime
) -> tuple[BookingResult, ...]:
    """Their seats at receptions to come go to the waiting list; every booking of theirs (its
    topic is their words) is deleted, and their sign-ins stay counted but unlinked."""
    promoted: list[BookingResult] = []
    active = await session.scalars(
        select(Booking.id).where(
            Booking.resident_id == resident.id, Booking.status != BookingStatus.CANCELLED
        )
    )
    for booking_id in list(active):
        try:
            result = await cancel_booking(session, booking_id, resident, now)
        except MeetingError:
            continue  # a meeting that is over or cancelled: nobody waits for the seat
        if result.promoted is not None:
            promoted.append(result)
    await session.execute(delete(Booking).where(Booking.resident_id == resident.id))
    await session.execute(
        update(CheckIn).where(CheckIn.resident_id == resident.id).values(resident_id=None)
    )
    return tuple(promoted)


async def forget_resident(session: AsyncSession, resident: Resident, *, now: datetime) -> ForgetReport:
    """Erase the resident's personal data; their suggestions stay in the archive, detached.

    Copies elsewhere go too (:mod:`storage.erasure`): outbox payloads, timeline and audit texts,
    saved notes, and the phone or name typed into a suggestion's own text. The caller re-renders
    the staff cards of ``suggestion_ids``."""
    theirs = list(
        await session.scalars(select(Suggestion).where(Suggestion.resident_id == resident.id))
    )
    values = personal_values(resident, theirs)
    kept = await session.execute(
        update(Suggestion)
        .where(Suggestion.resident_id == resident.id)
        .values(resident_id=None, contact_name=None, contact_phone=None, share_identity=False)
    )
    await session.execute(
        update(TimelineEntry)
        .where(TimelineEntry.actor_kind == ActorKind.RESIDENT, TimelineEntry.actor_id == resident.id)
        .values(actor_id=None)
    )
    removed = await session.execute(
        delete(Subscription).where(Subscription.resident_id == resident.id)
    )
    promoted = await _give_back_bookings(session, resident, now)
    await _erase_messages_to(session, resident, now)
    suggestion_ids = tuple(sorted(s.id for s in theirs))
    await erase_copies(session, values, suggestion_ids, now)
    await erase_comments_of(session, resident.id)  # their 评议 votes stay, anonymous
    if resident.telegram_user_id is not None:
        await session.execute(
            delete(DialogState).where(DialogState.user_id == resident.telegram_user_id)
        )
    for name in ("telegram_user_id", "chat_id", "display_name", "phone", "address_text",
                 "community_code", "station_id", "consent_at", "blocked_at"):
        setattr(resident, name, None)
    resident.forgotten_at = now
    audit.record(session, Actor.resident(resident.id), "resident.forget", "resident", resident.id,
                 now=now, suggestions=affected_rows(kept))
    await session.flush()
    return ForgetReport(
        suggestions_kept=affected_rows(kept),
        subscriptions_removed=affected_rows(removed),
        suggestion_ids=suggestion_ids,
        promoted=promoted,
    )
