"""Staff groups per area in a city deployment: /bind sends an area's cards to its group, a group
cannot act on another area's tickets, and an escalation to the district reaches the district's
group."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from triage_world import DEPUTY_A, STAFF_A, shown

from dialogs.staff.card import queue_card, refresh_card
from locales import t
from storage import lifecycle
from storage.deadlines import Deadlines
from storage.models import (
    Deputy,
    DeputyStation,
    HandlingLevel,
    Meeting,
    MeetingStatus,
    Resident,
    StaffTopic,
    Station,
    StationCoverage,
    Suggestion,
    Town,
)
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


# ---- every staff command and button in a bound group, scoped to its area ----------------------
async def _open_in(env: Any, district: str) -> int:
    """Open suggestions of a district, counted here independently of the code under test."""
    async with env.db.reading() as s:
        rows = (await s.execute(
            select(Suggestion.status, Town.district_code)
            .join(Station, Station.id == Suggestion.station_id)
            .join(Town, Town.code == Station.town_code))).all()
    closed = {"resolved", "closed", "rejected", "duplicate"}
    return sum(1 for status, d in rows if d == district and status.value not in closed)


async def _ask(group: Any, text: str, reply_to: int | None = None) -> str:
    """A staff member writes in the group; the bot's answer."""
    member = group.member(STAFF_A)
    if reply_to is None:
        await member.send(text)
    else:
        await member.reply_to(reply_to, text)
    (answer,) = await group.wait_for(timeout=30.0)
    return str(answer.text)


def _callback_data(message: Any) -> list[str]:
    markup = message.raw.get("reply_markup") or {}
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


def _plain(key: str, **fields: object) -> str:
    return shown("zh", key, **fields)


async def _meeting_of(env: Any, district: str) -> tuple[int, str]:
    """A planned meeting at a station of the district (its id and the station's code)."""
    async with env.db.reading() as s:
        mid, code = (await s.execute(
            select(Meeting.id, Station.code).join(Station, Station.id == Meeting.station_id)
            .join(Town, Town.code == Station.town_code)
            .where(Town.district_code == district, Meeting.status == MeetingStatus.PLANNED,
                   Meeting.ends_at > env.clock.now())
            .order_by(Meeting.starts_at).limit(1))).one()
    return int(mid), str(code)


async def _districts_of_meetings(env: Any, ids: list[int]) -> set[str]:
    async with env.db.reading() as s:
        return set(await s.scalars(
            select(Town.district_code).join(Station, Station.town_code == Town.code)
            .join(Meeting, Meeting.station_id == Station.id).where(Meeting.id.in_(ids))))


