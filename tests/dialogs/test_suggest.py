"""/suggest end to end, in both languages: the whole walk to a ticket number and the staff card,
and that the suggestion is committed (with its staff card in the outbox) before the resident
sees the number, and survives a stop right after."""

from __future__ import annotations

import inspect
import sqlite3
from typing import Any

import pytest
from suggest_world import (
    LANGS,
    TICKET,
    outbox_rows,
    resident_with_station,
    suggestions_of,
    write_until_preview,
)

from locales import t
from storage.models import SuggestionStatus

pytestmark = pytest.mark.parametrize("lang", LANGS)


def _watch_ticket_messages(env: Any, chat_id: int, db_file: str) -> list[tuple[str, int, int]]:
    """At the moment the bot sends a message with a ticket number to ``chat_id``, read the
    database file with a separate connection (it sees only committed data)."""
    seen: list[tuple[str, int, int]] = []
    handlers = env.emulator._handlers
    original = handlers["sendMessage"]

    def watching(params: dict[str, Any], files: Any) -> Any:
        match = TICKET.search(str(params.get("text", "")))
        if int(params["chat_id"]) != chat_id or not match:
            return original(params, files)
        with sqlite3.connect(db_file) as conn:
            found = conn.execute("SELECT id FROM suggestions WHERE ticket = ?",
                                 (match.group(1),)).fetchone()
            cards = conn.execute(
                "SELECT count(*) FROM outbox WHERE purpose = 'staff_card' AND suggestion_id = ?",
                (found[0] if found else -1,)).fetchone()[0]
        entry = (match.group(1), 1 if found else 0, cards)
        result = original(params, files)  # a refusal (a 429 under load) raises: not shown
        if inspect.isawaitable(result):
            async def shown() -> Any:
                value = await result
                seen.append(entry)
                return value

            return shown()
        seen.append(entry)
        return result

    handlers["sendMessage"] = watching
    return seen


async def test_walk_to_a_ticket_and_the_staff_card(env, lang: str) -> None:
    user, resident = await resident_with_station(env, 2001, lang)
    seen = _watch_ticket_messages(env, user.user_id, env.db_url.split("///", 1)[1])
    preview = await write_until_preview(env, user, lang, ["路口的路灯坏了。", "晚上很黑，老人出门不方便。"])
    assert "路口的路灯坏了。\n晚上很黑" in preview.text
    await user.press(t(lang, "suggest.button_confirm"))
    (done,) = await user.wait_for()
    ticket = TICKET.search(done.text).group(1)  # type: ignore[union-attr]
    due = "2026年11月28日（周六）" if lang == "zh" else "Sat 2026-11-28"
    assert due in done.text
    assert seen == [(ticket, 1, 1)]  # committed, with its staff card, before it was shown

    (stored,) = await suggestions_of(env, user.user_id)
    assert stored.ticket == ticket and stored.status is SuggestionStatus.NEW
    assert stored.text == "路口的路灯坏了。\n晚上很黑，老人出门不方便。"
    assert stored.category_code == "urban" and stored.station_id == resident.station_id
    assert stored.share_identity and stored.contact_phone == "+8613800138000"
    assert stored.addressed_deputy_id is None and stored.latitude is None

    await env.settle()
    staff = env.staff_group.messages()
    card = next(m for m in staff if m.text and ticket in m.text and "路口的路灯坏了" in m.text)
    assert "+8613800138000" in card.text and "2026-11-28 24:00" in card.text  # the deadline, once
    assert any(m.media == "photo" and ticket in (m.text or "") for m in staff)
    assert await outbox_rows(env, stored.id, "staff_card") == 1
    assert env.emulator.violations == []


async def test_anonymous_suggestion_shows_nobody_to_staff(env, lang: str) -> None:
    user, _ = await resident_with_station(env, 2002, lang)
    await write_until_preview(env, user, lang, ["公园的长椅坏了"], photos=0, share=False)
    await user.press(t(lang, "suggest.button_confirm"))
    await user.wait_for()
    await env.settle()
    (stored,) = await suggestions_of(env, user.user_id)
    assert not stored.share_identity and stored.contact_phone is None
    card = next(m for m in env.staff_group.messages() if stored.ticket in (m.text or ""))
    assert t("zh", "cards.anonymous") in card.text
    assert "1001" not in card.text and str(user.user_id) not in card.text


async def test_stopping_right_after_the_ticket_loses_nothing(env, lang: str) -> None:
    user, _ = await resident_with_station(env, 2003, lang)
    await write_until_preview(env, user, lang, ["河道里有垃圾"], photos=1)
    await user.press(t(lang, "suggest.button_confirm"))
    (done,) = await user.wait_for()
    ticket = TICKET.search(done.text).group(1)  # type: ignore[union-attr]
    await env.restart()  # stopped right after the resident saw the number
    (stored,) = await suggestions_of(env, user.user_id)
    assert stored.ticket == ticket and stored.text == "河道里有垃圾"
    await env.settle()
    cards = [m for m in env.staff_group.messages() if "河道里有垃圾" in (m.text or "")]
    assert len(cards) == 1 and ticket in cards[0].text
    assert await outbox_rows(env, stored.id, "staff_card") == 1
