"""Where a new resident used to stumble, in both languages: /subscribe says where they stand and
each change is confirmed in words; a deputy home's card leads back to their own station; an
uncertain address is one question; a town alone lists its villages and communities."""

from __future__ import annotations

from typing import Any

import pytest
from resident_steps import JINPOLUO, LANGS, agree, onboard, resident_of, shown, station_name_for, type_address, user_for

from locales import t
from storage.models import Subscription

pytestmark = pytest.mark.parametrize("lang", LANGS)


async def _subscribed(env: Any, resident_id: int, station_id: int) -> bool:
    async with env.db.reading() as s:
        return await s.get(Subscription, (resident_id, station_id)) is not None


async def test_subscribe_shows_the_state_and_confirms_each_change_in_words(env, lang) -> None:
    user = user_for(env, lang, 5001)
    await onboard(env, user, lang)
    resident = await resident_of(env, user)
    assert resident is not None and resident.station_id is not None
    _, name = await station_name_for(env, JINPOLUO)
    await user.send("/subscribe")
    (state,) = await user.wait_for()
    assert state.text == shown(lang, "station.sub_state_off", station=name) + "\n\n" + shown(lang, "announce.sub_on")
    assert t(lang, "station.btn_subscribe") in state.labels
    assert not await _subscribed(env, resident.id, resident.station_id)  # showing changes nothing

    await user.press(t(lang, "station.btn_subscribe"))
    await user.wait_until(lambda ms: ms[-1].text == shown(
        lang, "station.subscribed_text", station=name, remind=t(lang, "station.remind_state_on")))
    assert await _subscribed(env, resident.id, resident.station_id)
    await user.send("/subscribe")  # twice: still subscribed, and it says so
    (state,) = await user.wait_for()
    assert state.text == shown(lang, "station.sub_state_on", station=name,
                               remind=t(lang, "station.remind_state_on")) + "\n\n" + shown(
        lang, "announce.sub_on")
    assert t(lang, "station.btn_unsubscribe") in state.labels
    assert await _subscribed(env, resident.id, resident.station_id)

    await user.press(t(lang, "station.btn_unsubscribe"))
    await user.wait_until(lambda ms: ms[-1].text == shown(lang, "station.unsubscribed_text",
                                                          station=name))
    assert not await _subscribed(env, resident.id, resident.station_id)
    await user.send("/station")
    card = (await user.wait_until(lambda ms: t(lang, "station.btn_change") in ms[-1].labels))[-1]
    await user.press(t(lang, "station.btn_subscribe"))  # on the card: redrawn, and in words too
    await user.wait_until(lambda ms: ms[-1].text == shown(
        lang, "station.subscribed_text", station=name, remind=t(lang, "station.remind_state_on")))
    redrawn = next(m for m in user.messages() if m.message_id == card.message_id)
    assert t(lang, "station.btn_unsubscribe") in redrawn.labels
    assert env.emulator.violations == []


async def test_the_home_card_leads_back_to_ones_own_station(env, lang) -> None:
    user = user_for(env, lang, 5002)
    await onboard(env, user, lang)
    own_id, own_name = await station_name_for(env, JINPOLUO)
    card = user.last()
    home_label = next(x for x in card.labels if x.startswith("🏛"))
    await user.press(home_label)
    home = (await user.wait_until(lambda ms: t(lang, "station.btn_own", name=own_name)
                                  in ms[-1].labels))[-1]
    assert own_name not in (home.text or "").split("\n")[0]
    await user.press(t(lang, "station.btn_own", name=own_name))
    back = (await user.wait_until(lambda ms: ms[-1].message_id != home.message_id
                                  and t(lang, "station.btn_change") in ms[-1].labels))[-1]
    assert own_name in (back.text or "")
    assert t(lang, "station.btn_own", name=own_name) not in back.labels
    assert env.emulator.violations == []


async def test_an_uncertain_match_is_one_question(env, lang) -> None:
    user = user_for(env, lang, 5003)
    await agree(env, user, lang)
    await type_address(env, user, "zmz")
    asked = user.last()
    text = asked.text or ""
    assert "走马庄村" in text
    assert t(lang, "routing.reason.uncertain") not in text
    assert text.count("?") + text.count("？") == 1
    assert asked.labels[0] == t(lang, "onboarding.confirm")