@pytest.mark.parametrize("env", CITY, indirect=True)
async def test_a_district_group_works_on_its_own_area_only(env) -> None:
    env.clock.advance(timedelta(hours=2))  # 11:00: no scheduled digest in between
    await _bind(env, CHANGPING_GROUP, "昌平区")
    await _bind(env, MIYUN_GROUP, "密云区")
    resident = env.user(5111)  # the 昌平区 resident, who will get the answer
    changping = await _ticket(env, 5111, "110114")
    miyun = await _ticket(env, 5112, "110118")
    a, b = env.emulator.group(CHANGPING_GROUP), env.emulator.group(MIYUN_GROUP)
    await a.wait_until(lambda ms: any(changping.ticket in m.text for m in ms), timeout=30.0)
    await b.wait_until(lambda ms: any(miyun.ticket in m.text for m in ms), timeout=30.0)
    await env.settle(timeout=30.0)
    a.set_mark()

    # /digest and /stats: the district's figures; the default group's: the whole city.
    digest = await _ask(a, "/digest")
    assert f"在办总数：{await _open_in(env, '110114')}" in digest
    stats = await _ask(a, "/stats")
    assert _plain("stats.group_counts", total=1, open=1) in stats  # only 昌平区's one
    async with env.db.reading() as s:
        miyun_town = await s.scalar(select(Town.name).join(Station, Station.town_code == Town.code)
                                    .where(Station.id == miyun.station_id))
        changping_town = await s.scalar(select(Town.name).join(
            Station, Station.town_code == Town.code).where(Station.id == changping.station_id))
    assert changping_town in stats and miyun_town not in stats
    env.staff_group.set_mark()
    await env.staff_group.member(STAFF_A).send("/stats")
    (city,) = await env.staff_group.wait_for(timeout=30.0)
    assert _plain("stats.group_counts", total=2, open=2) in city.text

    # /meetings: only the district's meetings; another district's station is not found.
    await a.member(STAFF_A).send("/meetings")
    (listing,) = await a.wait_for(timeout=30.0)
    shown_ids = [int(data.split(":")[2]) for data in _callback_data(listing)
                 if data.startswith("mt:v:")]
    assert shown_ids and await _districts_of_meetings(env, shown_ids) == {"110114"}
    miyun_meeting, miyun_station = await _meeting_of(env, "110118")
    assert _plain("calendar.list.no_station", words=miyun_station) == await _ask(
        a, f"/meetings {miyun_station}")

    # Forged buttons on another district's meeting, timeline and ticket change nothing.
    staff = a.member(STAFF_A)
    for data, refusal in ((f"mt:v:{miyun_meeting}", "staff_chats.meeting_not_yours"),
                          (f"mt:cy:{miyun_meeting}", "staff_chats.meeting_not_yours"),
                          (f"tl:open:{miyun.id}", "staff_chats.not_yours"),
                          (f"tri:pr:{miyun.id}", "staff_chats.not_yours")):
        await staff.press_data(data, listing.message_id)
        await env.settle(timeout=30.0)
        assert staff.callback_answers()[-1]["text"] == t("zh", refusal), data
    async with env.db.reading() as s:
        assert (await s.get(Meeting, miyun_meeting)).status is MeetingStatus.PLANNED  # type: ignore[union-attr]

    # Replying to a bot message that names another district's ticket is refused too.
    echo = [m for m in a.messages() if miyun.ticket in m.text]
    if not echo:
        await staff.send(f"/meetings {miyun.ticket}")  # the bot's answer names that ticket
        (echoed,) = await a.wait_for(timeout=30.0)
        echo = [echoed]
    assert await _ask(a, "路灯已经修好了。", reply_to=echo[-1].message_id) == _plain(
        "staff_chats.not_yours")
    async with env.db.reading() as s:
        row = await s.get(Suggestion, miyun.id)
        assert row is not None and row.status.value == "new" and row.first_response_at is None

    # Its own card works in the bound group: a reply answers the resident, the card is edited.
    card = next(m for m in a.messages() if changping.ticket in m.text)
    answer = await _ask(a, "已联系路灯所，本周内修复。", reply_to=card.message_id)
    assert changping.ticket in answer
    await a.wait_until(lambda ms: any(m.message_id == card.message_id and m.edited
                                      for m in ms), timeout=30.0)
    await resident.wait_until(lambda ms: any("路灯所" in (m.text or "") for m in ms), timeout=30.0)

    # The next morning's digest: each group gets its own area's figures.
    env.clock.advance(timedelta(hours=21, minutes=40))  # 08:40
    await env.run_jobs()
    head = shown("zh", "triage.digest", date="2026-11-26", new=0, unassigned=0, overdue=0,
                 resolved=0, rated=0, satisfied=0, rate="", open=0).split("\n")[0]
    for group, expected in ((a, 1), (b, 1), (env.staff_group, 2)):
        await group.wait_until(lambda ms: any(head in (m.text or "") for m in ms), timeout=30.0)
        digest = next(m.text for m in group.messages() if head in (m.text or ""))
        assert digest.endswith(f"在办总数：{expected}"), digest
    assert env.emulator.violations == []


@pytest.mark.parametrize("env", [{"city": True, "no_staff_group": True}], indirect=True)
async def test_a_deployment_with_only_bound_groups(env) -> None:
    """No JIAZHAN_STAFF_CHAT_ID: an administrator binds a group, its area's card is posted
    there, a press acts on it and the card is refreshed in place; commands work there."""
    env.settings = env.settings.model_copy(update={"admin_ids": [STAFF_A]})
    env.clock.advance(timedelta(hours=2))  # 11:00: no scheduled digest in between
    await env.restart()
    await _bind(env, CHANGPING_GROUP, "昌平区")
    group = env.emulator.group(CHANGPING_GROUP)
    staff = group.member(STAFF_A)
    ticket = await _ticket(env, 5121, "110114")
    await group.wait_until(lambda ms: any(ticket.ticket in m.text for m in ms), timeout=30.0)
    await env.settle(timeout=30.0)
    card = next(m for m in group.messages() if ticket.ticket in m.text)
    assert t("zh", "lifecycle.priority.normal") in card.text

    await staff.press_data(f"tri:pr:{ticket.id}", card.message_id)  # ⚑ Priority → its menu
    await env.settle(timeout=30.0)
    await staff.press_data(f"tri:pp:{ticket.id}:urgent", card.message_id)
    await group.wait_until(lambda ms: any(
        m.message_id == card.message_id and t("zh", "lifecycle.priority.urgent") in m.text
        and t("zh", "triage.button.timeline") in m.labels for m in ms), timeout=30.0)
    await env.settle(timeout=30.0)
    cards = [m.message_id for m in group.messages()
             if t("zh", "triage.button.timeline") in m.labels]
    assert cards == [card.message_id]  # edited in place, never sent again
    async with env.db.reading() as s:
        row = await s.get(Suggestion, ticket.id)
        assert row is not None and row.priority.value == "urgent"

    # A change made elsewhere (a job, the command line) reaches the card too.
    async with env.db.unit_of_work() as s:
        await lifecycle.escalate(s, ticket.id, Actor.system(), now=env.clock.now(),
                                 to_level=HandlingLevel.HOME)
        assert await refresh_card(s, env.service.services.config, ticket.id, env.clock.now())
    env.service.services.outbox_signal.set()
    async with env.db.reading() as s:
        row = await s.get(Suggestion, ticket.id)
        assert row is not None and row.level is HandlingLevel.HOME
        state = shown("zh", "triage.card.state",
                      status=t("zh", f"lifecycle.status.{row.status.value}"),
                      priority=t("zh", "lifecycle.priority.urgent"),
                      level=t("zh", "lifecycle.level.home"))
    await group.wait_until(lambda ms: any(
        m.message_id == card.message_id and state in m.text for m in ms), timeout=30.0)

    assert (await env.service.health())["staff_group"] is True
    group.set_mark()
    assert "在办总数：1" in await _ask(group, "/digest")
    assert shown("zh", "common.help_staff")[:8] in await _ask(group, "/help")
    assert env.emulator.violations == []


