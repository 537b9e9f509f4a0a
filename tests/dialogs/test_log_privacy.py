"""DEBUG logging end to end: a resident's whole suggestion and a staff answer, with every logger
at DEBUG, leave no bot token, message text, phone or user id in the log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from suggest_world import TICKET, resident_with_station, write_until_preview
from triage_world import STAFF_A

from bot.log_privacy import install_log_privacy
from locales import t

RESIDENT = 731942658
TEXT = "东门外的下水道井盖松动了"
ANSWER = "井盖已经固定好了，谢谢提醒"
PHONE = "13800138000"


@pytest.fixture
def debug_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every logger at DEBUG from before the service starts."""
    caplog.set_level(logging.DEBUG)
    yield caplog


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


async def test_debug_log_of_a_whole_flow_holds_no_token_and_no_personal_data(
    debug_log: pytest.LogCaptureFixture, env: Any
) -> None:
    user, _ = await resident_with_station(env, RESIDENT, "zh")
    await write_until_preview(env, user, "zh", [TEXT], photos=1, share=True)
    await user.press(t("zh", "suggest.button_confirm"))
    (done,) = await user.wait_for()
    ticket_number = TICKET.search(done.text).group(1)  # type: ignore[union-attr]
    await env.settle()
    async with env.db.reading() as s:
        from sqlalchemy import select

        from storage.models import Suggestion

        suggestion = await s.scalar(select(Suggestion).where(Suggestion.ticket == ticket_number))
    assert suggestion is not None and suggestion.contact_phone is not None
    card = next(m for m in env.staff_group.messages() if ticket_number in (m.text or ""))
    await env.staff_group.member(STAFF_A).reply_to(card.message_id, ANSWER)
    await user.wait_until(lambda ms: any(ANSWER in (m.text or "") for m in ms))
    await env.settle()

    token = env.settings.bot_token.get_secret_value()
    log = everything_logged(debug_log)
    assert "sendMessage" in log and len(debug_log.records) > 100  # DEBUG really was captured
    for secret in (token, TEXT, "下水道", ANSWER, PHONE, str(RESIDENT)):
        assert secret not in log, f"{secret!r} leaked into the DEBUG log"
    assert env.emulator.violations == []


def test_token_in_an_exception_and_in_a_url_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    token = "7712345678:AAE-secret_TOKEN_value_abcdefghijklmno"
    install_log_privacy(token)
    caplog.set_level(logging.DEBUG)
    url = f"https://api.telegram.org/bot{token}/getUpdates"
    try:
        raise ConnectionError(f"cannot reach {url}")
    except ConnectionError:
        logging.getLogger("jiazhan.test").exception("request to %s failed", url)
    logging.getLogger("aiohttp.client").debug("GET %s with %s", url, {"text": "私信内容"})
    logging.getLogger("telegram.ext.ExtBot").debug(
        "Calling Bot API endpoint `%s` with parameters `%s`", "sendMessage",
        {"chat_id": RESIDENT, "text": "私信内容"},
    )
    log = everything_logged(caplog)
    assert token not in log and "AAE-secret" not in log and "私信内容" not in log
    assert str(RESIDENT) not in log
    assert "https://api.telegram.org/bot<token>/getUpdates" in log
    assert "Calling Bot API endpoint `sendMessage`" in log  # the method name stays
