"""Which staff group serves which area: ``/bind 昌平区`` (or a town) in a group, and the one lookup
every card, notice and meeting card uses.

A group bound to a town serves that town; one bound to a district serves the district's towns
that have no group of their own, and everything escalated to the district level; the group of
``JIAZHAN_STAFF_CHAT_ID`` (``default``) serves everything not bound elsewhere. One group serves one
area; binding an area another group had moves it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from .models import (
    District,
    HandlingLevel,
    OutboxMessage,
    OutboxPurpose,
    StaffChat,
    Station,
    Suggestion,
    Town,
)

__all__ = [
    "Binding",
    "BindError",
    "bind_staff_chat",
    "unbind_staff_chat",
    "binding_of",
    "bound_chat_ids",
    "staff_chat_for_town",
    "staff_chat_for_station",
    "staff_chat_for_suggestion",
    "chat_serves_suggestion",
    "card_posted_to",
    "StaffArea",
    "staff_area",
    "staff_areas",
    "served_stations",
    "area_stations",
    "in_area",
    "area_station_ids",
    "station_in_area",
]


@dataclass(frozen=True, slots=True)
class Binding:
    chat_id: int
    district_code: str | None
    town_code: str | None
    name: str  # the district's or town's official name


class BindError(Exception):
    """``key`` names a catalogue text (``staff_chats.*``) for the person who asked."""

    def __init__(self, key: str, **fields: object) -> None:
        super().__init__(key)
        self.key = key
        self.fields = fields


async def _find_area(session: AsyncSession, text: str) -> tuple[str | None, str | None, str]:
    """(district_code, town_code, name) for a district or town named by code or name."""
    wanted = text.strip()
    if not wanted:
        raise BindError("staff_chats.bind_usage")
    district = await session.scalar(
        select(District).where(or_(District.code == wanted, District.name == wanted,
                                   District.name == wanted + "区"))
    )
    if district is not None:
        return district.code, None, district.name
    towns = (await session.scalars(
        select(Town).where(or_(Town.code == wanted, Town.name == wanted)).order_by(Town.code)
    )).all()
    if len(towns) == 1:
        return None, towns[0].code, towns[0].name
    if len(towns) > 1:  # 城关街道 in two districts: the code says which
        raise BindError("staff_chats.bind_ambiguous", name=wanted,
                        codes="、".join(t.code for t in towns))
    raise BindError("staff_chats.bind_unknown", name=wanted)


async def bind_staff_chat(
    session: AsyncSession, chat_id: int, area: str, *, by: int | None, now: datetime
) -> Binding:
    """Bind the group ``chat_id`` to a district or town (by name or division code)."""
    district_code, town_code, name = await _find_area(session, area)
    await session.execute(delete(StaffChat).where(
        or_(StaffChat.chat_id == chat_id,
            StaffChat.district_code == district_code if district_code else StaffChat.town_code == town_code)))
    session.add(StaffChat(chat_id=chat_id, district_code=district_code, town_code=town_code,
                          bound_by=by, bound_at=now))
    await session.flush()
    return Binding(chat_id, district_code, town_code, name)


async def unbind_staff_chat(session: AsyncSession, chat_id: int) -> bool:
    result = await session.execute(delete(StaffChat).where(StaffChat.chat_id == chat_id))
    return bool(getattr(result, "rowcount", 0))


async def binding_of(session: AsyncSession, chat_id: int) -> Binding | None:
    row = await session.get(StaffChat, chat_id)
    if row is None:
        return None
    if row.town_code is not None:
        name = await session.scalar(select(Town.name).where(Town.code == row.town_code)) or ""
    else:
        name = await session.scalar(select(District.name).where(District.code == row.district_code)) or ""
    return Binding(row.chat_id, row.district_code, row.town_code, name)


async def bound_chat_ids(session: AsyncSession) -> frozenset[int]:
    return frozenset(await session.scalars(select(StaffChat.chat_id)))


async def staff_chat_for_town(
    session: AsyncSession, town_code: str, default: int | None, *, level: HandlingLevel | None = None
) -> int | None:
    """THE lookup: the staff group serving this town — its own group, else its district's, else
    ``default`` (``JIAZHAN_STAFF_CHAT_ID``). At the district level a town's own group is passed
    over: an escalation reaches the district's group."""
    rows = (await session.execute(
        select(StaffChat.chat_id, StaffChat.town_code, StaffChat.district_code).where(
            or_(StaffChat.town_code == town_code,
                StaffChat.district_code == select(Town.district_code)
                .where(Town.code == town_code).scalar_subquery()))
    )).all()
    by_town = [chat for chat, town, _ in rows if town is not None]
    by_district = [chat for chat, town, _ in rows if town is None]
    if by_town and level is not HandlingLevel.DISTRICT:
        return int(by_town[0])
    if by_district:
        return int(by_district[0])
    return default


