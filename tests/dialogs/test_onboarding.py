"""/start end to end, in Chinese and English: consent before anything is stored, a typed address
(matched, ambiguous, unroutable), a shared location, bad input, stale buttons, restarts."""

from __future__ import annotations

import pytest
from resident_steps import (
    AREA,
    DONGGEZHUANG,
    JINPOLUO,
    LANGS,
    agree,
    expired,
    onboard,
    resident_of,
    shown,
    state_of,
    station_name_for,
    type_address,
    user_for,
)
from sqlalchemy import func, select

from locales import t
from storage.dialog_state import save_state
from storage.models import DialogState, Resident
from storage.routing import Router

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("lang", LANGS)
async def test_consent_then_a_typed_address_then_the_station_card(env, lang: str) -> None:
    user = user_for(env, lang, 3001)
    await user.send("/start")
    (welcome,) = await user.wait_for()
    assert shown(lang, "onboarding.welcome") in welcome.text
    assert shown(lang, "onboarding.consent") in welcome.text
    assert welcome.labels == [t(lang, "onboarding.agree"), t(lang, "onboarding.decline")]
    await env.settle()
    assert await resident_of(env, user) is None  # nothing before consent
    assert await state_of(env, user) is None

    await user.press(t(lang, "onboarding.agree"))
    await user.wait_until(lambda ms: t(lang, "onboarding.share_location") in ms[-1].labels)
    resident = await resident_of(env, user)
    assert resident is not None and resident.consent_at is not None and resident.locale == lang
    assert resident.station_id is None

    await type_address(env, user, "溪翁庄镇金叵罗村")
    found = user.last()
    station_id, station_name = await station_name_for(env, JINPOLUO)
    assert "金叵罗村" in found.text and station_name in found.text
    assert found.labels == [t(lang, "onboarding.confirm"), t(lang, "onboarding.retype")]
    await user.press(t(lang, "onboarding.confirm"))
    card = (await user.wait_until(lambda ms: t(lang, "station.btn_change") in ms[-1].labels))[-1]
    assert station_name in card.text and shown(lang, "station.deputies_title") in card.text
    assert t(lang, "station.btn_suggest") in card.labels
    assert any(m.remove_keyboard for m in user.messages())  # the location keyboard is gone
    resident = await resident_of(env, user)
    assert resident is not None
    assert (resident.community_code, resident.station_id, resident.address_text) == (
        JINPOLUO, station_id, "溪翁庄镇金叵罗村")
    assert await state_of(env, user) is None

    await user.send("/start")  # a returning resident sees their card at once
    again = (await user.wait_until(lambda ms: ms[-1].text == card.text))[-1]
    assert t(lang, "station.btn_change") in again.labels
    assert env.emulator.violations == []


@pytest.mark.parametrize("lang", LANGS)
async def test_an_ambiguous_name_offers_candidates_as_buttons(env, lang: str) -> None:
    user = user_for(env, lang, 3002)
    await agree(env, user, lang)
    await type_address(env, user, "董各庄村")
    offer = user.last()
    assert t(lang, "routing.reason.duplicate_name") in offer.text
    labels = {t(lang, "onboarding.candidate", name="董各庄村", town=town): code
              for town, code in DONGGEZHUANG.items()}
    assert set(labels) <= set(offer.labels) and t(lang, "onboarding.retype") in offer.labels
    pick = t(lang, "onboarding.candidate", name="董各庄村", town="不老屯镇")
    await user.press(pick)
    await user.wait_until(lambda ms: t(lang, "station.btn_change") in ms[-1].labels)
    resident = await resident_of(env, user)
    assert resident is not None and resident.community_code == DONGGEZHUANG["不老屯镇"]
    assert resident.station_id == (await station_name_for(env, DONGGEZHUANG["不老屯镇"]))[0]
    assert env.emulator.violations == []


@pytest.mark.parametrize("lang", LANGS)
async def test_an_unroutable_address_says_why_and_how_to_try_again(env, lang: str) -> None:
    user = user_for(env, lang, 3003)
    await agree(env, user, lang)
    for text, reason in (("上海市浦东新区世纪大道100号", "outside_area"), ("你好", "not_recognised")):
        await type_address(env, user, text)
        answer = user.last()
        assert t(lang, f"routing.reason.{reason}", area=AREA[lang]) in answer.text
        assert "Miyun" in answer.text or "密云区" in answer.text or reason != "outside_area"
        assert "溪翁庄镇金叵罗村" in answer.text  # an example of what works
        assert t(lang, "onboarding.share_location") in answer.labels
        state = await state_of(env, user)
        assert state is not None and (state.flow, state.step) == ("onboarding", "address")
        resident = await resident_of(env, user)
        assert resident is not None and resident.station_id is None
    await type_address(env, user, "溪翁庄镇金叵罗村")  # and trying again works
    await user.press(t(lang, "onboarding.confirm"))
    await user.wait_until(lambda ms: t(lang, "station.btn_change") in ms[-1].labels)
    assert env.emulator.violations == []


