"""Words written outside /suggest are kept, in both languages: a complaint typed without any
command reaches a ticket with exactly that text and no retyping (within 8 taps or messages from
/start); a photo or a voice message the same; a greeting is not taken for a complaint; a 2,100
character text is kept, shown as over the limit, and split into two tickets; a resident without
a station is asked where they live first while the text waits; 「不用了」 takes back only what
was added; a command always wins over an unfinished dialog."""

from __future__ import annotations

from typing import Any

import pytest
from resident_steps import JINPOLUO, agree, station_name_for
from suggest_world import (
    LANGS,
    TELEGRAM_LANGUAGE,
    TICKET,
    category_label,
    resident_with_station,
    shown,
    suggestions_of,
)

from bot.emulator import SimUser
from locales import t
from storage.models import DialogState

pytestmark = pytest.mark.parametrize("lang", LANGS)

COMPLAINT = "村口路灯坏了三个月，晚上很黑，老人孩子出门都不安全，希望尽快修好。"


class Counted:
    """A resident whose every message and button press is counted."""

    def __init__(self, user: SimUser) -> None:
        self.user, self.actions = user, 0

    async def send(self, text: str, n: int = 1) -> list[Any]:
        self.actions += 1
        await self.user.send(text)
        return await self.user.wait_for(n)

    async def press(self, label: str, n: int = 1) -> list[Any]:
        self.actions += 1
        await self.user.press(label)
        return await self.user.wait_for(n)

    async def press_until(self, label: str, last_has: str) -> Any:
        """Press, and wait until the newest message has a button ``last_has``."""
        self.actions += 1
        await self.user.press(label)
        return (await self.user.wait_until(lambda ms: last_has in ms[-1].labels))[-1]


async def _state(env: Any, user_id: int) -> DialogState | None:
    async with env.db.reading() as s:
        return await s.get(DialogState, user_id)


async def test_a_complaint_typed_after_start_becomes_a_ticket_with_that_text(env, lang) -> None:
    me = Counted(env.user(4001, TELEGRAM_LANGUAGE[lang]))
    await me.send("/start")
    await me.press(t(lang, "onboarding.agree"))
    await me.send("溪翁庄镇金叵罗村")
    await me.press_until(t(lang, "onboarding.confirm"), t(lang, "station.btn_change"))
    await env.settle()
    (offer,) = await me.send(COMPLAINT)
    assert shown(lang, "suggest.offer_text", text=COMPLAINT) in offer.text
    assert offer.labels == [t(lang, "suggest.button_take"), t(lang, "suggest.button_not_now")]
    (topics,) = await me.press(t(lang, "suggest.button_take"))
    assert await category_label(env, lang, "urban") in topics.labels
    (preview,) = await me.press(await category_label(env, lang, "urban"))
    assert COMPLAINT in preview.text and t(lang, "suggest.button_confirm") in preview.labels
    assert shown(lang, "suggest.preview_quick_hint") in preview.text
    (done,) = await me.press(t(lang, "suggest.button_confirm"))
    ticket = TICKET.search(done.text or "")
    assert ticket is not None and me.actions <= 8
    (stored,) = await suggestions_of(env, 4001)
    station_id, _ = await station_name_for(env, JINPOLUO)
    assert (stored.ticket, stored.text) == (ticket.group(1), COMPLAINT)
    assert stored.station_id == station_id and not stored.share_identity
    assert env.emulator.violations == []


async def test_a_complaint_instead_of_an_address_waits_for_the_home(env, lang) -> None:
    user = env.user(4002, TELEGRAM_LANGUAGE[lang])
    me = Counted(user)
    await agree(env, user, lang)
    me.actions = 2  # /start and 同意
    (asked,) = await me.send(COMPLAINT)
    assert asked.text == shown(lang, "suggest.kept_ask_address")
    assert t(lang, "onboarding.share_location") in asked.labels
    await me.send("溪翁庄镇金叵罗村")
    offer = await me.press_until(t(lang, "onboarding.confirm"), t(lang, "suggest.button_take"))
    assert COMPLAINT in (offer.text or "")
    await me.press(t(lang, "suggest.button_take"))
    await me.press(await category_label(env, lang, "urban"))
    (done,) = await me.press(t(lang, "suggest.button_confirm"))
    assert TICKET.search(done.text or "") and me.actions <= 8
    (stored,) = await suggestions_of(env, 4002)
    assert stored.text == COMPLAINT and stored.community_code == JINPOLUO
    assert env.emulator.violations == []


async def test_a_resident_without_a_station_is_asked_where_first(env, lang) -> None:
    user = env.user(4003, TELEGRAM_LANGUAGE[lang])
    await agree(env, user, lang)
    await user.send("/help")  # leaves the address question: the next words are free
    await user.wait_for()
    await user.send(COMPLAINT)
    (asked,) = await user.wait_for()
    assert asked.text == shown(lang, "suggest.kept_ask_address")
    state = await _state(env, 4003)
    assert state is not None and state.data["draft"]["parts"] == [COMPLAINT]
    assert env.emulator.violations == []


