"""/privacy and /forget end to end: what is kept, erasing after a confirmation, what stays."""

from __future__ import annotations

from datetime import timedelta

import pytest
from resident_steps import (
    JINPOLUO,
    LANGS,
    onboard,
    resident_of,
    shown,
    state_of,
    user_for,
)
from sqlalchemy import func, select

from locales import t
from storage.models import Resident, Subscription, Suggestion

pytestmark = pytest.mark.e2e


async def _suggestion_of(env, user) -> int:  # type: ignore[no-untyped-def]
    """A suggestion the resident made, with contact details (written directly: not this flow)."""
    resident = await resident_of(env, user)
    assert resident is not None and resident.station_id is not None
    now = env.clock.now()
    async with env.db.unit_of_work() as s:
        row = Suggestion(
            ticket="2026-999001", resident_id=resident.id, station_id=resident.station_id,
            community_code=JINPOLUO, category_code="urban", text="村口路灯坏了", share_identity=True,
            contact_name="王小明", contact_phone="+8613800138000", created_at=now, updated_at=now,
            first_response_due=now + timedelta(days=3), resolution_due=now + timedelta(days=15),
        )
        s.add(row)
        await s.flush()
        return row.id


@pytest.mark.parametrize("lang", LANGS)
async def test_a_guest_is_told_nothing_is_kept(env, lang: str) -> None:
    user = user_for(env, lang, 5001)
    await user.send("/privacy")
    assert (await user.wait_for())[-1].text == shown(lang, "privacy.guest")
    await user.send("/forget")
    assert (await user.wait_for())[-1].text == shown(lang, "privacy.nothing_to_forget")
    await env.settle()
    async with env.db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(Resident)) == 0
    assert env.emulator.violations == []


@pytest.mark.parametrize("lang", LANGS)
async def test_privacy_lists_what_is_kept_and_forget_erases_it(env, lang: str) -> None:
    user = user_for(env, lang, 5002)
    await onboard(env, user, lang)
    await user.send("/subscribe")
    await user.wait_for()
    await user.press(t(lang, "station.btn_subscribe"))
    await env.settle()
    suggestion_id = await _suggestion_of(env, user)

    await user.send("/privacy")
    summary = (await user.wait_for())[-1]
    for fragment in ("溪翁庄镇金叵罗村", "金叵罗村（溪翁庄镇）", t(lang, "common.language_name_" + lang)):
        assert fragment in summary.text
    assert t(lang, "privacy.btn_ask_forget") in summary.labels

    await user.press(t(lang, "privacy.btn_ask_forget"))
    confirm = (await user.wait_for())[-1]
    assert confirm.text == shown(lang, "privacy.confirm", suggestions=1)
    await user.press(t(lang, "privacy.btn_keep"))
    await user.wait_until(lambda ms: any(m.text == shown(lang, "privacy.kept") for m in ms))
    assert (await resident_of(env, user)) is not None  # cancelling erased nothing

    await user.send("/forget")
    await user.wait_for()
    await user.press(t(lang, "privacy.btn_forget"))
    await user.wait_until(lambda ms: ms[-1].text == shown(lang, "privacy.forgotten_next"))
    done = [m for m in user.messages() if m.text == shown(lang, "privacy.forgotten", suggestions=1,
                                                              subscriptions=1)]
    assert len(done) == 1
    async with env.db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(Resident).where(
            Resident.telegram_user_id == user.user_id)) == 0
        forgotten = (await s.scalars(select(Resident))).one()
        assert forgotten.forgotten_at is not None and forgotten.address_text is None
        assert forgotten.chat_id is None and forgotten.community_code is None
        kept = await s.get(Suggestion, suggestion_id)
        assert kept is not None and kept.text == "村口路灯坏了"
        assert (kept.resident_id, kept.contact_name, kept.contact_phone) == (None, None, None)
        assert await s.scalar(select(func.count()).select_from(Subscription)) == 0
    assert await state_of(env, user) is None

    await user.send("/privacy")  # a stranger again
    assert (await user.wait_for())[-1].text == shown(lang, "privacy.guest")
    await user.send("/start")
    assert t(lang, "onboarding.agree") in (await user.wait_for())[-1].labels
    assert env.emulator.violations == []


@pytest.mark.parametrize("lang", LANGS)
async def test_an_old_confirmation_erases_nothing(env, lang: str) -> None:
    user = user_for(env, lang, 5003)
    await onboard(env, user, lang)
    await user.send("/forget")
    await user.wait_for()
    env.clock.advance(timedelta(minutes=11))
    await user.press(t(lang, "privacy.btn_forget"))
    await env.settle()
    answer = user.callback_answers()[-1]
    assert answer.get("text") == t(lang, "privacy.confirm_expired") and answer.get("show_alert")
    resident = await resident_of(env, user)
    assert resident is not None and resident.community_code == JINPOLUO
    assert env.emulator.violations == []