@pytest.mark.parametrize("env", [{"city": True, "no_staff_group": True}], indirect=True)
async def test_a_bound_forum_group_gets_its_towns_topics_and_the_cards_that_waited(env) -> None:
    """Suggestions made before their area had a group get their cards once it is bound; a bound
    group with forum topics gets one topic per town of its area (and no other)."""
    waiting = await _ticket(env, 5131, "110114")  # nobody serves 昌平区 yet: no card
    unserved = await _ticket(env, 5132, "110118")
    env.settings = env.settings.model_copy(update={"admin_ids": [STAFF_A]})
    env.clock.advance(timedelta(hours=2))  # 11:00: no scheduled digest in between
    await env.restart()
    env.emulator.group(CHANGPING_GROUP, "昌平区工作群", admins=(STAFF_A,), is_forum=True)
    await _bind(env, CHANGPING_GROUP, "昌平区")
    await env.restart()  # topics are made at start; the waiting cards are posted by a job
    group = env.emulator.group(CHANGPING_GROUP)
    await group.wait_until(lambda ms: any(waiting.ticket in m.text for m in ms), timeout=30.0)
    async with env.db.reading() as s:
        towns = set(await s.scalars(select(Town.code).where(Town.district_code == "110114")))
    for _ in range(200):  # the service creates the topics in the background
        async with env.db.reading() as s:
            made = set(await s.scalars(select(StaffTopic.town_code)
                                       .where(StaffTopic.chat_id == CHANGPING_GROUP)))
        if made == towns:
            break
        await asyncio.sleep(0.05)
    assert made == towns and len(env.emulator.world.chats[CHANGPING_GROUP].topics) == len(towns)

    fresh = await _ticket(env, 5133, "110114")
    await group.wait_until(lambda ms: any(fresh.ticket in m.text for m in ms), timeout=30.0)
    await env.settle(timeout=30.0)
    async with env.db.reading() as s:
        row = await s.get(Suggestion, fresh.id)
        town = await s.scalar(select(Station.town_code).where(Station.id == fresh.station_id))
        topic = await s.get(StaffTopic, (CHANGPING_GROUP, town))
        assert row is not None and topic is not None and row.card_thread_id == topic.thread_id
        assert (await s.get(Suggestion, unserved.id)).card_chat_id is None  # type: ignore[union-attr]
    assert not any(unserved.ticket in (m.text or "") for m in group.messages())
    assert env.emulator.violations == []


@pytest.mark.parametrize("env", CITY, indirect=True)
async def test_a_ticket_handed_back_is_told_to_the_group_that_has_its_card(env) -> None:
    env.clock.advance(timedelta(hours=2))  # 11:00: no scheduled digest in between
    await _bind(env, CHANGPING_GROUP, "昌平区")
    ticket = await _ticket(env, 5141, "110114")
    group = env.emulator.group(CHANGPING_GROUP)
    await group.wait_until(lambda ms: any(ticket.ticket in m.text for m in ms), timeout=30.0)
    await env.settle(timeout=30.0)
    card = next(m for m in group.messages() if ticket.ticket in m.text)
    async with env.db.unit_of_work() as s:
        deputy = await s.scalar(select(Deputy).join(DeputyStation, DeputyStation.deputy_id == Deputy.id)
                                .where(DeputyStation.station_id == ticket.station_id)
                                .order_by(Deputy.id).limit(1))
        assert deputy is not None
        deputy.telegram_user_id = DEPUTY_A
        name = deputy.name
    person = env.user(DEPUTY_A)
    await group.member(STAFF_A).reply_to(card.message_id, f"/assign {name}")
    await person.wait_for(timeout=30.0)
    await person.press(t("zh", "inbox.button.back"))
    await person.wait_for(timeout=30.0)
    await person.send("不在我的联系范围")
    await group.wait_until(lambda ms: any("不在我的联系范围" in (m.text or "") for m in ms),
                           timeout=30.0)
    notice = next(m for m in group.messages() if "不在我的联系范围" in (m.text or ""))
    assert notice.reply_to == card.message_id
    assert not any("不在我的联系范围" in (m.text or "") for m in env.staff_group.messages())
    assert env.emulator.violations == []
