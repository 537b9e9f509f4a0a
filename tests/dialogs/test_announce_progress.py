"""The progress card of a running broadcast, end to end: edited in place during the send (sent
count rising, rate, time left, pause / cancel buttons), paused and resumed mid-send, then its
final state and the report — and all of it within the group's 20 messages a minute, with the
production pacer's group limit on (the harness usually relaxes it)."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import pytest
from sqlalchemy import func, select
from triage_world import STAFF_A

from bot.pacing import Limits as PacerLimits
from locales import t
from storage.models import Broadcast, Delivery, Resident, Station

pytestmark = pytest.mark.e2e

Z = "zh"
TEXT = "下周二人大代表述职，欢迎旁听。"
RECIPIENTS = 90
FIRST = 3_000_000
SENT = re.compile(r"已发送 (\d+) / (\d+)")


async def _sent(env: Any, broadcast_id: int) -> int:
    async with env.db.reading() as s:
        return int(await s.scalar(select(func.count()).select_from(Delivery).where(
            Delivery.broadcast_id == broadcast_id, Delivery.status == "sent")) or 0)


async def test_progress_card_is_edited_during_the_send_then_reports(env: Any) -> None:
    async with env.db.unit_of_work() as s:
        station = (await s.scalars(select(Station).order_by(Station.id))).first()
        assert station is not None
        s.add_all(Resident(telegram_user_id=FIRST + i, chat_id=FIRST + i, locale="zh",
                           consent_at=env.clock(), station_id=station.id)
                  for i in range(RECIPIENTS))
    users = [env.user(FIRST + i) for i in range(RECIPIENTS)]
    # Production's group limit (20 a minute) on the one pacer every lane shares, and a send slow
    # enough (8/s overall, 3 of them kept for interactive traffic) to be watched for a while.
    service = env.service
    service.worker.pacer.limits = PacerLimits(per_second=8.0, private_interval=0.05,
                                              group_per_minute=20)
    service.broadcaster.card_every = 1.0  # ask for an edit every second: the group limit binds
    service.broadcaster.batch = 5  # the card is looked at after each batch (25 in production)

    staff = env.staff_group.member(STAFF_A)
    await staff.send("/announce")
    await env.staff_group.wait_for()
    await staff.send(TEXT)
    await env.staff_group.wait_for()
    await staff.press(t(Z, "announce.aud_home"))
    await env.staff_group.wait_until(lambda ms: ms[-1].text == t(Z, "announce.ask_station"))
    await staff.send(station.code)
    await env.staff_group.wait_until(lambda ms: t(Z, "announce.btn_confirm") in ms[-1].labels)
    assert f"将收到：{RECIPIENTS} 人" in env.staff_group.last().text
    await staff.press(t(Z, "announce.btn_confirm"))
    await env.staff_group.wait_until(lambda ms: t(Z, "announce.btn_pause") in ms[-1].labels)
    card_id = env.staff_group.last().message_id
    async with env.db.reading() as s:
        broadcast = await s.scalar(select(Broadcast).where(Broadcast.kind == "custom"))
    assert broadcast is not None and broadcast.card_message_id == card_id

    def card() -> Any:
        return next(m for m in env.staff_group.messages() if m.message_id == card_id)

    seen: list[tuple[int, str, list[str]]] = []  # mid-send states of the card: (sent, text, buttons)

    async def watch(until: float) -> None:
        while time.monotonic() < until and len(seen) < 3:
            shown = card()
            match = SENT.search(shown.text or "")
            if match and 0 < int(match[1]) < RECIPIENTS and (
                    not seen or seen[-1][1] != shown.text):
                seen.append((int(match[1]), shown.text, shown.labels))
            await asyncio.sleep(0.1)

    await watch(time.monotonic() + 20.0)
    assert len(seen) >= 2, seen  # edited in place while sending, more than once
    counts = [n for n, _, _ in seen]
    assert counts == sorted(counts) and counts[0] < counts[-1]
    _, text, labels = seen[-1]
    assert re.search(r"速度 \d+\.\d 条/秒", text) and "预计还需" in text
    assert labels == [t(Z, "announce.btn_pause"), t(Z, "announce.btn_stop")]
    assert not re.search(r"速度 0\.0 条/秒", text)  # a real rate once it has been watched a while

    # pause mid-send: the card says so at once and nothing more goes out until resume
    await staff.press(t(Z, "announce.btn_pause"))
    await env.staff_group.wait_until(lambda ms: t(Z, "announce.btn_resume") in card().labels)
    await asyncio.sleep(1.5)  # what was leased before the pause finishes
    paused_at = await _sent(env, broadcast.id)
    assert 0 < paused_at < RECIPIENTS
    await asyncio.sleep(2.0)
    assert await _sent(env, broadcast.id) == paused_at
    await staff.press(t(Z, "announce.btn_resume"))
    await env.staff_group.wait_until(lambda ms: t(Z, "announce.btn_pause") in card().labels)

    await env.settle(timeout=60)
    await env.staff_group.wait_until(
        lambda ms: f"已发送 {RECIPIENTS} / {RECIPIENTS}" in (ms[-1].text or ""), timeout=30)
    final = card()
    assert "发送完毕" in final.text and f"已发送 {RECIPIENTS} / {RECIPIENTS}" in final.text
    assert final.labels == []  # no buttons on a finished broadcast
    report = env.staff_group.last()
    assert report.message_id != card_id and report.text == final.text  # the report follows
    assert all([m.text for m in u.messages()].count(TEXT) == 1 for u in users)

    # The group's budget: at most 20 messages (sent or edited, by any lane) in any minute.
    group_calls = sorted(c.at for c in env.emulator.world.calls
                         if c.chat_id == env.staff_group.chat_id and c.ok
                         and (c.method.startswith("send") or c.method.startswith("edit")))
    busiest = max(sum(1 for b in group_calls if a <= b < a + 60.0) for a in group_calls)
    assert busiest <= 20, busiest
    assert not [c for c in env.emulator.world.calls if c.status == 429]
    assert env.emulator.violations == []