async def staff_chat_for_station(
    session: AsyncSession, station_id: int | None, default: int | None,
    *, level: HandlingLevel | None = None,
) -> int | None:
    """The staff group serving a station (through its town); ``default`` when it has none."""
    if station_id is None:
        return default
    town_code = await session.scalar(select(Station.town_code).where(Station.id == station_id))
    if town_code is None:
        return default
    return await staff_chat_for_town(session, town_code, default, level=level)


async def staff_chat_for_suggestion(
    session: AsyncSession, suggestion: Suggestion, default: int | None
) -> int | None:
    return await staff_chat_for_station(session, suggestion.station_id, default,
                                        level=suggestion.level)


async def chat_serves_suggestion(
    session: AsyncSession, chat_id: int, suggestion: Suggestion, default: int | None
) -> bool:
    """May staff in ``chat_id`` see and act on this suggestion? The default group may act on
    everything (it is the whole area's); a bound group on the tickets of its area (a district's
    group: the whole district, also towns with a group of their own) and on the ones whose card
    it holds or that it serves (an escalation); never on another area's tickets."""
    if suggestion.card_chat_id == chat_id:
        return True
    area = await staff_area(session, chat_id, default)
    if area is None:
        return False
    if await station_in_area(session, area, suggestion.station_id):
        return True
    return await staff_chat_for_suggestion(session, suggestion, default) == chat_id


async def card_posted_to(session: AsyncSession, suggestion_id: int, chat_id: int) -> bool:
    """Has this suggestion's card been queued for (or sent to) this group already?"""
    found = await session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.suggestion_id == suggestion_id, OutboxMessage.chat_id == chat_id,
        OutboxMessage.purpose == OutboxPurpose.STAFF_CARD).limit(1))
    return found is not None


# ---- what a staff group covers (every staff command and button is scoped by it) -------------
@dataclass(frozen=True, slots=True)
class StaffArea:
    """The area a staff group works on. The default group (``JIAZHAN_STAFF_CHAT_ID``) covers the
    whole service area (``whole``: no district, no town): it is the city's (or the district's)
    office. A group bound to a district covers all the district's towns, also those with a group
    of their own (a district office sees its whole district); one bound to a town, that town."""

    chat_id: int
    district_code: str | None  # set only for a group bound to a district
    town_code: str | None  # set only for a group bound to a town
    name: str  # the district's or town's name; '' for the whole service area

    @property
    def whole(self) -> bool:
        return self.district_code is None and self.town_code is None


async def staff_area(session: AsyncSession, chat_id: int, default: int | None) -> StaffArea | None:
    """The area of the staff group ``chat_id`` — a group bound with /bind, or the default group
    ``default`` (whole area) — or None when the chat is not a staff group. A binding of the
    default group itself is ignored here: it stays the whole area's group."""
    if default is not None and chat_id == default:
        return StaffArea(chat_id, None, None, "")
    bound = await binding_of(session, chat_id)
    if bound is None:
        return None
    return StaffArea(chat_id, bound.district_code, bound.town_code, bound.name)


async def staff_areas(session: AsyncSession, default: int | None) -> list[StaffArea]:
    """Every staff group with its area: the default group first (when there is one), then the
    bound groups by chat id."""
    found = [StaffArea(default, None, None, "")] if default is not None else []
    for chat_id in sorted(await bound_chat_ids(session)):
        if chat_id != default and (area := await staff_area(session, chat_id, default)) is not None:
            found.append(area)
    return found


def served_stations(default: int | None) -> Select[Any] | None:
    """``SELECT stations.id`` of the stations some staff group serves; None: all of them (a
    default group serves everything not bound elsewhere)."""
    if default is not None:
        return None
    by_district = select(Town.code).where(Town.district_code.in_(
        select(StaffChat.district_code).where(StaffChat.district_code.is_not(None))))
    return select(Station.id).where(or_(
        Station.town_code.in_(select(StaffChat.town_code).where(StaffChat.town_code.is_not(None))),
        Station.town_code.in_(by_district)))


def area_stations(area: StaffArea) -> Select[Any]:
    """``SELECT stations.id`` of the area, to use in ``column.in_(...)``."""
    query = select(Station.id)
    if area.town_code is not None:
        return query.where(Station.town_code == area.town_code)
    if area.district_code is not None:
        return query.where(Station.town_code.in_(
            select(Town.code).where(Town.district_code == area.district_code)))
    return query


def in_area(area: StaffArea | None, station_id: Any) -> ColumnElement[bool]:
    """A WHERE clause: ``station_id`` (a column holding a station id) is in the area; always
    true for the whole area (``None`` too: no scope)."""
    if area is None or area.whole:
        return true()
    return station_id.in_(area_stations(area))


async def area_station_ids(session: AsyncSession, area: StaffArea) -> frozenset[int] | None:
    """The area's station ids; None for the whole area (every station)."""
    if area.whole:
        return None
    return frozenset(await session.scalars(area_stations(area)))


async def station_in_area(session: AsyncSession, area: StaffArea, station_id: int | None) -> bool:
    """Is this station in the area? A record without a station is the whole area's only."""
    if area.whole:
        return True
    if station_id is None:
        return False
    found = await session.scalar(area_stations(area).where(Station.id == station_id))
    return found is not None
