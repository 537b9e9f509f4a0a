"""The rules around the lifecycle: deadlines in district time, who is who, the audit guard."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from lifecycle_world import T0, build_world

from storage import Database, audit
from storage.deadlines import Deadlines
from storage.models import ActorKind, Staff
from storage.roles import Actor, ensure_staff, remove_staff, resident_actor, staff_actor

UTC = UTC


def test_deadlines_fall_at_the_end_of_the_local_day() -> None:
    d = Deadlines(first_response_days=3, resolution_days=15)
    late_monday = datetime(2026, 3, 9, 15, 50, tzinfo=UTC)  # 23:50 Monday in Miyun
    early_tuesday = datetime(2026, 3, 9, 16, 10, tzinfo=UTC)  # 00:10 Tuesday in Miyun
    assert d.first_response_due(late_monday) == datetime(2026, 3, 12, 16, 0, tzinfo=UTC)
    assert d.first_response_due(early_tuesday) == datetime(2026, 3, 13, 16, 0, tzinfo=UTC)
    assert d.resolution_due(late_monday) == datetime(2026, 3, 24, 16, 0, tzinfo=UTC)
    assert d.year(datetime(2026, 12, 31, 16, 0, tzinfo=UTC)) == 2027


def test_deadlines_count_days_not_hours_across_daylight_saving() -> None:
    berlin = Deadlines(first_response_days=1, resolution_days=1, tz=ZoneInfo("Europe/Berlin"))
    before_switch = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # Saturday; clocks go on Sunday
    # due at 00:00 Monday Berlin time, which is already summer time (UTC+2)
    assert berlin.first_response_due(before_switch) == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)


def test_deadlines_refuse_nonsense() -> None:
    with pytest.raises(ValueError):
        Deadlines(first_response_days=5, resolution_days=2)
    with pytest.raises(ValueError):
        Deadlines().first_response_due(datetime(2026, 3, 9, 12, 0))  # naive


def test_actor_invariants() -> None:
    assert Actor.system() == Actor(ActorKind.SYSTEM, None)
    with pytest.raises(ValueError):
        Actor(ActorKind.STAFF, None)
    with pytest.raises(ValueError):
        Actor(ActorKind.SYSTEM, 3)


async def test_staff_are_added_admins_or_trusted_admins(db: Database) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        assert await staff_actor(s, 9000) == w.staff
        assert await staff_actor(s, 4242) is None  # a group member who is not staff
        admin = await staff_actor(s, 4343, trusted_admin=True, display_name="管理员")
        assert admin is not None and admin.kind is ActorKind.STAFF
        assert await staff_actor(s, 4343) == admin  # now has a row the audit log can name
        assert await remove_staff(s, 9000) is True
        assert await staff_actor(s, 9000) is None
        assert await remove_staff(s, 9000) is False
        again = await ensure_staff(s, 9000)
        assert isinstance(again, Staff) and again.id == w.staff.id and again.active
        assert await resident_actor(s, 1000) == w.resident
        assert await resident_actor(s, 9000) is None


@pytest.mark.parametrize(
    "details",
    [
        {"text": "路灯坏了"},
        {"phone": "138"},
        {"note": "a sentence that is far too long to be any kind of code"},
        {"ids": [1, 2]},
    ],
)
def test_audit_refuses_personal_data(details: dict) -> None:
    class NoSession:
        def add(self, _obj: object) -> None:
            raise AssertionError("must refuse before adding")

    with pytest.raises(ValueError):
        session: Any = NoSession()
        audit.record(session, Actor.system(), "x", "suggestion", 1, now=T0, **details)
