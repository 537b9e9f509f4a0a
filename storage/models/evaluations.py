"""Voters' evaluation (评议) of a deputy's annual report: the evaluation staff open, and one
ballot per resident asked (满意 / 基本满意 / 不满意, with an optional comment).

The residents asked are fixed when the evaluation is opened: they are the recipients
(``Delivery`` rows) of the evaluation's broadcast. Nobody else's vote is taken.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Satisfaction, UTCDateTime, str_enum, utcnow

__all__ = ["Evaluation", "Ballot"]


class Evaluation(Base):
    """One 评议: a deputy, the period their report covers and the stations whose residents are
    asked. ``status``: open | closed."""

    __tablename__ = "evaluations"
    __table_args__ = (Index("ix_evaluations_due", "status", "closes_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"), index=True)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)  # included
    station_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(Text)
    summary_en: Mapped[str | None] = mapped_column(Text, nullable=True)
    opened_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # staff's Telegram id
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="open")
    chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # the staff group
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id"), nullable=True)
    asked: Mapped[int] = mapped_column(Integer, default=0)  # residents asked (fixed at opening)


class Ballot(Base):
    """One resident's vote in one evaluation (never shown to the deputy with who cast it)."""

    __tablename__ = "evaluation_ballots"
    __table_args__ = (UniqueConstraint("evaluation_id", "resident_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluations.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    choice: Mapped[Satisfaction] = mapped_column(str_enum(Satisfaction))
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    commented_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