async def test_photo_and_voice_outside_a_dialog_are_kept(env, lang) -> None:
    user, _ = await resident_with_station(env, 4004, lang)
    await user.send_photo()
    (offer,) = await user.wait_for()
    assert shown(lang, "suggest.offer_photo") in offer.text
    await user.send_voice()
    (more,) = await user.wait_for()
    assert more.text == shown(lang, "suggest.offer_more", chars=0, photos=1, voices=1)
    await user.send("门口的台阶塌了一块")
    await user.wait_for()
    await user.press(t(lang, "suggest.button_take"))
    await user.wait_for()
    await user.press(await category_label(env, lang, "urban"))
    (preview,) = await user.wait_for()
    assert "门口的台阶塌了一块" in preview.text
    await user.press(t(lang, "suggest.button_confirm"))
    await user.wait_for()
    (stored,) = await suggestions_of(env, 4004)
    assert stored.text == "门口的台阶塌了一块"
    await env.settle()
    assert any(m.media == "voice" for m in env.staff_group.messages())
    assert env.emulator.violations == []


async def test_a_greeting_is_answered_not_kept(env, lang) -> None:
    user, _ = await resident_with_station(env, 4005, lang)
    await user.send("你好")
    (answer,) = await user.wait_for()
    assert answer.text == t(lang, "common.unknown_text")
    state = await _state(env, 4005)
    assert state is None or "draft" not in state.data


async def test_not_now_takes_back_only_what_was_added(env, lang) -> None:
    user, _ = await resident_with_station(env, 4006, lang)
    await user.send("/suggest")
    await user.wait_for()
    await user.press(await category_label(env, lang, "urban"))
    await user.wait_for()
    await user.send("草稿里原来的话")
    await user.wait_for()
    await user.send("/station")  # a command wins over the unfinished dialog, the draft stays
    await user.wait_for(2)
    await user.send(COMPLAINT)
    (offer,) = await user.wait_for()
    assert shown(lang, "suggest.offer_joined") in offer.text  # not 「请点上面的按钮」
    await user.press(t(lang, "suggest.button_not_now"))
    await user.wait_until(lambda ms: ms[-1].text == t(lang, "suggest.not_taken"))
    state = await _state(env, 4006)
    assert state is not None and state.data["draft"]["parts"] == ["草稿里原来的话"]
    assert env.emulator.violations == []


async def test_a_text_over_the_limit_is_kept_and_split_into_two_tickets(env, lang) -> None:
    user, _ = await resident_with_station(env, 4007, lang)
    first = "第一部分。" * 300  # 1,500 characters
    second = "第二部分。" * 120  # 600 characters: 2,101 with the line break
    await user.send(first + "\n" + second)
    (offer,) = await user.wait_for()
    assert shown(lang, "suggest.offer_over", length=2101, limit=2000, over=101) in offer.text
    await user.press(t(lang, "suggest.button_take"))
    await user.wait_for()
    await user.press(await category_label(env, lang, "urban"))
    (over,) = await user.wait_for()
    assert over.text == shown(lang, "suggest.over_limit", length=2101, limit=2000, over=101)
    await user.press(t(lang, "suggest.button_split"))
    (note, preview) = await user.wait_for(2)
    assert note.text == shown(lang, "suggest.split_done", first=1500, rest=600)
    await user.press(t(lang, "suggest.button_confirm"))
    (done, rest_offer) = await user.wait_for(2)
    assert TICKET.search(done.text or "")
    assert rest_offer.text == shown(lang, "suggest.offer_rest", chars=600)
    await user.press(t(lang, "suggest.button_take"))
    (preview,) = await user.wait_for()
    await user.press(t(lang, "suggest.button_confirm"))
    await user.wait_for()
    one, two = await suggestions_of(env, 4007)
    assert (one.text, two.text) == (first.strip(), second.strip())
    assert one.category_code == two.category_code == "urban"
    assert env.emulator.violations == []


async def test_before_consent_nothing_is_kept_and_that_is_said(env, lang) -> None:
    user = env.user(4008, TELEGRAM_LANGUAGE[lang])
    await user.send(COMPLAINT)
    (answer,) = await user.wait_for()
    assert answer.text == t(lang, "common.guest_words")
    assert await _state(env, 4008) is None


async def test_a_typed_phone_is_taken_after_a_confirmation_and_marked(env, lang) -> None:
    from suggest_world import press_and_wait, send_and_wait

    user, _ = await resident_with_station(env, 4009, lang)
    await send_and_wait(user, "/suggest")
    await press_and_wait(user, await category_label(env, lang, "urban"))
    await send_and_wait(user, "公交站牌看不清")
    await press_and_wait(user, t(lang, "suggest.button_text_done"))
    await press_and_wait(user, t(lang, "suggest.button_skip"))
    await press_and_wait(user, t(lang, "suggest.button_no_location"), 2)
    await press_and_wait(user, t(lang, "suggest.button_all_deputies"))
    (ask,) = await press_and_wait(user, t(lang, "suggest.button_share"))
    assert ask.text == t(lang, "suggest.ask_contact")
    assert t(lang, "suggest.button_send_contact") in ask.labels  # the share button stays
    (check,) = await send_and_wait(user, "我的电话是138 0013 8000")
    assert check.text == shown(lang, "suggest.phone_typed_confirm", phone="138 0013 8000")
    await user.press(t(lang, "suggest.button_phone_yes"))
    (thanks, preview) = await user.wait_for(2)
    assert "13800138000" + t(lang, "suggest.phone_typed_mark") in (preview.text or "")
    await user.press(t(lang, "suggest.button_confirm"))
    await user.wait_for()
    (stored,) = await suggestions_of(env, 4009)
    assert stored.contact_phone == "13800138000" and stored.contact_phone_typed
    assert stored.share_identity
    await env.settle()
    card = next(m for m in env.staff_group.messages() if stored.ticket in (m.text or ""))
    assert "13800138000" + t("zh", "suggest.phone_typed_mark") in (card.text or "")
    assert env.emulator.violations == []
