"""/suggest's bad paths and second chances, in both languages: editing from the preview, a
5,000-character text (kept, then shortened), a sticker, a sixth photo, an eleventh suggestion in a day, a restart or
/cancel in the middle of a draft, no station yet, a button pressed twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from suggest_world import (
    LANGS,
    TICKET,
    category_label,
    press_and_wait,
    resident_with_station,
    send_and_wait,
    shown,
    station_deputy_names,
    suggestions_of,
    write_until_preview,
)

from locales import t
from storage import lifecycle
from storage.deadlines import Deadlines
from storage.drafts import Draft
from storage.models import DialogState

pytestmark = pytest.mark.parametrize("lang", LANGS)


async def draft_of(env: Any, user_id: int) -> Draft | None:
    async with env.db.reading() as s:
        state = await s.get(DialogState, user_id)
        return Draft.from_json(state.data.get("draft")) if state is not None else None


async def start_text(env: Any, user: Any, lang: str) -> None:
    await send_and_wait(user, "/suggest")
    await press_and_wait(user, await category_label(env, lang, "transport"))


async def test_edit_from_the_preview(env, lang: str) -> None:
    user, resident = await resident_with_station(env, 2101, lang)
    await write_until_preview(env, user, lang, ["第一稿"], photos=2, share=False)
    (prompt,) = await press_and_wait(user, t(lang, "suggest.edit_category"))
    (preview,) = await press_and_wait(user, await category_label(env, lang, "environment"))
    assert await category_label(env, lang, "environment") in preview.text
    (prompt,) = await press_and_wait(user, t(lang, "suggest.edit_text"))
    assert "第一稿" in prompt.text  # shown, kept until something replaces it
    await send_and_wait(user, "第二稿")
    (preview,) = await press_and_wait(user, t(lang, "suggest.button_text_done"))
    assert "第二稿" in preview.text and "第一稿" not in preview.text
    await press_and_wait(user, t(lang, "suggest.edit_photos"))
    (prompt,) = await press_and_wait(user, t(lang, "suggest.button_photos_clear"))
    assert prompt.text == shown(lang, "suggest.ask_photos", limit=5, count=0)
    await press_and_wait(user, t(lang, "suggest.button_skip"))
    assert (await draft_of(env, user.user_id)).photos == []  # type: ignore[union-attr]
    await press_and_wait(user, t(lang, "suggest.edit_location"))
    await user.press(t(lang, "suggest.button_send_location"))  # request_location: sends it
    ack, preview = await user.wait_for(2)
    assert ack.remove_keyboard and t(lang, "suggest.location_yes") in preview.text
    deputy = sorted(await station_deputy_names(env, resident.station_id))[0]
    (prompt,) = await press_and_wait(user, t(lang, "suggest.edit_recipient"))
    label = next(x for x in prompt.labels if x.startswith(deputy))
    (preview,) = await press_and_wait(user, label)
    assert deputy in preview.text
    await press_and_wait(user, t(lang, "suggest.edit_identity"))
    await press_and_wait(user, t(lang, "suggest.button_share"))
    await send_and_wait(user, "我的电话")  # no number in it: the ways are explained
    assert t(lang, "suggest.contact_use_button") == user.last().text
    (check,) = await send_and_wait(user, "13900139000")  # typed: asked to confirm first
    assert check.text == shown(lang, "suggest.phone_typed_confirm", phone="139 0013 9000")
    await user.press(t(lang, "suggest.button_phone_no"))  # not that one after all
    await env.settle()
    await user.press(t(lang, "suggest.button_send_contact"))
    _, preview = await user.wait_for(2)
    assert "+8613800138000" in preview.text
    await press_and_wait(user, t(lang, "suggest.button_confirm"))
    (stored,) = await suggestions_of(env, user.user_id)
    assert (stored.category_code, stored.text) == ("environment", "第二稿")
    assert stored.addressed_deputy_id is not None and stored.share_identity
    assert (stored.latitude, stored.longitude) == (40.3764, 116.8431)
    await env.settle()
    assert not any(m.media for m in env.staff_group.messages())  # the photos were removed
    card = next(m for m in env.staff_group.messages() if stored.ticket in (m.text or ""))
    assert deputy in card.text and "40.37640, 116.84310" in card.text
    assert env.emulator.violations == []


async def test_too_long_text_sticker_and_sixth_photo_keep_the_draft(env, lang: str) -> None:
    user, _ = await resident_with_station(env, 2102, lang)
    await start_text(env, user, lang)
    await send_and_wait(user, "公交站牌不清楚")
    (over,) = await send_and_wait(user, "长" * 5000)  # kept whole, not refused
    assert over.text == shown(lang, "suggest.over_limit", length=5008, limit=2000, over=3008)
    assert t(lang, "suggest.button_split") in over.labels
    assert (await draft_of(env, user.user_id)).parts == ["公交站牌不清楚", "长" * 5000]  # type: ignore[union-attr]
    (ack,) = await send_and_wait(user, "公交站牌不清楚")  # a shorter version replaces it
    assert ack.text == t(lang, "suggest.text_added", total=7, limit=2000)
    assert (await draft_of(env, user.user_id)).parts == ["公交站牌不清楚"]  # type: ignore[union-attr]
    await user.send_sticker()
    (answer,) = await user.wait_for()
    assert answer.text == t(lang, "suggest.not_text")
    assert t(lang, "suggest.button_text_done") in answer.labels  # and the way on
    await press_and_wait(user, t(lang, "suggest.button_text_done"))
    for n in range(1, 6):
        await user.send_photo()
        (ack,) = await user.wait_for()
        assert ack.text == t(lang, "suggest.photo_added", count=n, limit=5)
    await user.send_photo()
    (refusal,) = await user.wait_for()
    assert refusal.text == t(lang, "suggest.limit.too_many_photos", limit=5)
    draft = await draft_of(env, user.user_id)
    assert draft is not None and len(draft.photos) == 5 and draft.text == "公交站牌不清楚"
    assert env.emulator.violations == []


async def test_eleventh_suggestion_in_a_day_is_refused_kindly(env, lang: str) -> None:
    user, resident = await resident_with_station(env, 2103, lang)
    await write_until_preview(env, user, lang, ["第十一条"], photos=0, share=False)
    async with env.db.unit_of_work() as s:  # ten sent today meanwhile (e.g. from another device)
        for n in range(10):
            await lifecycle.create_suggestion(
                s, resident_id=resident.id, station_id=resident.station_id, category_code="other",
                text=f"第{n}条", now=env.clock.now(), deadlines=Deadlines())
    (refusal,) = await press_and_wait(user, t(lang, "suggest.button_confirm"))
    tomorrow = "2026年11月26日（周四）" if lang == "zh" else "Thu 2026-11-26"
    assert tomorrow in refusal.text and "10" in refusal.text
    assert len(await suggestions_of(env, user.user_id)) == 10
    assert (await draft_of(env, user.user_id)).text == "第十一条"  # type: ignore[union-attr]
    (again,) = await send_and_wait(user, "/suggest")
    assert tomorrow in again.text
    env.clock.advance(timedelta(days=1))  # tomorrow: the draft goes out
    (resume,) = await send_and_wait(user, "/suggest")
    (preview,) = await press_and_wait(user, t(lang, "suggest.button_continue"))
    (done,) = await press_and_wait(user, t(lang, "suggest.button_confirm"))
    assert TICKET.search(done.text)
    assert len(await suggestions_of(env, user.user_id)) == 11


async def test_restart_and_cancel_mid_draft_then_continue(env, lang: str) -> None:
    user, _ = await resident_with_station(env, 2104, lang)
    await start_text(env, user, lang)
    await send_and_wait(user, "小区门口积水")
    await user.send_voice()
    (voice,) = await user.wait_for()
    assert voice.text == t(lang, "suggest.voice_added")
    await env.settle()
    await env.restart()
    (offer,) = await send_and_wait(user, "/suggest")
    assert offer.labels == [t(lang, "suggest.button_continue"), t(lang, "suggest.button_start_over")]
    (prompt,) = await press_and_wait(user, t(lang, "suggest.button_continue"))
    assert prompt.text == shown(lang, "suggest.ask_text", limit=2000)
    await send_and_wait(user, "已经三天了")
    (cancelled,) = await send_and_wait(user, "/cancel")
    assert cancelled.text == t(lang, "common.cancelled")
    await send_and_wait(user, "/suggest")
    await press_and_wait(user, t(lang, "suggest.button_continue"))
    (photos,) = await press_and_wait(user, t(lang, "suggest.button_text_done"))
    assert t(lang, "suggest.button_skip") in photos.labels
    draft = await draft_of(env, user.user_id)
    assert draft is not None and draft.parts == ["小区门口积水", "已经三天了"]
    assert [kind for kind, _, _ in draft.attachments()] == ["voice"]
    (prompt,) = await send_and_wait(user, "/suggest")
    (first,) = await press_and_wait(user, t(lang, "suggest.button_start_over"))
    assert (await draft_of(env, user.user_id)).parts == []  # type: ignore[union-attr]
    assert env.emulator.violations == []


async def test_without_a_station_the_way_is_start(env, lang: str) -> None:
    user = env.user(2105, "en" if lang == "en" else "zh-hans")
    (answer,) = await send_and_wait(user, "/suggest")
    assert answer.text == t(lang, "suggest.need_station")
    assert answer.keyboard == [["/start"]]
    await user.press_data("sg:start", answer.message_id)  # the station card's button, too
    (again,) = await user.wait_for()
    assert again.text == t(lang, "suggest.need_station")


async def test_station_card_button_starts_a_suggestion(env, lang: str) -> None:
    user, _ = await resident_with_station(env, 2107, lang)
    (listing,) = await send_and_wait(user, "/my")
    await user.press_data("sg:start", listing.message_id)
    (prompt,) = await user.wait_for()
    assert prompt.text == shown(lang, "suggest.ask_category")
    assert await category_label(env, lang, "rule_of_law") in prompt.labels


async def test_confirm_pressed_twice_makes_one_ticket(env, lang: str) -> None:
    user, _ = await resident_with_station(env, 2106, lang)
    preview = await write_until_preview(env, user, lang, ["一次"], photos=0, share=False)
    await user.press(t(lang, "suggest.button_confirm"))
    await user.wait_for()
    await env.settle()
    assert user.messages()[-2].buttons == []  # the preview lost its buttons when sent
    await user.press_data("sg:confirm", preview.message_id)  # a second, late press
    await env.settle()
    assert len(await suggestions_of(env, user.user_id)) == 1
    assert user.callback_answers()[-1].get("text") == t(lang, "common.stale_button")
