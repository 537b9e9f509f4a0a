"""What the suggestion e2e tests share: a resident with a station (made directly in the
database, independent of onboarding), the steps through /suggest by catalogue labels (so every
step works in both languages), and reading back what was stored."""

from __future__ import annotations

import html
import re
from typing import Any

from sqlalchemy import func, select

from bot.emulator import SimUser
from locales import t
from storage.models import (
    Category,
    Deputy,
    DeputyStation,
    OutboxMessage,
    Resident,
    StationCoverage,
    Suggestion,
)

LANGS = ["zh", "en"]
TELEGRAM_LANGUAGE = {"zh": "zh-hans", "en": "en"}
TICKET = re.compile(r"\b(\d{4}-\d{6})\b")


def shown(lang: str, key: str, **fields: object) -> str:
    """A catalogue text as the user sees it (HTML tags gone, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", t(lang, key, **fields)))


async def resident_with_station(env: Any, user_id: int, lang: str) -> tuple[SimUser, Resident]:
    """A consented resident of a station that has deputies, written straight to the database."""
    async with env.db.unit_of_work() as s:
        coverage = await s.scalar(
            select(StationCoverage)
            .join(DeputyStation, DeputyStation.station_id == StationCoverage.station_id)
            .order_by(StationCoverage.community_code)
            .limit(1)
        )
        assert coverage is not None
        resident = Resident(telegram_user_id=user_id, chat_id=user_id, locale=lang,
                            community_code=coverage.community_code,
                            station_id=coverage.station_id, consent_at=env.clock.now())
        s.add(resident)
    return env.user(user_id, TELEGRAM_LANGUAGE[lang]), resident


async def category_label(env: Any, lang: str, code: str = "urban") -> str:
    async with env.db.reading() as s:
        category = await s.get(Category, code)
        assert category is not None
        return category.name_en if lang == "en" else category.name_zh


async def station_deputy_names(env: Any, station_id: int) -> list[str]:
    async with env.db.reading() as s:
        rows = await s.scalars(select(Deputy.name).join(
            DeputyStation, DeputyStation.deputy_id == Deputy.id).where(
            DeputyStation.station_id == station_id))
        return list(rows)


async def press_and_wait(user: SimUser, label: str, n: int = 1) -> list[Any]:
    await user.press(label)
    return await user.wait_for(n)


async def send_and_wait(user: SimUser, text: str, n: int = 1) -> list[Any]:
    await user.send(text)
    return await user.wait_for(n)


async def write_until_preview(env: Any, user: SimUser, lang: str, texts: list[str],
                              photos: int = 1, share: bool = True) -> Any:
    """From /suggest to the preview: category, texts, photos, no location, all deputies,
    identity (contact button) or anonymous. Returns the preview message."""
    await send_and_wait(user, "/suggest")
    await press_and_wait(user, await category_label(env, lang))  # the choice shown, then text
    for text in texts:
        (ack,) = await send_and_wait(user, text)
        assert t(lang, "suggest.button_text_done") in ack.labels
    await press_and_wait(user, t(lang, "suggest.button_text_done"))
    for _ in range(photos):
        await user.send_photo()
        await user.wait_for()
    done = "suggest.button_photos_done" if photos else "suggest.button_skip"
    (location_prompt,) = await press_and_wait(user, t(lang, done))
    assert t(lang, "suggest.button_send_location") in location_prompt.keyboard[0]
    await press_and_wait(user, t(lang, "suggest.button_no_location"), 2)
    await press_and_wait(user, t(lang, "suggest.button_all_deputies"))
    if share:
        await press_and_wait(user, t(lang, "suggest.button_share"))
        await user.press(t(lang, "suggest.button_send_contact"))  # request_contact: sends it
        thanks, preview = await user.wait_for(2)
        assert thanks.remove_keyboard
    else:
        (preview,) = await press_and_wait(user, t(lang, "suggest.button_anonymous"))
    assert t(lang, "suggest.button_confirm") in preview.labels
    return preview


async def suggestions_of(env: Any, user_id: int) -> list[Suggestion]:
    async with env.db.reading() as s:
        resident = await s.scalar(select(Resident).where(Resident.telegram_user_id == user_id))
        assert resident is not None
        return list(await s.scalars(select(Suggestion).where(
            Suggestion.resident_id == resident.id).order_by(Suggestion.id)))


async def outbox_rows(env: Any, suggestion_id: int, purpose: str) -> int:
    async with env.db.reading() as s:
        return int(await s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.suggestion_id == suggestion_id, OutboxMessage.purpose == purpose)) or 0)
