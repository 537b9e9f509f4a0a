"""意见建议: suggestions, their categories, timeline, attachments and the ticket counter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import (
    ActorKind,
    AnswerChannel,
    Base,
    HandlingLevel,
    Priority,
    Satisfaction,
    SuggestionStatus,
    UTCDateTime,
    Visibility,
    str_enum,
    utcnow,
)

__all__ = [
    "Category",
    "Suggestion",
    "TimelineEntry",
    "Attachment",
    "TicketCounter",
    "AnswerTemplate",
]


class Category(Base):
    """A suggestion category (城乡建设, 生态环境, …); names in both languages."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(32))
    name_en: Mapped[str] = mapped_column(String(48))
    position: Mapped[int] = mapped_column(Integer, default=0)


class TicketCounter(Base):
    """Per-year sequence for ticket numbers YYYY-NNNNNN (incremented atomically)."""

    __tablename__ = "ticket_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Suggestion(Base):
    """意见建议 with its ticket number.

    代录 (recorded on behalf): ``on_behalf`` is true when a staff member or a deputy typed in what a
    resident without Telegram said (``recorded_by_kind`` staff|deputy, ``recorded_by_id`` their
    row id); ``meeting_id`` links it to the meeting where it was recorded; ``answer_channel`` says
    how the answer reaches the resident (phone / in person; ``telegram`` for everyone else), and
    the answer is recorded in the timeline by whoever gave it, so the three rates count it.
    """

    __tablename__ = "suggestions"
    # Everything the three rates read (storage/stats_rates.py), in GROUP BY order: the statistics
    # are answered from this index alone, never from the wide rows.
    __table_args__ = (
        Index("ix_suggestions_stats", "station_id", "assignee_deputy_id", "status",
              "first_response_due", "first_response_at", "created_at", "satisfaction"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket: Mapped[str] = mapped_column(String(16), unique=True)
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), nullable=True, index=True
    )
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    community_code: Mapped[str | None] = mapped_column(ForeignKey("communities.code"), nullable=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    text: Mapped[str] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    # The resident may address one deputy; otherwise the station's deputies.
    addressed_deputy_id: Mapped[int | None] = mapped_column(ForeignKey("deputies.id"), nullable=True)
    share_identity: Mapped[bool] = mapped_column(Boolean, default=False)
    # Contact snapshot given with consent; erased by /forget.
    contact_name: Mapped[str | None] = mapped_column(String(128), nullable=True)
    contact_phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Typed by the resident (after a confirmation), not shared through Telegram: not verified.
    contact_phone_typed: Mapped[bool] = mapped_column(Boolean, default=False,
                                                      server_default=false())

    status: Mapped[SuggestionStatus] = mapped_column(
        str_enum(SuggestionStatus), default=SuggestionStatus.NEW, index=True
    )
    priority: Mapped[Priority] = mapped_column(str_enum(Priority), default=Priority.NORMAL)
    level: Mapped[HandlingLevel] = mapped_column(
        str_enum(HandlingLevel), default=HandlingLevel.STATION
    )
    assignee_deputy_id: Mapped[int | None] = mapped_column(
        ForeignKey("deputies.id"), nullable=True, index=True
    )
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("suggestions.id"), nullable=True)
    hotline_ticket: Mapped[str | None] = mapped_column(String(32), nullable=True)  # 12345
    reject_reason: Mapped[str | None] = mapped_column(String(256), nullable=True)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    satisfaction: Mapped[Satisfaction | None] = mapped_column(
        str_enum(Satisfaction), nullable=True
    )
    satisfaction_comment: Mapped[str | None] = mapped_column(Text, nullable=True)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    first_response_due: Mapped[datetime] = mapped_column(UTCDateTime)
    resolution_due: Mapped[datetime] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    # 代录 and the meeting it was recorded at.
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_kind: Mapped[ActorKind | None] = mapped_column(str_enum(ActorKind), nullable=True)
    recorded_by_id: Mapped[int | None] = mapped_column(nullable=True)
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), nullable=True, index=True
    )
    answer_channel: Mapped[AnswerChannel] = mapped_column(
        str_enum(AnswerChannel), default=AnswerChannel.TELEGRAM
    )

    # Where the staff card lives (edited in place as the ticket changes).
    card_chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    card_thread_id: Mapped[int | None] = mapped_column(nullable=True)
    card_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    # 回访 "was it really fixed?": asked once, some days after it was resolved; the answer is
    # ``still_fixed`` or ``came_back`` (which reopened it).
    followup_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    followup_answer: Mapped[str | None] = mapped_column(String(16), nullable=True)
    followup_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class TimelineEntry(Base):
    """One event in a suggestion's life; public entries are shown to the resident."""

    __tablename__ = "timeline_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(
        ForeignKey("suggestions.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_kind: Mapped[ActorKind] = mapped_column(str_enum(ActorKind))
    actor_id: Mapped[int | None] = mapped_column(nullable=True)  # resident/staff/deputy row id
    # created | assigned | reply | note | followup | status | rating | escalated | ...
    kind: Mapped[str] = mapped_column(String(24))
    visibility: Mapped[Visibility] = mapped_column(str_enum(Visibility), default=Visibility.PUBLIC)
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)


class Attachment(Base):
    """A photo, voice message or document given with a suggestion (Telegram file ids)."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(
        ForeignKey("suggestions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # photo | voice | document
    file_id: Mapped[str] = mapped_column(String(256))
    file_unique_id: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AnswerTemplate(Base):
    """Saved staff answers with {placeholders} (/templates)."""

    __tablename__ = "answer_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
