"""Deputies, residents, staff and the invitations that link Telegram accounts to roles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, DeputyLevel, InviteKind, UTCDateTime, str_enum, utcnow

__all__ = ["Deputy", "DeputyStation", "Resident", "Staff", "InviteCode"]


class Deputy(Base):
    """人大代表 at one of four levels, with a public profile and optional Telegram account."""

    __tablename__ = "deputies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # stable key for import/export
    name: Mapped[str] = mapped_column(String(64), index=True)
    level: Mapped[DeputyLevel] = mapped_column(str_enum(DeputyLevel))
    title: Mapped[str] = mapped_column(String(128), default="")  # occupation / post, public
    profile: Mapped[str] = mapped_column(Text, default="")  # public profile
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class DeputyStation(Base):
    __tablename__ = "deputy_stations"

    deputy_id: Mapped[int] = mapped_column(
        ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True
    )
    station_id: Mapped[int] = mapped_column(
        ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Resident(Base):
    """选民 / 居民: a Telegram user who talks to the bot."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True, nullable=True)
    # Indexed: a failed delivery marks the resident by chat (blocked_at), and every delivery
    # checks that mark; without it each was a scan of every resident.
    chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    locale: Mapped[str] = mapped_column(String(8), default="zh")
    display_name: Mapped[str | None] = mapped_column(String(128), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    address_text: Mapped[str | None] = mapped_column(String(256), nullable=True)
    community_code: Mapped[str | None] = mapped_column(
        ForeignKey("communities.code"), nullable=True
    )
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), nullable=True)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    forgotten_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # One tap under an announcement: no more announcements (replies to their own matters go on).
    announcements_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Staff(Base):
    """工作人员 added with /staff add (group admins and JIAZHAN_ADMIN_IDS are staff too)."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    added_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InviteCode(Base):
    """A single-use, expiring invitation (deep link) that links a Telegram account to a role."""

    __tablename__ = "invite_codes"

    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    kind: Mapped[InviteKind] = mapped_column(str_enum(InviteKind))
    deputy_id: Mapped[int | None] = mapped_column(
        ForeignKey("deputies.id", ondelete="CASCADE"), nullable=True
    )
    created_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    used_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
