"""Staff groups per area in a city deployment: /bind sends an area's cards to its group, a group
cannot act on another area's tickets, and an escalation to the district reaches the district's
group."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from triage_world import STAFF_A

from dialogs.staff.card import queue_card, refresh_card
from locales import t
from storage import lifecycle
from storage.deadlines import Deadlines
from storage.models import HandlingLevel, Resident, Station, StationCoverage, Suggestion, Town
from storage.roles import Actor

pytestmark = pytest.mark.e2e
CITY = [{"city": True}]
CHANGPING_GROUP, MIYUN_GROUP, TOWN_GROUP = -1002000000001, -1002000000002, -1002000000003


async def _ticket(env: Any, user_id: int, district: str, town: str | None = None) -> Suggestion:
    """A resident of a community in ``district`` (and ``town``) writes a suggestion."""
    async with env.db.unit_of_work() as s:
        query = (select(StationCoverage.community_code, StationCoverage.station_id)
                 .join(Station, Station.id == StationCoverage.station_id)
                 .join(Town, Town.code == Station.town_code)
                 .where(Town.district_code == district).order_by(StationCoverage.community_code))
        if town is not None:
            query = query.where(Town.code == town)
        community, station_id = (await s.execute(query.limit(1))).one()
        resident = Resident(telegram_user_id=user_id, chat_id=user_id, locale="zh",
                            community_code=community, station_id=station_id,
                            consent_at=env.clock.now())
        s.add(resident)
        await s.flush()
        suggestion = await lifecycle.create_suggestion(
            s, resident_id=resident.id, station_id=station_id, category_code="urban",
            text="小区门口的路灯坏了。", now=env.clock.now(), deadlines=Deadlines(),
            community_code=community)
        await queue_card(s, env.service.services.config, suggestion.id, env.clock.now())
    env.service.services.outbox_signal.set()
    return suggestion


async def _bind(env: Any, chat_id: int, area: str) -> None:
    group = env.emulator.group(chat_id, f"工作群 {area}", admins=(STAFF_A,))
    await group.member(STAFF_A).send(f"/bind {area}")
    await group.wait_until(lambda ms: any("现在负责" in m.text for m in ms), timeout=30.0)


@pytest.mark.parametrize("env", CITY, indirect=True)
async def test_two_district_groups_each_see_only_their_own_cards(env) -> None:
    await _bind(env, CHANGPING_GROUP, "昌平区")
    await _bind(env, MIYUN_GROUP, "110118")
    changping = await _ticket(env, 5101, "110114")
    miyun = await _ticket(env, 5102, "110118")
    a, b = env.emulator.group(CHANGPING_GROUP), env.emulator.group(MIYUN_GROUP)
    await a.wait_until(lambda ms: any(changping.ticket in m.text for m in ms), timeout=30.0)
    await b.wait_until(lambda ms: any(miyun.ticket in m.text for m in ms), timeout=30.0)
    await env.settle(timeout=30.0)
    assert not any(miyun.ticket in m.text for m in a.messages())
    assert not any(changping.ticket in m.text for m in b.messages())
    assert not any(changping.ticket in m.text or miyun.ticket in m.text
                   for m in env.staff_group.messages())

    # Staff of the 昌平区 group cannot act on 密云区's ticket, even with a forged button.
    card = next(m for m in a.messages() if changping.ticket in m.text)
    await a.member(STAFF_A).press_data(f"tri:ok:{miyun.id}:cls", card.message_id)
    await env.settle(timeout=30.0)
    assert a.member(STAFF_A).callback_answers()[-1]["text"] == t("zh", "staff_chats.not_yours")
    async with env.db.reading() as s:
        row = await s.get(Suggestion, miyun.id)
        assert row is not None and row.status.value == "new"
    assert env.emulator.violations == []


@pytest.mark.parametrize("env", CITY, indirect=True)
async def test_an_escalation_to_the_district_reaches_the_district_group(env) -> None:
    await _bind(env, CHANGPING_GROUP, "昌平区")
    await _bind(env, TOWN_GROUP, "110114104")  # 阳坊镇
    ticket = await _ticket(env, 5103, "110114", "110114104")
    town_group, district_group = env.emulator.group(TOWN_GROUP), env.emulator.group(CHANGPING_GROUP)
    await town_group.wait_until(lambda ms: any(ticket.ticket in m.text for m in ms), timeout=30.0)
    await env.settle(timeout=30.0)
    assert not any(ticket.ticket in m.text for m in district_group.messages())
    async with env.db.unit_of_work() as s:
        await lifecycle.escalate(s, ticket.id, Actor.system(), now=env.clock.now(),
                                 to_level=HandlingLevel.DISTRICT)
        await refresh_card(s, env.service.services.config, ticket.id, env.clock.now())
    env.service.services.outbox_signal.set()
    await district_group.wait_until(lambda ms: any(ticket.ticket in m.text for m in ms), timeout=30.0)
    assert env.emulator.violations == []
