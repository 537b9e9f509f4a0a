"""Outbox, broadcasts and deliveries, dialog state and processed updates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, OutboxStatus, UTCDateTime, str_enum, utcnow

__all__ = ["OutboxMessage", "Broadcast", "Delivery", "DialogState", "ProcessedUpdate", "InboxUpdate"]


class OutboxMessage(Base):
    """A Bot API call to make on behalf of a committed change; sent by the delivery worker."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "not_before"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    method: Mapped[str] = mapped_column(String(48))  # sendMessage, editMessageText, sendPhoto, …
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # What the message is for: an OutboxPurpose value (plain text, so old values still load).
    purpose: Mapped[str] = mapped_column(String(24))
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Attempts whose outcome is unknown (the request went out, no answer came back): the message
    # may have arrived. Bounds repeats: a resident's message is repeated at most once, a staff
    # card is never posted twice.
    uncertain: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # For a staff card whose answer was lost: the newest message id known in its chat then.
    uncertain_after: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(256), nullable=True)
    result_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    suggestion_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggestions.id", ondelete="SET NULL"), nullable=True
    )
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), nullable=True
    )


class Broadcast(Base):
    """One announcement to an audience: the automatic meeting announcements and what staff
    compose with /announce. ``payloads`` holds what one recipient receives, per language:
    ``{"zh": {"method": "sendMessage", "params": {...}}, "en": ...}``. Recipients are fixed
    when it is confirmed (its Deliveries)."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), nullable=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(24))  # announcement | reminder | custom
    text: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str | None] = mapped_column(Text, nullable=True)
    media_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)  # photo | document
    media_file_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    payloads: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # draft | scheduled | sending | paused | cancelled | done
    status: Mapped[str] = mapped_column(String(12), default="done", server_default="done",
                                        index=True)
    total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # staff group
    card_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delivery(Base):
    """One recipient of a broadcast: at most one row per broadcast and resident, so nobody gets
    it twice. ``status``: pending | sent | skipped | blocked | failed | cancelled."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_queue", "broadcast_id", "status", "resident_id"),)

    broadcast_id: Mapped[int] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE"), primary_key=True
    )
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True
    )
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="sent", server_default="sent")
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DialogState(Base):
    """Where a user is in a dialog; kept in the database so it survives restarts."""

    __tablename__ = "dialog_states"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ProcessedUpdate(Base):
    """Update ids already handled: an update delivered twice has its effect once."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class InboxUpdate(Base):
    """A Telegram update committed before Telegram is told it arrived (the transactional inbox).

    ``payload`` is the raw update until it is handled; the handling transaction clears it and
    keeps ``replies`` (what to answer in the chat) until they are sent, then the row goes. A
    restart handles the rows with a payload and sends the replies of the others.
    """

    __tablename__ = "inbox_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    replies: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON(none_as_null=True),
                                                                 nullable=True)
