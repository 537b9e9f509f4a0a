"""Declarative base, shared column types and the enumerations of the domain."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Enum, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

__all__ = [
    "Base",
    "UTCDateTime",
    "str_enum",
    "utcnow",
    "StationKind",
    "DeputyLevel",
    "MeetingKind",
    "MeetingStatus",
    "SuggestionStatus",
    "Priority",
    "HandlingLevel",
    "Satisfaction",
    "ActorKind",
    "Visibility",
    "OutboxStatus",
    "OutboxPurpose",
    "InviteKind",
    "DeputyResponse",
    "BookingStatus",
    "AnswerChannel",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def str_enum(cls: type[enum.Enum]) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, values stored as written."""
    return Enum(
        cls,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda e: [m.value for m in e],
        name=cls.__name__.lower(),
        validate_strings=True,
    )


class StationKind(enum.StrEnum):
    HOME = "home"  # 人大代表之家
    STATION = "station"  # 人大代表联络站


class DeputyLevel(enum.StrEnum):
    NATIONAL = "national"
    MUNICIPAL = "municipal"
    DISTRICT = "district"
    TOWN = "town"


class MeetingKind(enum.StrEnum):
    RECEPTION = "reception"  # 接待日
    FORUM = "forum"  # 座谈
    INSPECTION = "inspection"  # 调研
    REPORT = "report"  # 述职


class MeetingStatus(enum.StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


class DeputyResponse(enum.StrEnum):
    """A deputy's answer to a meeting they are on (参加 / 不能参加); no row value = not yet."""

    ATTENDING = "attending"  # 参加
    DECLINED = "declined"  # 不能参加


class BookingStatus(enum.StrEnum):
    """预约 of a reception: a seat, a place on the waiting list, or given back."""

    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"


class AnswerChannel(enum.StrEnum):
    """How the answer to a suggestion reaches the resident (代录 residents have no Telegram)."""

    TELEGRAM = "telegram"
    PHONE = "phone"
    IN_PERSON = "in_person"


class SuggestionStatus(enum.StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    ANSWERED = "answered"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    ESCALATED = "escalated"
    REOPENED = "reopened"


class Priority(enum.StrEnum):
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class HandlingLevel(enum.StrEnum):
    STATION = "station"
    HOME = "home"
    DISTRICT = "district"


class Satisfaction(enum.StrEnum):
    SATISFIED = "satisfied"  # 满意
    BASIC = "basic"  # 基本满意
    UNSATISFIED = "unsatisfied"  # 不满意


class ActorKind(enum.StrEnum):
    RESIDENT = "resident"
    STAFF = "staff"
    DEPUTY = "deputy"
    SYSTEM = "system"


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after retries
    DROPPED = "dropped"  # recipient blocked the bot or chat is gone


class OutboxPurpose(enum.StrEnum):
    """What an outbox row is for (stored as text, at most 24 characters)."""

    STAFF_CARD = "staff_card"  # the sendMessage that creates a suggestion's card in the staff group
    CARD_EDIT = "card_edit"  # an in-place edit of that card (coalesced while waiting)
    STAFF_MEDIA = "staff_media"  # the card's photos, voices and the rest of a long text
    DEPUTY_MEDIA = "deputy_media"  # a ticket's photos, voices and files sent again to its deputy
    STAFF_NOTICE = "staff_notice"  # a resident followed up or rated: told to staff and deputy
    TO_RESIDENT = "to_resident"  # staff or a deputy acted on a resident's ticket
    TO_DEPUTY = "to_deputy"  # a ticket assigned (or back) to a deputy
    DEADLINE_REMINDER = "deadline_reminder"  # a deputy's ticket is nearly or already due
    STAFF_DIGEST = "staff_digest"  # the staff group's daily digest
    MEETING_REMINDER = "reminder"  # the day before a reception, to a subscriber
    ANNOUNCEMENT = "announcement"  # a reception day new, moved or cancelled, to subscribers
    ANSWER_EDIT = "answer_edit"  # a staff member edited an answer: the resident's copy follows
    FORGET_EDIT = "forget_edit"  # a delivered message edited to lose a person who used /forget
    BOOKING = "booking"  # a resident's booking of a reception confirmed or moved up
    BOOKING_REMINDER = "booking_reminder"  # the day before a booked reception
    DEPUTY_MEETING = "deputy_meeting"  # a meeting a deputy is asked to attend, or its changes
    MEETING_CLOSE = "meeting_close"  # staff reminded to close a held meeting with its minutes
    BROADCAST_CARD = "broadcast_card"  # a staff announcement's card in the staff group
    BROADCAST_REPORT = "broadcast_report"  # how an announcement went: sent, blocked, failed
    BROADCAST_PREVIEW = "broadcast_preview"  # an announcement shown to staff before it is sent
    OPS_ALERT = "ops_alert"  # a handler failed: the staff group is told (no personal data)
    DEFERRED_REPLY = "deferred_reply"  # a direct reply Telegram held back or the network lost
    WEEKLY_REPORT = "weekly_report"  # a staff group's weekly summary (a chart drawn by the bot)
    EVALUATION_RESULT = "evaluation_result"  # a closed 评议's results, to staff and the deputy
    FOLLOWUP = "followup"  # 回访: "is it still fixed?", some days after a suggestion was resolved
    PUBLICITY_CARD = "publicity_card"  # a monthly 公示's progress card in its staff group
    PUBLICITY_PREVIEW = "publicity_preview"  # the 公示 as residents receive it, shown to its group


class InviteKind(enum.StrEnum):
    DEPUTY = "deputy"
    STAFF = "staff"
