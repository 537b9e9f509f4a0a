"""公示 end to end: a town's staff group turns on 「你说我办」 with /publicity on; on the 1st of the
next month the post for the last month reaches exactly the subscribers of that town's stations
(not another town's, not residents who did not subscribe), anonymised (no name, phone or
resident's words), with the preview and a progress card in the group; once, across a restart."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from triage_world import STAFF_A

from dialogs.staff.publicity import START_DELAY, post_due
from locales import t
from storage import lifecycle
from storage.deadlines import Deadlines
from storage.models import Broadcast, Community, Resident, Staff, Station, Subscription
from storage.roles import Actor

pytestmark = pytest.mark.e2e

TOWN_GROUP = -1002000000777
SECRET_TEXT = "我家楼下的下水道堵了三天"
STAFF_WORDS = "已联系张伟（13912345678），下水道已疏通"


async def _two_towns(env: Any) -> list[tuple[str, int, str]]:
    """(town code, a station id, one of its communities' short names) for two towns."""
    out: list[tuple[str, int, str]] = []
    async with env.db.reading() as s:
        for station in await s.scalars(select(Station).order_by(Station.id)):
            if any(town == station.town_code for town, _, _ in out):
                continue
            community = await s.scalar(select(Community).where(
                Community.town_code == station.town_code).order_by(Community.code).limit(1))
            if community is None:
                continue
            out.append((station.town_code, station.id, community.short_name))
            if len(out) == 2:
                return out
    raise AssertionError("the demo has fewer than two towns with stations")


async def _resident(env: Any, uid: int, station_id: int | None, subscribe: bool) -> Any:
    user = env.user(uid)
    async with env.db.unit_of_work() as s:
        row = Resident(telegram_user_id=uid, chat_id=uid, locale="zh", consent_at=env.clock(),
                       station_id=station_id, display_name="张伟")
        s.add(row)
        await s.flush()
        if subscribe and station_id is not None:
            s.add(Subscription(resident_id=row.id, station_id=station_id))
    return user


async def _resolved(env: Any, uid: int, station_id: int, community: str | None) -> None:
    async with env.db.unit_of_work() as s:
        resident = await s.scalar(select(Resident).where(Resident.telegram_user_id == uid))
        staff = Staff(telegram_user_id=9001 + uid, display_name="staff")
        s.add(staff)
        await s.flush()
        code = await s.scalar(select(Community.code).where(Community.short_name == community))
        suggestion = await lifecycle.create_suggestion(
            s, resident_id=resident.id if resident else None, station_id=station_id,
            category_code="urban", text=SECRET_TEXT, now=env.clock(), deadlines=Deadlines(),
            community_code=code, share_identity=True, contact_name="张伟",
            contact_phone="13912345678")
        await lifecycle.resolve(s, suggestion.id, Actor.staff(staff.id), now=env.clock(),
                                text=STAFF_WORDS)


async def test_the_monthly_post_reaches_exactly_the_opted_in_areas_subscribers(env) -> None:
    (town, station, community), (_, other_station, _) = await _two_towns(env)
    subscriber = await _resident(env, 8101, station, subscribe=True)
    not_subscribed = await _resident(env, 8102, station, subscribe=False)
    elsewhere = await _resident(env, 8103, other_station, subscribe=True)
    await _resolved(env, 8101, station, community)
    await _resolved(env, 8103, other_station, None)

    group = env.emulator.group(TOWN_GROUP, "乡镇工作群", admins=(STAFF_A,))
    staff = group.member(STAFF_A)
    await staff.send(f"/bind {town}")
    await group.wait_until(lambda ms: any("现在负责" in m.text for m in ms), timeout=30.0)
    await staff.send("/publicity on")
    await group.wait_until(lambda ms: "你说我办" in ms[-1].text and "/publicity off" in ms[-1].text)
    await staff.send("/publicity")
    await group.wait_until(lambda ms: "已开启" in ms[-1].text)

    assert await post_due(env.service.services) == 0  # November: nothing until 1 December
    env.clock.advance(timedelta(days=6))  # 2026-12-01 09:00
    assert await post_due(env.service.services) == 1
    env.service.services.outbox_signal.set()
    await group.wait_until(lambda ms: any(t("zh", "announce.btn_stop") in m.labels for m in ms))
    preview = next(m for m in group.messages() if "2026-11" in m.text and "你说我办" in m.text)
    assert "2026年11月" in preview.text
    assert subscriber.messages() == []  # sending starts a minute after the card

    env.clock.advance(START_DELAY + timedelta(seconds=1))
    await subscriber.wait_until(lambda ms: any("你说我办" in m.text for m in ms), timeout=15.0)
    (post,) = [m for m in subscriber.messages() if "你说我办" in m.text]
    assert "上月共收到意见建议 1 件" in post.text and "已办结 1 件" in post.text
    assert f"{community}：" in post.text and "下水道已疏通" in post.text
    for secret in ("张伟", "13912345678", SECRET_TEXT):
        assert secret not in post.text
    assert post.labels == [t("zh", "announce.btn_off")]
    await env.settle(timeout=20.0)
    assert not any("你说我办" in m.text for m in not_subscribed.messages())
    assert not any("你说我办" in m.text for m in elsewhere.messages())
    assert not any("你说我办" in (m.text or "") for m in env.staff_group.messages())  # not opted in

    async with env.db.reading() as s:
        broadcast = await s.scalar(select(Broadcast).where(Broadcast.kind == "publicity"))
    assert broadcast is not None and broadcast.total == 1 and broadcast.status == "done"
    await group.wait_until(lambda ms: any(
        m.message_id == broadcast.card_message_id and "已发送 1 / 1" in m.text for m in ms))

    # Once a month per area: again, after a restart, and later in the month.
    assert await post_due(env.service.services) == 0
    await env.restart()
    env.clock.advance(timedelta(days=3))
    assert await post_due(env.service.services) == 0
    await env.settle(timeout=10.0)
    assert len([m for m in subscriber.messages() if "你说我办" in m.text]) == 1
    assert env.emulator.violations == []
