"""The weekly summary end to end: on Monday at the configured hour every staff group gets last
week's figures for its own area (text and one chart), once, also across a restart; the next
Monday brings the next week."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_staff_report import TOWN_GROUP, _suggestion, _towns
from triage_world import STAFF_A

from bot.emulator import SimGroup

pytestmark = pytest.mark.e2e


def _photos(group: SimGroup) -> list[str]:
    return [m.text or "" for m in group.messages() if m.media == "photo"]


async def test_the_weekly_summary_comes_on_its_day_once_per_group(env) -> None:
    (town_a, name_a), (town_b, _) = await _towns(env)
    await _suggestion(env, 6201, town_a)
    await _suggestion(env, 6202, town_b)
    town_group = env.emulator.group(TOWN_GROUP, "乡镇工作群", admins=(STAFF_A,))
    await town_group.member(STAFF_A).send(f"/bind {town_a}")
    await town_group.wait_until(lambda ms: any("现在负责" in m.text for m in ms), timeout=30.0)

    await env.run_jobs()  # Wednesday: nothing
    await env.settle(timeout=30.0)
    assert _photos(env.staff_group) == [] and _photos(town_group) == []

    env.clock.advance(timedelta(days=5, minutes=5))  # Monday 2026-11-30, 09:05
    await env.run_jobs()
    await env.settle(timeout=30.0)
    (main,) = _photos(env.staff_group)
    (town,) = _photos(town_group)
    assert "上周小结（2026-11-23 至 2026-11-29）" in main and "收集意见建议 2 件" in main
    assert name_a in town and "收集意见建议 1 件" in town

    await env.run_jobs()
    await env.restart()
    await env.run_jobs()
    await env.settle(timeout=30.0)
    assert len(_photos(env.staff_group)) == 1 and len(_photos(town_group)) == 1

    env.clock.advance(timedelta(days=1))  # Tuesday: not its day
    await env.run_jobs()
    env.clock.advance(timedelta(days=6))  # the next Monday: the next week
    await env.run_jobs()
    await env.settle(timeout=30.0)
    assert len(_photos(env.staff_group)) == 2 and len(_photos(town_group)) == 2
    assert "2026-11-30 至 2026-12-06" in _photos(town_group)[-1]
    assert "收集意见建议 0 件" in _photos(town_group)[-1]
    assert env.emulator.violations == []
