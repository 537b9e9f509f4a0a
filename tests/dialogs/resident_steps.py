"""Steps a resident takes in the e2e tests (labels come from the catalogue, so every step works in
both languages), and what a test reads back from the database."""

from __future__ import annotations

import html
import re
from typing import Any

from sqlalchemy import select

from bot.emulator import SimUser
from locales import t
from storage.models import DialogState, Resident
from storage.stations import station_for_community

LANGS = ["zh", "en"]
TELEGRAM_LANGUAGE = {"zh": "zh-hans", "en": "en"}
JINPOLUO = "110118101202"  # 溪翁庄镇金叵罗村
DONGGEZHUANG = {"西田各庄镇": "110118102201", "不老屯镇": "110118109201"}  # the same name twice


# The demo deployment serves one district: residents see its name where the catalogue says {area}.
AREA = {"zh": "密云区", "en": "Miyun District"}


def shown(lang: str, key: str, /, **fields: object) -> str:
    """A catalogue text as the user sees it (HTML tags gone, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", t(lang, key, **{"area": AREA[lang], **fields})))


def user_for(env: Any, lang: str, user_id: int) -> SimUser:
    return env.user(user_id, TELEGRAM_LANGUAGE[lang])


async def agree(env: Any, user: SimUser, lang: str) -> None:
    """/start, read the welcome, press 'agree': the address question comes with its keyboard."""
    await user.send("/start")
    (welcome,) = await user.wait_for()
    assert t(lang, "onboarding.agree") in welcome.labels
    await user.press(t(lang, "onboarding.agree"))
    await user.wait_until(lambda ms: bool(ms) and t(lang, "onboarding.share_location") in ms[-1].labels)


async def type_address(env: Any, user: SimUser, text: str) -> None:
    await user.send(text)
    await user.wait_for()
    await env.settle()


async def onboard(env: Any, user: SimUser, lang: str, address: str = "溪翁庄镇金叵罗村") -> None:
    """The whole happy path: consent, a matched address, confirm; ends with the station card."""
    await agree(env, user, lang)
    await type_address(env, user, address)
    await user.press(t(lang, "onboarding.confirm"))
    await user.wait_until(lambda ms: t(lang, "station.btn_change") in ms[-1].labels)
    await env.settle()


async def resident_of(env: Any, user: SimUser) -> Resident | None:
    async with env.db.reading() as s:
        return await s.scalar(select(Resident).where(Resident.telegram_user_id == user.user_id))


async def state_of(env: Any, user: SimUser) -> DialogState | None:
    async with env.db.reading() as s:
        return await s.get(DialogState, user.user_id)


async def station_name_for(env: Any, community_code: str) -> tuple[int, str]:
    async with env.db.reading() as s:
        station = await station_for_community(s, community_code)
        assert station is not None
        return station.id, station.name


def expired(user: SimUser) -> bool:
    """Whether the newest button answer is the polite 'expired' alert (in either language)."""
    answer = user.callback_answers()[-1]
    text = answer.get("text") or ""
    return bool(answer.get("show_alert")) and (
        text == t("zh", "common.stale_button") or text == t("en", "common.stale_button"))
