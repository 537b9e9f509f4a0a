"""A tiny district for lifecycle tests: one town, one station, three deputies, two residents,
one staff member, the default categories; and a controllable clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage import Database
from storage.categories import ensure_categories
from storage.deadlines import Deadlines
from storage.lifecycle import create_suggestion
from storage.models import (
    Community,
    Deputy,
    DeputyLevel,
    District,
    Resident,
    Staff,
    Station,
    StationKind,
    Suggestion,
    Town,
)
from storage.roles import Actor

# 14:00 on a Tuesday in Miyun (06:00 UTC).
T0 = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)
DEADLINES = Deadlines()


@dataclass(frozen=True)
class World:
    station_id: int
    community_code: str
    deputy: Actor  # assigned in most tests
    other_deputy: Actor
    retired_deputy_id: int
    resident: Actor
    other_resident: Actor
    staff: Actor


class Clock:
    """Time moves only when a test says so."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def tick(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


async def build_world(db: Database) -> World:
    async with db.unit_of_work() as s:
        await ensure_categories(s)
        s.add(District(code="110118", name="密云区"))
        s.add(Town(code="110118001", name="演示镇", short_name="演示"))
        await s.flush()
        s.add(
            Community(
                code="110118001001", name="演示村村委会", short_name="演示村",
                town_code="110118001", unit_type="village_committee",
            )
        )
        station = Station(code="S-TEST-01", kind=StationKind.STATION, name="演示联络站",
                          town_code="110118001")
        deputies = [
            Deputy(code=f"D{i}", name=f"测试代表{i}", level=DeputyLevel.TOWN, active=i < 3)
            for i in range(1, 4)
        ]
        residents = [Resident(telegram_user_id=1000 + i, chat_id=1000 + i) for i in range(2)]
        staff = Staff(telegram_user_id=9000, display_name="值班员")
        await s.flush()
        s.add_all([station, *deputies, *residents, staff])
        await s.flush()
        return World(
            station_id=station.id,
            community_code="110118001001",
            deputy=Actor.deputy(deputies[0].id),
            other_deputy=Actor.deputy(deputies[1].id),
            retired_deputy_id=deputies[2].id,
            resident=Actor.resident(residents[0].id),
            other_resident=Actor.resident(residents[1].id),
            staff=Actor.staff(staff.id),
        )


async def new_suggestion(
    session: AsyncSession, world: World, now: datetime = T0, **overrides: object
) -> Suggestion:
    fields: dict[str, object] = {
        "resident_id": world.resident.id,
        "station_id": world.station_id,
        "category_code": "transport",
        "text": "村口的路灯坏了三盏，晚上很黑。",
        "community_code": world.community_code,
    }
    fields.update(overrides)
    options: Any = fields
    return await create_suggestion(session, now=now, deadlines=DEADLINES, **options)
