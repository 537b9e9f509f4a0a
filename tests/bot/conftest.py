"""An emulator without flood limits and a plain Bot API client talking to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import telegram

from bot.emulator import BotApiEmulator, Limits


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    emu = BotApiEmulator(limits=Limits.unlimited())
    await emu.start()
    yield emu
    await emu.stop()


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(emulator.token, base_url=emulator.root + "/bot",
                            base_file_url=emulator.root + "/file/bot") as b:
        yield b
