"""The webhook lets nobody in without the secret and answers malformed bodies with a 400."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.emulator import BotApiEmulator, Limits
from bot.service import Service
from bot.settings import Settings
from bot.web import MAX_UPDATE_BYTES, RefusalLog

TOKEN = "123456:HOOK"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _forged(update_id: int, user_id: int = 42) -> dict[str, object]:
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": 0, "chat": {"id": user_id, "type": "private"},
        "from": {"id": user_id, "is_bot": False, "first_name": "X", "language_code": "en"},
        "text": "/help", "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}}


@pytest.fixture
async def hooked(tmp_path: Path) -> AsyncIterator[tuple[BotApiEmulator, Service, str]]:
    """A webhook service started WITHOUT JIAZHAN_WEBHOOK_SECRET."""
    emulator = BotApiEmulator(TOKEN, limits=Limits(max_long_poll=1.0, webhook_retry_delay=0.05))
    await emulator.start()
    port = _free_port()
    settings = Settings(bot_token=TOKEN, bot_api_url=emulator.root, listen_port=port,
                        database_url=f"sqlite+aiosqlite:///{tmp_path / 'hook.sqlite3'}",
                        webhook_url=f"http://127.0.0.1:{port}/telegram")
    service = Service(settings)
    await service.start(webhook=True)
    yield emulator, service, f"http://127.0.0.1:{port}/telegram"
    await service.stop()
    await emulator.stop()


async def test_without_a_configured_secret_a_strong_one_is_registered(
    hooked: tuple[BotApiEmulator, Service, str],
) -> None:
    emulator, service, url = hooked
    registered = emulator.world.webhook.secret_token
    assert registered and len(registered) >= 32 and registered == service.webhook_secret
    user = emulator.user(2101, language_code="en")
    await user.send("/help")
    assert "I can help you" in (await user.wait_for())[-1].text
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {HEADER: ""}, {HEADER: "guess"}):
            async with http.post(url, json=_forged(900 + len(headers), 2101),
                                 headers=headers) as resp:
                assert resp.status == 403
    assert len(user.messages()) == 1  # the forged /help was not answered
    assert emulator.violations == []


async def test_malformed_bodies_get_400_and_no_traceback(
    hooked: tuple[BotApiEmulator, Service, str], caplog: pytest.LogCaptureFixture
) -> None:
    emulator, service, url = hooked
    secret = {HEADER: service.webhook_secret, "Content-Type": "application/json"}
    deep = b'{"update_id": 7, "message": ' + b'{"a": ' * 20_000 + b"1" + b"}" * 20_001
    bodies = {
        "string message": b'{"update_id": 1, "message": "x"}',
        "message of nothing": b'{"update_id": 2, "message": {}}',
        "list message": b'{"update_id": 3, "message": [1, 2]}',
        "deep nesting": deep,
        "moderate nesting": b'{"update_id": 8, "message": ' + b'{"a": ' * 200 + b"1" + b"}" * 201,
        "update_id 2^70": b'{"update_id": %d, "message": {"message_id": 1}}' % 2**70,
        "negative update_id": b'{"update_id": -5, "message": {}}',
        "update_id as text": b'{"update_id": "9", "message": {}}',
        "no update_id": b'{"message": {}}',
        "only update_id": b'{"update_id": 10}',
        "array": b"[1, 2, 3]",
        "not JSON": b"\xff\xfe not json",
        "empty": b"",
    }
    statuses: dict[str, int] = {}
    with caplog.at_level(logging.DEBUG):
        async with aiohttp.ClientSession() as http:
            for name, body in bodies.items():
                async with http.post(url, data=body, headers=secret) as resp:
                    statuses[name] = resp.status
            huge = b'{"update_id": 11, "message": {"text": "' + b"a" * MAX_UPDATE_BYTES + b'"}}'
            async with http.post(url, data=huge, headers=secret) as resp:
                statuses["huge"] = resp.status
    assert statuses == {**{name: 400 for name in bodies}, "huge": 413}
    assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()
                or r.levelno >= logging.ERROR]
    # and the service is still fine
    user = emulator.user(2102, language_code="en")
    await user.send("/help")
    assert "I can help you" in (await user.wait_for())[-1].text
    assert emulator.violations == []


async def test_a_flood_of_wrong_secrets_writes_one_log_line(
    hooked: tuple[BotApiEmulator, Service, str], caplog: pytest.LogCaptureFixture
) -> None:
    _emulator, _service, url = hooked
    with caplog.at_level(logging.INFO, logger="jiazhan.web"):
        async with aiohttp.ClientSession() as http:
            for n in range(300):
                async with http.post(url, json=_forged(n), headers={HEADER: f"x{n}"}) as resp:
                    assert resp.status == 403
    lines = [r for r in caplog.records if r.name == "jiazhan.web"]
    assert len(lines) == 1, [r.getMessage() for r in lines]


def test_refusals_are_counted_into_one_line_a_minute(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    refusals = RefusalLog("wrong secret token", every=60.0, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="jiazhan.web"):
        for second in range(0, 180):
            now[0] = float(second)
            for _ in range(10):
                refusals.note()
    lines = [r.getMessage() for r in caplog.records if r.name == "jiazhan.web"]
    assert lines == ["refused 1 webhook call(s): wrong secret token",
                     "refused 600 webhook call(s): wrong secret token",
                     "refused 600 webhook call(s): wrong secret token"]
