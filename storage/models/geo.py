"""Where people live and where deputies receive them: towns, communities, aliases, stations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, StationKind, UTCDateTime, str_enum, utcnow

__all__ = [
    "District", "Town", "Community", "AddressAlias", "Station", "StationCoverage", "StaffTopic",
    "StaffChat",
]


class District(Base):
    """区: one of Beijing's 16 districts, with its 6-digit division code. A deployment serves the
    districts that have towns loaded: one, several, or the whole city."""

    __tablename__ = "districts"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))


def _district_of_town(context: DefaultExecutionContext) -> str:
    """A town's district is the first six digits of its division code (NBS coding)."""
    return str(context.get_current_parameters()["code"])[:6]


class Town(Base):
    """镇 / 街道 / 地区: a town-level unit with its 9-digit division code, in a district."""

    __tablename__ = "towns"

    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    short_name: Mapped[str] = mapped_column(String(64))
    district_code: Mapped[str] = mapped_column(
        ForeignKey("districts.code"), index=True, default=_district_of_town
    )


class Community(Base):
    """村 / 社区: a village or residents' committee with its 12-digit code."""

    __tablename__ = "communities"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    short_name: Mapped[str] = mapped_column(String(64), index=True)
    town_code: Mapped[str] = mapped_column(ForeignKey("towns.code"), index=True)
    # village_committee | residents_committee
    unit_type: Mapped[str] = mapped_column(String(24))


class AddressAlias(Base):
    """What residents actually type (小区, road, old name) mapped to a community."""

    __tablename__ = "address_aliases"
    __table_args__ = (UniqueConstraint("alias", "community_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alias: Mapped[str] = mapped_column(String(128), index=True)
    community_code: Mapped[str] = mapped_column(ForeignKey("communities.code", ondelete="CASCADE"))
    # compound | road | old_name | other
    kind: Mapped[str] = mapped_column(String(16), default="other")


class Station(Base):
    """人大代表之家 (kind=home, one per town) or 人大代表联络站 (kind=station).

    ``rhythm`` is the station's duty rhythm as an iCalendar RRULE without DTSTART, e.g.
    ``FREQ=MONTHLY;BYDAY=+2SA;BYHOUR=9;BYMINUTE=0`` (月进站: the 2nd Saturday, 9:00) or
    ``FREQ=MONTHLY;BYMONTH=3,6,9,12;BYDAY=-1TH;BYHOUR=14;BYMINUTE=0`` (季回家); each
    meeting lasts ``rhythm_minutes``. Empty: nothing is planned. ``jiazhan plan`` reads it
    (``storage.rhythm``); staff edit it in the ``stations`` sheet. ``person_in_charge`` (负责人)
    goes into the plan workbook.
    """

    __tablename__ = "stations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stable key used by import/export files, e.g. "H110118001" or "S110118001-01".
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[StationKind] = mapped_column(str_enum(StationKind))
    name: Mapped[str] = mapped_column(String(128))
    town_code: Mapped[str] = mapped_column(ForeignKey("towns.code"), index=True)
    is_model: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[str] = mapped_column(String(256), default="")
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    opening_hours: Mapped[str] = mapped_column(String(128), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    rhythm: Mapped[str] = mapped_column(String(200), default="")
    rhythm_minutes: Mapped[int] = mapped_column(Integer, default=150)
    person_in_charge: Mapped[str] = mapped_column(String(64), default="")


class StationCoverage(Base):
    """Which communities a liaison station serves (each community by exactly one station)."""

    __tablename__ = "station_coverage"

    station_id: Mapped[int] = mapped_column(
        ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True
    )
    community_code: Mapped[str] = mapped_column(
        ForeignKey("communities.code", ondelete="CASCADE"), primary_key=True, unique=True
    )


class StaffTopic(Base):
    """The forum topic of a town in the staff group (when the group has topics)."""

    __tablename__ = "staff_topics"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    town_code: Mapped[str] = mapped_column(ForeignKey("towns.code"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(BigInteger)


class StaffChat(Base):
    """A staff group bound to an area with ``/bind``: a district, or one town. Cards of that area go
    to this chat; the group of ``JIAZHAN_STAFF_CHAT_ID`` serves everything not bound elsewhere."""

    __tablename__ = "staff_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    district_code: Mapped[str | None] = mapped_column(
        ForeignKey("districts.code"), nullable=True, index=True
    )
    town_code: Mapped[str | None] = mapped_column(ForeignKey("towns.code"), nullable=True, index=True)
    bound_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    bound_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
