"""/my end to end, in both languages: the list, a ticket's public timeline (never its internal
notes), a follow-up, an answer pushed by staff and the resident's reply to it, and the rating of
a resolved ticket — 不满意 reopens it, 满意 closes it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from suggest_world import LANGS, press_and_wait, resident_with_station, send_and_wait

from dialogs.resident.notices import notify_resident
from locales import t
from storage import lifecycle
from storage.deadlines import Deadlines
from storage.models import (
    Satisfaction,
    Staff,
    Suggestion,
    SuggestionStatus,
    TimelineEntry,
    Visibility,
)
from storage.roles import Actor

pytestmark = pytest.mark.parametrize("lang", LANGS)


async def new_ticket(env: Any, resident: Any, text: str = "村口的桥栏杆松了") -> Suggestion:
    async with env.db.unit_of_work() as s:
        suggestion = await lifecycle.create_suggestion(
            s, resident_id=resident.id, station_id=resident.station_id, category_code="urban",
            text=text, now=env.clock.now(), deadlines=Deadlines())
        staff = Staff(telegram_user_id=9001, display_name="staff")
        s.add(staff)
        await s.flush()
        await lifecycle.reply(s, suggestion, Actor.staff(staff.id), now=env.clock.now(),
                              text="内部：先查一下是哪个村的桥", visibility=Visibility.INTERNAL)
        return suggestion


async def staff_acts(env: Any, suggestion_id: int, action: str, text: str, kind: str) -> None:
    """What the triage engineer's handlers will do: a lifecycle step and the resident's notice,
    in one unit of work."""
    async with env.db.unit_of_work() as s:
        staff = await s.scalar(select(Staff).limit(1))
        operation = getattr(lifecycle, action)
        suggestion = await operation(s, suggestion_id, Actor.staff(staff.id),
                                     now=env.clock.now(), text=text)
        assert await notify_resident(s, suggestion, kind, now=env.clock.now())
    await env.settle()


async def stored(env: Any, suggestion_id: int) -> tuple[Suggestion, list[TimelineEntry]]:
    async with env.db.reading() as s:
        suggestion = await s.get(Suggestion, suggestion_id)
        entries = await lifecycle.full_timeline(s, suggestion_id)
        return suggestion, list(entries)  # type: ignore[return-value]


async def test_list_timeline_and_follow_up(env, lang: str) -> None:
    user, resident = await resident_with_station(env, 2201, lang)
    suggestion = await new_ticket(env, resident)
    (listing,) = await send_and_wait(user, "/my")
    status = t(lang, "lifecycle.status.new")
    assert suggestion.ticket in listing.text and status in listing.text
    (timeline,) = await press_and_wait(user, f"{suggestion.ticket} · {status}")
    assert "村口的桥栏杆松了" in timeline.text and t(lang, "lifecycle.timeline.created") in timeline.text
    assert "内部" not in timeline.text  # internal notes never reach the resident
    (prompt,) = await press_and_wait(user, t(lang, "tracking.button_followup"))
    assert suggestion.ticket in prompt.text
    (added,) = await send_and_wait(user, "栏杆已经掉下来一段了")
    assert suggestion.ticket in added.text
    _, entries = await stored(env, suggestion.id)
    assert [(e.kind, e.text) for e in entries][-1] == ("followup", "栏杆已经掉下来一段了")
    await env.settle()
    notice = env.staff_group.last()
    assert suggestion.ticket in notice.text and "栏杆已经掉下来一段了" in notice.text
    assert env.emulator.violations == []


async def test_answer_reply_resolve_and_rate(env, lang: str) -> None:
    user, resident = await resident_with_station(env, 2202, lang)
    suggestion = await new_ticket(env, resident)
    await staff_acts(env, suggestion.id, "reply", "已联系镇里安排维修，本周内完成。", "reply")
    pushed = user.last()
    assert suggestion.ticket in pushed.text and "已联系镇里安排维修" in pushed.text
    assert t(lang, "cards.button_reply") in pushed.labels

    (prompt,) = await press_and_wait(user, t(lang, "cards.button_reply"))
    await send_and_wait(user, "谢谢，请尽快。")
    row, entries = await stored(env, suggestion.id)
    assert entries[-1].kind == "followup" and entries[-1].text == "谢谢，请尽快。"
    assert row.status is SuggestionStatus.NEW  # the ball is back with staff

    await staff_acts(env, suggestion.id, "resolve", "栏杆已修好。", "resolved")
    pushed = user.last()
    rating = [t(lang, f"lifecycle.satisfaction.{v}") for v in ("satisfied", "basic", "unsatisfied")]
    assert "栏杆已修好" in pushed.text and pushed.buttons[0] == rating
    (ask,) = await press_and_wait(user, rating[2])
    assert t(lang, "tracking.button_no_comment") in ask.labels
    (reopened,) = await send_and_wait(user, "只修了一半")
    assert suggestion.ticket in reopened.text
    row, entries = await stored(env, suggestion.id)
    assert row.status is SuggestionStatus.REOPENED and row.reopen_count == 1
    assert row.satisfaction is Satisfaction.UNSATISFIED
    assert row.satisfaction_comment == "只修了一半"
    await env.settle()
    assert suggestion.ticket in env.staff_group.last().text  # staff learn of the rating

    await staff_acts(env, suggestion.id, "resolve", "另一半也修好了。", "resolved")
    await press_and_wait(user, rating[0])
    (thanks,) = await press_and_wait(user, t(lang, "tracking.button_no_comment"))
    assert suggestion.ticket in thanks.text
    row, _ = await stored(env, suggestion.id)
    assert row.status is SuggestionStatus.CLOSED and row.satisfaction is Satisfaction.SATISFIED

    (timeline,) = await send_and_wait(user, "/my")
    (timeline,) = await press_and_wait(user, f"{suggestion.ticket} · {t(lang, 'lifecycle.status.closed')}")
    assert "只修了一半" in timeline.text and t(lang, "lifecycle.satisfaction.unsatisfied") in timeline.text
    assert t(lang, "tracking.button_followup") not in timeline.labels  # closed: nothing to add
    assert env.emulator.violations == []


async def test_someone_elses_ticket_is_refused(env, lang: str) -> None:
    owner, resident = await resident_with_station(env, 2203, lang)
    other, _ = await resident_with_station(env, 2204, lang)
    suggestion = await new_ticket(env, resident)
    (listing,) = await send_and_wait(other, "/my")
    assert listing.text == t(lang, "tracking.none")
    await other.press_data(f"my:open:{suggestion.id}", listing.message_id)
    await other.press_data(f"my:rate:{suggestion.id}:u", listing.message_id)
    await env.settle()
    assert [a.get("text") for a in other.callback_answers()] == [t(lang, "common.stale_button")] * 2
    assert len(other.messages()) == 1
