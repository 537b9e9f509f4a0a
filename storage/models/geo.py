"""Where people live and where deputies receive them: towns, communities, aliases, stations."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, StationKind, str_enum

__all__ = ["Town", "Community", "AddressAlias", "Station", "StationCoverage", "StaffTopic"]


class Town(Base):
    """镇 / 街道 / 地区: a town-level unit with its 9-digit division code."""

    __tablename__ = "towns"

    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    short_name: Mapped[str] = mapped_column(String(64))


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
    """人大代表之家 (kind=home, one per town) or 人大代表联络站 (kind=station)."""

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
