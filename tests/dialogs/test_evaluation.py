"""Voters' 评议 end to end: staff open an evaluation in the group (deputy → preview with the
drafted summary and how many will be asked → closing time changed → open) → exactly the
audience is asked (the deputy's station's subscriber and a resident who made a suggestion
there; not another station's resident) → a vote and a comment → a second vote refused, the
first stands → a forged vote from another station's resident refused → it closes by itself,
staff and the deputy get the results (the deputy: counts and the comment, never who) → a vote
after closing refused → the results are in ``jiazhan report --json``."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from calendar_world import group_shows, plain, shown
from sqlalchemy import select
from triage_world import DEPUTY_A, OUTSIDER, STAFF_A, link_deputies, station_with_two_deputies

from bot.cli import main
from storage.categories import ensure_categories
from storage.models import (
    Ballot,
    DeputyStation,
    Evaluation,
    Resident,
    Station,
    Subscription,
    Suggestion,
)

pytestmark = pytest.mark.e2e
SUBSCRIBER, SUGGESTER, ELSEWHERE = 3001, 3002, 3003
COMMENT = "希望多来村里几次"


async def _resident(env: Any, user_id: int, station_id: int, *, subscribe: bool,
                    suggest: bool = False) -> Any:
    async with env.db.unit_of_work() as s:
        resident = Resident(telegram_user_id=user_id, chat_id=user_id, locale="zh",
                            station_id=station_id, consent_at=env.clock.now(),
                            display_name=f"居民{user_id}")
        s.add(resident)
        await s.flush()
        if subscribe:
            s.add(Subscription(resident_id=resident.id, station_id=station_id, remind=False))
        if suggest:
            await ensure_categories(s)
            now = env.clock.now()
            s.add(Suggestion(ticket=f"2026-{user_id:06d}", resident_id=resident.id,
                             station_id=station_id, category_code="urban", text="路灯坏了",
                             created_at=now, first_response_due=now + timedelta(days=3),
                             resolution_due=now + timedelta(days=15)))
    return env.user(user_id)


async def _other_station(env: Any, deputy_id: int) -> int:
    async with env.db.reading() as s:
        theirs = select(DeputyStation.station_id).where(DeputyStation.deputy_id == deputy_id)
        station = await s.scalar(select(Station.id).where(Station.id.not_in(theirs))
                                 .order_by(Station.id).limit(1))
    assert station is not None
    return station


def _answer(user: Any) -> str:
    return str(user.callback_answers()[-1].get("text", ""))


async def _open_evaluation(env: Any, deputy: Any) -> Any:
    staff = env.staff_group.member(STAFF_A)
    outsider = env.staff_group.member(OUTSIDER)
    await outsider.send("/evaluate")
    await group_shows(env, shown("triage.not_staff"))
    await staff.send("/evaluate")
    await group_shows(env, shown("evaluation.list_none"))
    await staff.press(shown("evaluation.btn_new"))
    await group_shows(env, shown("evaluation.ask_deputy"))
    await answer_prompt_ev(env, staff, "没有这个人")
    await group_shows(env, shown("evaluation.deputy_unknown", name="没有这个人"))
    await answer_prompt_ev(env, staff, deputy.code)
    card = await group_shows(env, "将征求意见：2 人", "述职期间：2025-01-01 至 2025-12-31")
    preview = env.staff_group.messages()[-2]
    assert plain(preview.text).startswith("🗳 代表述职评议") and deputy.name in preview.text
    assert preview.labels[:3] == ["满意", "基本满意", "不满意"]
    assert "履职情况" in preview.text  # the summary drafted from the deputy's figures
    assert card.labels[0] == shown("evaluation.btn_open")
    await staff.press(shown("evaluation.btn_summary"))
    await group_shows(env, shown("evaluation.ask_summary", limit=3000))
    await answer_prompt_ev(env, staff, "长" * 3001)  # too long: asked again, nothing changes
    await group_shows(env, shown("evaluation.bad_summary", limit=3000))
    await staff.press(shown("evaluation.btn_closes"))
    await group_shows(env, shown("evaluation.ask_closes"))
    await answer_prompt_ev(env, staff, "明天")
    await group_shows(env, shown("evaluation.bad_closing"))
    closes = (env.clock().astimezone(env.settings.tz) + timedelta(days=3)).strftime("%Y-%m-%d")
    await answer_prompt_ev(env, staff, closes)
    await group_shows(env, "将征求意见：2 人", f"截止：{closes} 23:59")  # the end of that day
    await staff.press(shown("evaluation.btn_open"))
    await group_shows(env, "已发起", "征求 2 位居民")
    return staff


async def answer_prompt_ev(env: Any, member: Any, text: str) -> None:
    """Reply to the newest 🗳✍️ prompt in the group."""
    prompts = [m for m in env.staff_group.messages() if (m.text or "").startswith("🗳✍️")]
    await member.reply_to(prompts[-1].message_id, text)
    await env.settle()


def _report(env: Any, monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    monkeypatch.setenv("JIAZHAN_DATABASE_URL", env.settings.database_url)
    monkeypatch.setenv("JIAZHAN_LOG_LEVEL", "WARNING")
    capsys.readouterr()
    with ThreadPoolExecutor(1) as pool:
        code = pool.submit(main, ["report", "--from", "2025-01-01", "--to", "2025-12-31",
                                  "--json"]).result()
    assert code == 0
    return dict(json.loads(capsys.readouterr().out))


async def test_an_evaluation_from_opening_to_results(
        env: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _, station_id, deputies = await station_with_two_deputies(env)
    deputy = (await link_deputies(env, deputies))[0]
    subscriber = await _resident(env, SUBSCRIBER, station_id, subscribe=True)
    suggester = await _resident(env, SUGGESTER, station_id, subscribe=False, suggest=True)
    elsewhere = await _resident(env, ELSEWHERE, await _other_station(env, deputy.id),
                                subscribe=True)
    await elsewhere.send("/help")  # a message of the bot in their chat, to press forged data on
    await elsewhere.wait_for()
    deputy_chat = env.user(DEPUTY_A)  # the linked deputy has a chat with the bot
    await deputy_chat.send("/help")
    await deputy_chat.wait_for()

    staff = await _open_evaluation(env, deputy)
    await env.settle(timeout=20)
    asked = [m for m in subscriber.messages() if "代表述职评议" in (m.text or "")]
    assert len(asked) == 1 and deputy.name in asked[0].text
    assert asked[0].labels == ["满意", "基本满意", "不满意", shown("announce.btn_off")]
    assert len([m for m in suggester.messages() if "代表述职评议" in (m.text or "")]) == 1
    assert not any("代表述职评议" in (m.text or "") for m in elsewhere.messages())
    async with env.db.reading() as s:
        evaluation = await s.scalar(select(Evaluation))
    assert evaluation is not None and evaluation.asked == 2

    await subscriber.press("满意")  # one press votes
    await subscriber.wait_until(lambda ms: "感谢您的评议：满意" in (ms[-1].text or ""))
    await subscriber.press(shown("evaluation.btn_comment"))
    await subscriber.wait_until(lambda ms: "请发送一条意见" in (ms[-1].text or ""))
    await subscriber.send(COMMENT)
    await subscriber.wait_until(lambda ms: ms[-1].text == shown("evaluation.comment_saved"))
    await subscriber.press("不满意")  # a second vote: refused, the first stands
    await env.settle()
    assert _answer(subscriber) == shown("evaluation.already", choice="满意")
    await suggester.press("基本满意")
    await suggester.wait_until(lambda ms: "感谢您的评议：基本满意" in (ms[-1].text or ""))
    await suggester.press(shown("evaluation.btn_no_comment"))
    await suggester.wait_until(lambda ms: ms[-1].text == shown("evaluation.no_comment_ok"))

    message = elsewhere.last().message_id  # another station's resident forges a vote
    for data in (f"evr:v:{evaluation.id}:s", f"evr:v:{evaluation.id}:zz", "evr:v:x:s",
                 f"evr:c:{evaluation.id}"):
        await elsewhere.press_data(data, message)
        await env.settle()
        assert _answer(elsewhere) == shown("evaluation.not_asked")
    async with env.db.reading() as s:
        ballots = sorted((str(b.choice), b.comment) for b in await s.scalars(select(Ballot)))
    assert ballots == [("basic", None), ("satisfied", COMMENT)]

    await staff.send("/evaluate")  # the list shows it open, with the votes so far
    await group_shows(env, "进行中", "投票 2：满意 1 / 基本满意 1 / 不满意 0", "满意率 100.0%")

    env.clock.advance(timedelta(days=5))  # past the closing time: it closes by itself
    await env.run_jobs()
    await env.settle()
    await group_shows(env, f"评议 #{evaluation.id} 已结束", "投票 2", "意见 1 条")
    result = await deputy_chat.wait_until(
        lambda ms: any("您的述职评议" in (m.text or "") for m in ms))
    text = next(m.text for m in result if "您的述职评议" in (m.text or ""))
    assert COMMENT in text and "满意 1 / 基本满意 1" in text
    assert "居民3001" not in text and str(SUBSCRIBER) not in text  # never who voted
    await suggester.press("不满意")  # after closing: refused
    await env.settle()
    assert _answer(suggester) == shown("evaluation.closed")

    report = _report(env, monkeypatch, capsys)
    row = next(r for r in report["per_deputy"] if r["code"] == deputy.code)
    assert row["evaluation"] == {"evaluations": 1, "open": 0, "asked": 2, "votes": 2,
                                 "satisfied": 1, "basically_satisfied": 1, "dissatisfied": 0,
                                 "satisfaction_rate": 1.0, "comments": 1}
    assert all(r["evaluation"] is None for r in report["per_deputy"] if r["code"] != deputy.code)
    assert env.emulator.violations == []


async def test_a_town_group_evaluates_only_its_own_deputies(env: Any) -> None:
    _, station_id, deputies = await station_with_two_deputies(env)
    deputy = deputies[0]
    async with env.db.reading() as s:
        town = await s.scalar(select(Station.town_code).where(Station.id == station_id))
        theirs = select(DeputyStation.station_id).where(DeputyStation.deputy_id == deputy.id)
        other_town = await s.scalar(select(Station.town_code).where(
            Station.town_code.not_in(select(Station.town_code).where(Station.id.in_(theirs))))
            .order_by(Station.town_code).limit(1))
    assert town is not None and other_town is not None
    await _resident(env, SUBSCRIBER, station_id, subscribe=True)
    groups = []
    for chat_id, code in ((-1003000000001, town), (-1003000000002, other_town)):
        group = env.emulator.group(chat_id, f"工作群 {code}", admins=(STAFF_A,))
        await group.member(STAFF_A).send(f"/bind {code}")
        await group.wait_until(lambda ms: any("现在负责" in (m.text or "") for m in ms), 30.0)
        groups.append(group)
    own, other = groups
    await other.member(STAFF_A).send(f"/evaluate {deputy.code}")
    await other.wait_until(lambda ms: plain(ms[-1].text or "") == shown(
        "evaluation.outside", name=deputy.name))
    await own.member(STAFF_A).send(f"/evaluate {deputy.code}")
    await own.wait_until(lambda ms: "将征求意见：1 人" in (ms[-1].text or ""), 10.0)
    await own.member(STAFF_A).press(shown("evaluation.btn_open"))
    await own.wait_until(lambda ms: "已发起" in (ms[-1].text or ""), 10.0)
    await other.member(STAFF_A).send("/evaluate")  # the other town's list does not show it
    await other.wait_until(lambda ms: shown("evaluation.list_none") in plain(ms[-1].text or ""))
    await own.member(STAFF_A).send("/evaluate")
    await own.wait_until(lambda ms: deputy.name in (ms[-1].text or "")
                         and "进行中" in (ms[-1].text or ""))
    assert env.emulator.violations == []
