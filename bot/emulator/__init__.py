"""A strict Telegram Bot API emulator for tests, the sandbox and benchmarks.

    emulator = BotApiEmulator(limits=Limits())
    root = await emulator.start()           # e.g. "http://127.0.0.1:40123"
    bot = telegram.Bot(emulator.token, base_url=root + "/bot", base_file_url=root + "/file/bot")
    resident = emulator.user(1001, "Li")
    await resident.send("/start")
    reply = await resident.wait_for()
    assert emulator.violations == []

The method table is generated from the official Bot API description by `make_table.py`
(PaulSonOfLars/telegram-bot-api-spec, MIT). `EmulatorClient` drives an emulator in another
process through its HTTP control API (`/_emulator/...`); `python -m bot.emulator` runs one.
"""

from __future__ import annotations

from .client import EmulatorClient, RemoteActor
from .errors import ApiError
from .limits import Limits
from .server import BotApiEmulator
from .state import BOT_ID, CallRecord
from .users import Actor, ChatView, SimGroup, SimUser
from .views import ChatMessage

__all__ = [
    "BOT_ID",
    "Actor",
    "ApiError",
    "BotApiEmulator",
    "CallRecord",
    "ChatMessage",
    "ChatView",
    "EmulatorClient",
    "Limits",
    "RemoteActor",
    "SimGroup",
    "SimUser",
]