@pytest.mark.parametrize("lang", LANGS)
async def test_a_shared_location_offers_the_communities_of_the_nearest_stations(env, lang: str) -> None:
    user = user_for(env, lang, 3004)
    await agree(env, user, lang)
    await user.press(t(lang, "onboarding.share_location"))  # the reply keyboard's location button
    offer = (await user.wait_for())[-1]
    async with env.db.reading() as s:
        router = await Router.load(s)
    nearby = router.nearby(40.3764, 116.8431)
    assert len(nearby) == 3
    station, metres, places = nearby[0]
    assert station.name in offer.text  # which station, how far, and whom it serves
    assert (t(lang, "onboarding.distance_m", metres=int(round(metres, -1))) in offer.text
            or t(lang, "onboarding.distance_km", km=f"{metres / 1000:.1f}") in offer.text)
    assert places[0].name in offer.text and offer.labels[0] == places[0].name
    assert t(lang, "onboarding.retype") in offer.labels
    assert all(other.name in offer.text for other, _, _ in nearby[1:])
    await user.press(places[0].name)
    shown = await user.wait_until(lambda ms: t(lang, "station.btn_change") in ms[-1].labels)
    assert station.name in (shown[-1].text or "")
    resident = await resident_of(env, user)
    assert resident is not None and resident.station_id == station.id
    assert resident.community_code == places[0].code
    assert env.emulator.violations == []


@pytest.mark.parametrize("lang", LANGS)
async def test_declining_stores_nothing_and_says_what_is_still_possible(env, lang: str) -> None:
    user = user_for(env, lang, 3005)
    await user.send("/language")  # a language choice before /start is kept only until declining
    await user.wait_for()
    await user.press(t(lang, f"common.language_name_{lang}"))
    await env.settle()
    await user.send("/start")
    await user.wait_for()
    await user.press(t(lang, "onboarding.decline"))
    await user.wait_until(lambda ms: ms[-1].text == shown(lang, "onboarding.declined"))
    assert "/help" in user.last().text and user.last().labels == []
    await env.settle()
    async with env.db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(Resident)) == 0
        assert await s.scalar(select(func.count()).select_from(DialogState)) == 0
    await user.send("溪翁庄镇金叵罗村")  # not in a dialog: a helpful answer, still nothing stored
    assert "/start" in (await user.wait_for())[-1].text
    assert await resident_of(env, user) is None
    assert env.emulator.violations == []


@pytest.mark.parametrize("lang", LANGS)
async def test_a_sticker_where_an_address_is_expected_gets_a_clear_answer(env, lang: str) -> None:
    user = user_for(env, lang, 3006)
    await agree(env, user, lang)
    await user.send_sticker()
    answer = (await user.wait_for())[-1]
    assert answer.text == t(lang, "onboarding.text_only")
    assert t(lang, "onboarding.share_location") in answer.labels
    state = await state_of(env, user)
    assert state is not None and (state.flow, state.step) == ("onboarding", "address")
    await type_address(env, user, "鼓楼街道宾阳西里社区")
    assert "宾阳西里社区" in user.last().text
    assert env.emulator.violations == []


@pytest.mark.parametrize("lang", LANGS)
async def test_stale_and_forged_buttons_are_refused_and_change_nothing(env, lang: str) -> None:
    user = user_for(env, lang, 3007)
    await agree(env, user, lang)
    await type_address(env, user, "董各庄村")
    offer = user.last()
    for data in (f"ob:pick:{JINPOLUO}", "ob:near:1", "ob:pick:../../x", "ob:bogus", "st:dep:x",
                 "st:rem:1:7", "pv:nothing"):
        await user.press_data(data, offer.message_id)
        await env.settle()
        assert expired(user), data
    resident = await resident_of(env, user)
    assert resident is not None and resident.community_code is None
    # After confirming, the other candidates' buttons are stale too.
    await user.press(t(lang, "onboarding.candidate", name="董各庄村", town="西田各庄镇"))
    await user.wait_until(lambda ms: t(lang, "station.btn_change") in ms[-1].labels)
    await user.press_data(f"ob:pick:{DONGGEZHUANG['不老屯镇']}", offer.message_id)
    await env.settle()
    assert expired(user)
    resident = await resident_of(env, user)
    assert resident is not None and resident.community_code == DONGGEZHUANG["西田各庄镇"]
    assert env.emulator.violations == []


