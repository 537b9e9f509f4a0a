"""/announce end to end: compose → preview → confirm → delivered to exactly the audience, a 403
recipient skipped and marked, one-tap unsubscribe, an outsider cannot announce; pause / resume /
cancel of a scheduled one; quiet hours hold a non-urgent announcement until 08:00."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from triage_world import OUTSIDER, STAFF_A

from locales import t
from storage.models import AuditEntry, Broadcast, Resident, Station

pytestmark = pytest.mark.e2e

Z = "zh"
TEXT = "明天降雪，接待日改到周五上午。"


async def _station(env: Any, index: int = 0) -> Station:
    async with env.db.reading() as s:
        return list(await s.scalars(select(Station).order_by(Station.id)))[index]


async def _residents(env: Any, station_id: int, user_ids: list[int]) -> list[Any]:
    """Residents who opened a chat with the bot, living at ``station_id``."""
    users = []
    for uid in user_ids:
        user = env.user(uid)
        await user.send("/start")
        await user.wait_for()
        users.append(user)
    await env.settle()
    async with env.db.unit_of_work() as s:
        for uid in user_ids:
            s.add(Resident(telegram_user_id=uid, chat_id=uid, locale="zh", consent_at=env.clock(),
                           station_id=station_id))
    return users


def _texts(user: Any) -> list[str]:
    return [m.text for m in user.messages()]


async def _compose(env: Any, staff: Any, station: Station) -> None:
    await staff.send("/announce")
    (ask,) = await env.staff_group.wait_for()
    assert ask.text == t(Z, "announce.ask_text")
    await staff.send(TEXT)
    (audience,) = await env.staff_group.wait_for()
    await staff.press(t(Z, "announce.aud_home"))
    await env.staff_group.wait_until(lambda ms: ms[-1].text == t(Z, "announce.ask_station"))
    await staff.send(station.code)
    await env.staff_group.wait_until(lambda ms: t(Z, "announce.btn_confirm") in ms[-1].labels)


async def test_compose_preview_confirm_delivers_to_exactly_the_audience(env: Any) -> None:
    station, other = await _station(env, 0), await _station(env, 1)
    inside = await _residents(env, station.id, [2001, 2002, 2003])
    outside = await _residents(env, other.id, [2004])
    inside[2].block()  # blocked the bot: Telegram answers 403

    outsider = env.staff_group.member(OUTSIDER)
    await outsider.send("/announce")
    (refused,) = await env.staff_group.wait_for()
    assert refused.text == t(Z, "triage.not_staff")
    await outsider.send("随便发点什么")
    await env.settle()
    assert env.staff_group.last().text == t(Z, "triage.not_staff")

    staff = env.staff_group.member(STAFF_A)
    await _compose(env, staff, station)
    messages = env.staff_group.messages()
    preview, summary = messages[-2], messages[-1]
    assert preview.text == TEXT and preview.labels == [t(Z, "announce.btn_off")]  # as received
    assert "将收到：3 人" in summary.text
    await staff.press(t(Z, "announce.btn_confirm"))
    await env.settle(timeout=20)

    for user in inside[:2]:
        assert _texts(user).count(TEXT) == 1
        assert user.last().labels == [t(Z, "announce.btn_off")]
    assert TEXT not in _texts(outside[0])
    async with env.db.reading() as s:
        blocked = await s.scalar(select(Resident).where(Resident.telegram_user_id == 2003))
        broadcast = await s.scalar(select(Broadcast).where(Broadcast.kind == "custom"))
        actions = set(await s.scalars(select(AuditEntry.action)))
    assert blocked is not None and blocked.blocked_at is not None
    assert broadcast is not None and broadcast.status == "done" and broadcast.total == 3
    assert {"broadcast_confirm", "broadcast_done"} <= actions
    await env.staff_group.wait_until(lambda ms: "已发送 2 / 3" in ms[-1].text
                                     and "已屏蔽 1" in ms[-1].text)
    card = next(m for m in env.staff_group.messages() if m.message_id == broadcast.card_message_id)
    assert card.text.startswith("📣 公告 #") and "发送完毕" in card.text and card.labels == []

    await inside[0].press(t(Z, "announce.btn_off"))  # one tap: no more announcements
    await env.settle()
    async with env.db.reading() as s:
        muted = await s.scalar(select(Resident).where(Resident.telegram_user_id == 2001))
    assert muted is not None and muted.announcements_off_at is not None
    await inside[0].send("/subscribe")  # shows what they get, with the switch back
    (state,) = await inside[0].wait_for()
    assert t(Z, "announce.sub_off") in state.text and t(Z, "announce.btn_on") in state.labels
    assert env.emulator.violations == []


async def test_pause_resume_cancel_and_quiet_hours(env: Any) -> None:
    station = await _station(env, 0)
    users = await _residents(env, station.id, [2101, 2102])
    staff = env.staff_group.member(STAFF_A)

    await _compose(env, staff, station)  # scheduled for tomorrow 10:00
    await staff.press(t(Z, "announce.btn_at"))
    await env.staff_group.wait_for()
    tomorrow = (env.clock().astimezone(env.settings.tz) + timedelta(days=1)).strftime("%Y-%m-%d")
    await staff.send(f"{tomorrow} 10:00")
    await env.staff_group.wait_until(lambda ms: t(Z, "announce.btn_confirm") in ms[-1].labels)
    await staff.press(t(Z, "announce.btn_confirm"))
    await env.staff_group.wait_until(lambda ms: t(Z, "announce.btn_pause") in ms[-1].labels)
    assert "等待定时发送" in env.staff_group.last().text
    await staff.press(t(Z, "announce.btn_pause"))
    await env.staff_group.wait_until(lambda ms: t(Z, "announce.btn_resume") in ms[-1].labels)
    await staff.press(t(Z, "announce.btn_resume"))
    await env.staff_group.wait_until(lambda ms: t(Z, "announce.btn_pause") in ms[-1].labels)
    await staff.press(t(Z, "announce.btn_stop"))
    await env.staff_group.wait_until(lambda ms: "已取消" in ms[-1].text)
    env.clock.advance(timedelta(days=1, hours=2))
    await env.settle()
    assert all(TEXT not in _texts(u) for u in users)

    # 22:00 local: a non-urgent announcement waits for 08:00
    now_local = env.clock().astimezone(env.settings.tz)
    env.clock.advance(now_local.replace(hour=22, minute=0) - now_local)
    await _compose(env, staff, station)
    await staff.press(t(Z, "announce.btn_confirm"))
    await env.settle()
    assert all(TEXT not in _texts(u) for u in users)
    env.clock.advance(timedelta(hours=10, minutes=1))  # 08:01 the next morning
    await env.settle(timeout=20)
    assert all(_texts(u).count(TEXT) == 1 for u in users)
    async with env.db.reading() as s:
        actions = list(await s.scalars(select(AuditEntry.action).where(
            AuditEntry.object_kind == "broadcast").order_by(AuditEntry.id)))
    assert actions[:4] == ["broadcast_confirm", "broadcast_pause", "broadcast_resume",
                           "broadcast_cancel"]
    assert env.emulator.violations == []