async def test_privacy_shows_the_phone_given_with_a_suggestion(env, lang) -> None:
    from suggest_world import TICKET, resident_with_station, write_until_preview

    user, _ = await resident_with_station(env, 5004, lang)
    await write_until_preview(env, user, lang, ["楼道灯不亮"], photos=0, share=True)
    await user.press(t(lang, "suggest.button_confirm"))
    (done,) = await user.wait_for()
    ticket = TICKET.search(done.text or "")
    assert ticket is not None
    await user.send("/privacy")
    (summary,) = await user.wait_for()
    phone = shown(lang, "privacy.given_with", value="+8613800138000", tickets=ticket.group(1))
    assert phone in (summary.text or "")
    assert shown(lang, "privacy.summary", locale="", consent="", name="", phone=t(lang, "privacy.not_given"),
                 address="", community="", station="", subscriptions="", suggestions=1
                 ).split("\n")[5] not in (summary.text or "")


async def test_a_town_alone_lists_its_villages_and_communities_in_pages(env, lang) -> None:
    from storage.routing import Router

    user = user_for(env, lang, 5005)
    await agree(env, user, lang)
    async with env.db.reading() as s:
        router = await Router.load(s)
    town = router.town_named("溪翁庄镇")
    assert town is not None
    places = router.communities_of(town.code)
    assert len(places) > 10  # more than one page
    await type_address(env, user, "溪翁庄镇")
    listing = user.last()
    pages = (len(places) + 9) // 10
    assert listing.text == shown(lang, "onboarding.town_list", town=town.name, count=len(places),
                                 page=1, pages=pages)
    assert [c.name for c in places[:10]] == listing.labels[:10]
    assert t(lang, "onboarding.page_next") in listing.labels
    target = next(i for i, c in enumerate(places) if c.code == JINPOLUO)
    for _ in range(target // 10):
        await user.press(t(lang, "onboarding.page_next"))
        await env.settle()
    page = next(m for m in user.messages() if m.message_id == listing.message_id)
    assert "金叵罗村" in page.labels and t(lang, "onboarding.page_back") in page.labels
    await user.press("金叵罗村")
    card = (await user.wait_until(lambda ms: t(lang, "station.btn_change") in ms[-1].labels))[-1]
    _, name = await station_name_for(env, JINPOLUO)
    assert name in (card.text or "")
    resident = await resident_of(env, user)
    assert resident is not None and resident.community_code == JINPOLUO
    assert env.emulator.violations == []


async def test_a_command_wins_over_a_dialog_waiting_for_a_button(env, lang) -> None:
    from suggest_world import category_label, press_and_wait, resident_with_station, send_and_wait

    user, _ = await resident_with_station(env, 5006, lang)
    await send_and_wait(user, "/suggest")
    await press_and_wait(user, await category_label(env, lang, "urban"))
    await send_and_wait(user, "井盖松动")
    await press_and_wait(user, t(lang, "suggest.button_text_done"))
    await press_and_wait(user, t(lang, "suggest.button_skip"))
    recipient = (await press_and_wait(user, t(lang, "suggest.button_no_location"), 2))[-1]
    assert t(lang, "suggest.button_all_deputies") in recipient.labels  # waiting for a button
    await user.send("/station")
    await user.wait_until(lambda ms: t(lang, "station.btn_change") in ms[-1].labels)
    await user.send("井盖就在学校门口，孩子们每天经过")
    (answer,) = await user.wait_for()
    assert answer.text != t(lang, "suggest.use_buttons_recipient")
    assert shown(lang, "suggest.offer_joined") in (answer.text or "")
    await user.press(t(lang, "suggest.button_take"))  # back where it was, with both texts
    (again,) = await user.wait_for()
    assert t(lang, "suggest.button_all_deputies") in again.labels
    async with env.db.reading() as s:
        from storage.models import DialogState

        state = await s.get(DialogState, 5006)
    assert state is not None and state.data["draft"]["parts"] == ["井盖松动", "井盖就在学校门口，孩子们每天经过"]