@pytest.mark.parametrize("lang", LANGS)
async def test_a_restart_in_the_middle_of_onboarding_loses_nothing(env, lang: str) -> None:
    user = user_for(env, lang, 3008)
    await agree(env, user, lang)
    await env.settle()
    await env.restart()
    await type_address(env, user, "董各庄村")
    await env.restart()
    await user.press(t(lang, "onboarding.candidate", name="董各庄村", town="西田各庄镇"))
    card = (await user.wait_until(lambda ms: t(lang, "station.btn_change") in ms[-1].labels))[-1]
    resident = await resident_of(env, user)
    assert resident is not None and resident.community_code == DONGGEZHUANG["西田各庄镇"]
    assert (await station_name_for(env, DONGGEZHUANG["西田各庄镇"]))[1] in card.text
    assert env.emulator.violations == []


@pytest.mark.parametrize("lang", LANGS)
async def test_change_address_from_the_card(env, lang: str) -> None:
    user = user_for(env, lang, 3009)
    await onboard(env, user, lang)
    await user.press(t(lang, "station.btn_change"))
    await user.wait_until(lambda ms: t(lang, "onboarding.share_location") in ms[-1].labels)
    await type_address(env, user, "鼓楼街道宾阳西里社区")
    await user.press(t(lang, "onboarding.confirm"))
    await user.wait_until(lambda ms: t(lang, "station.btn_change") in ms[-1].labels)
    resident = await resident_of(env, user)
    assert resident is not None and resident.community_code == "110118001006"


async def test_the_language_chosen_before_consent_is_kept_on_the_resident(env) -> None:
    user = user_for(env, "zh", 3010)
    await user.send("/language")
    await user.wait_for()
    await user.press("English")
    await env.settle()
    await agree(env, user, "en")
    resident = await resident_of(env, user)
    assert resident is not None and resident.locale == "en"
    await user.send("/language")
    await user.wait_for()
    await user.press("简体中文")
    await env.settle()
    resident = await resident_of(env, user)
    assert resident is not None and resident.locale == "zh"


async def test_an_invitation_payload_is_not_taken_for_a_resident_start(env) -> None:
    user = user_for(env, "en", 3011)
    await user.send("/start inv_" + "A" * 32)
    answer = (await user.wait_for())[-1]
    assert answer.text == t("en", "lifecycle.invite.unknown")  # redeemed by dialogs.staff.invitations
    assert await resident_of(env, user) is None
    await user.send("/start hello")  # any other payload is a normal start
    assert t("en", "onboarding.agree") in (await user.wait_for())[-1].labels


async def test_changing_the_address_keeps_a_suggestion_draft(env) -> None:
    user = user_for(env, "en", 3012)
    await onboard(env, user, "en")
    draft = {"step": "text", "text": "村口路灯坏了"}
    async with env.db.unit_of_work() as s:  # what the suggestion dialog keeps while one is unsent
        await save_state(s, user.user_id, user.user_id, "suggest", "text", {"draft": draft},
                         env.clock.now())
    await user.press(t("en", "station.btn_change"))
    await user.wait_until(lambda ms: t("en", "onboarding.share_location") in ms[-1].labels)
    await type_address(env, user, "鼓楼街道宾阳西里社区")
    await user.press(t("en", "onboarding.confirm"))
    await user.wait_until(lambda ms: t("en", "station.btn_change") in ms[-1].labels)
    await env.settle()
    state = await state_of(env, user)
    assert state is not None and state.data.get("draft") == draft


async def test_an_alias_imported_later_routes_after_the_refresh(env) -> None:
    from storage.models import AddressAlias, Community

    user = user_for(env, "zh", 4501)
    await agree(env, user, "zh")
    await type_address(env, user, "澜茵山小区")  # not known yet (and the index is now built)
    assert "金叵罗村" not in user.last().text
    async with env.db.unit_of_work() as s:  # staff import a compound name residents use
        code = await s.scalar(select(Community.code).where(Community.short_name == "金叵罗村"))
        s.add(AddressAlias(alias="澜茵山小区", community_code=code, kind="compound"))
    await env.run_jobs()  # the periodic rebuild of the address index
    await type_address(env, user, "澜茵山小区")
    assert "金叵罗村" in user.last().text
    assert t("zh", "onboarding.confirm") in user.last().labels
    assert env.emulator.violations == []


@pytest.mark.parametrize("env", [{"area_name": "京郊示例区"}], indirect=True)
async def test_a_configured_area_name_is_what_residents_see(env) -> None:
    user = user_for(env, "zh", 3090)
    await user.send("/start")
    (welcome,) = await user.wait_for()
    assert welcome.text.startswith("京郊示例区人大代表家站")
    assert "密云区" not in welcome.text
    await user.send("/help")
    (help_text,) = await user.wait_for()
    assert help_text.text.startswith("京郊示例区人大代表家站")
    assert env.emulator.violations == []
