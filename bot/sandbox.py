"""`jiazhan sandbox`: the whole bot, offline, in a terminal (or a pipe: script in, transcript out).

It starts the Bot API emulator and the real service on a temporary database with the demo
district. You type as a resident; the bot's messages to every chat you can see are printed,
buttons numbered: type the number to press one. `/as staff`, `/as deputy N`, `/as resident`
switch who you are.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import logging
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import func, select

from locales import t
from storage import Database
from storage.assignees import deputies_at_work
from storage.db import needs_initial_data
from storage.models import Deputy, Resident, Suggestion
from storage.processed_updates import last_update_id

from .emulator import BotApiEmulator, ChatMessage, Limits
from .idle import wait_idle
from .service import Service
from .settings import Settings

__all__ = ["cmd_sandbox", "Sandbox"]

TOKEN = "123456:SANDBOX"
RESIDENT_ID = 1001
STAFF_ID = 9001
STAFF_CHAT = -1001000000001
DEPUTY_BASE = 8_000_000
_TAG = re.compile(r"<[^>]+>")


def plain(text: str | None) -> str:
    return html.unescape(_TAG.sub("", text or ""))


@dataclass
class Sandbox:
    settings: Settings
    out: Any = sys.stdout
    who: str = "resident"
    deputy_id: int | None = None
    emulator: BotApiEmulator = field(init=False)
    service: Service = field(init=False)
    _seen: dict[int, dict[int, tuple[str, list[str]]]] = field(default_factory=dict)
    _answers_seen: set[str] = field(default_factory=set)

    async def start(self) -> None:
        self.emulator = BotApiEmulator(TOKEN, limits=Limits(max_long_poll=1.0))
        root = await self.emulator.start()
        self.settings = self.settings.model_copy(update={
            "bot_token": SecretStr(TOKEN), "bot_api_url": root, "staff_chat_id": STAFF_CHAT,
            "admin_ids": [STAFF_ID],
        })
        db = Database(self.settings.database_url)
        await db.upgrade()
        async with db.reading() as session:  # a reused database has handled updates already
            self.emulator.world.continue_update_ids_after(await last_update_id(session))
        if await needs_initial_data(db):
            from storage.demo import load_demo

            async with db.unit_of_work() as session:
                await load_demo(session, tz=self.settings.tz)
        self.emulator.group(STAFF_CHAT, "家站工作群", admins=(STAFF_ID,))
        self.service = Service(self.settings, db=db, serve_http=False)
        await self.service.start()

    async def stop(self) -> None:
        await self.service.stop()
        await self.emulator.stop()

    # ---- who am I ------------------------------------------------------------------------
    def _lang(self) -> str:
        return "en" if self.settings.locale == "en" else "zh-hans"

    def actor(self) -> Any:
        if self.who == "staff":
            return self.emulator.group(STAFF_CHAT).member(STAFF_ID)
        if self.who == "deputy" and self.deputy_id is not None:
            return self.emulator.user(DEPUTY_BASE + self.deputy_id, f"Deputy{self.deputy_id}",
                                      self._lang())
        return self.emulator.user(RESIDENT_ID, "Resident", self._lang())

    def chat_id(self) -> int:
        return STAFF_CHAT if self.who == "staff" else self.actor().user_id

    async def become(self, words: list[str]) -> str:
        if words[:1] == ["staff"]:
            self.who = "staff"
        elif words[:1] == ["deputy"] and len(words) == 1:
            return await self._deputy_list()
        elif words[:1] == ["deputy"] and len(words) > 1 and words[1].isdigit():
            deputy_id = int(words[1])
            async with self.service.db.unit_of_work() as session:
                deputy = await session.get(Deputy, deputy_id)
                if deputy is None:
                    return t(self.settings.locale, "sandbox.no_deputy", id=deputy_id)
                linked = await session.scalar(select(Deputy).where(
                    Deputy.telegram_user_id == DEPUTY_BASE + deputy_id))
                if linked is None:  # the sandbox links the account as an invitation would
                    deputy.telegram_user_id = DEPUTY_BASE + deputy_id
            self.who, self.deputy_id = "deputy", deputy_id
        else:
            self.who = "resident"
        return t(self.settings.locale, f"sandbox.now_{self.who}", id=self.deputy_id or "")

    async def _deputy_list(self) -> str:
        """``/as deputy`` alone: the deputies worth trying, with the numbers to type."""
        loc = self.settings.locale
        async with self.service.db.reading() as session:
            resident = await session.scalar(
                select(Resident).where(Resident.telegram_user_id == RESIDENT_ID))
            total = await session.scalar(select(func.count()).select_from(Deputy))
            deputies = await deputies_at_work(
                session, station_id=resident.station_id if resident is not None else None)
        lines = [t(loc, "sandbox.deputy_list", total=total or 0)]
        lines += [t(loc, "sandbox.deputy_line", id=d.id, name=d.name,
                    level=t(loc, f"cards.level.{d.level.value}")) for d in deputies]
        return "\n# ".join(lines)

    async def newest_card(self) -> int | None:
        """The message id of the newest suggestion card in the staff group."""
        async with self.service.db.reading() as session:
            return await session.scalar(
                select(Suggestion.card_message_id)
                .where(Suggestion.card_chat_id == STAFF_CHAT,
                       Suggestion.card_message_id.is_not(None))
                .order_by(Suggestion.card_message_id.desc()).limit(1))

    # ---- input ---------------------------------------------------------------------------
    async def handle(self, line: str) -> bool:
        """One line of input; False to stop."""
        line = line.strip()
        if not line:
            return True
        words = line.split()
        if words[0] in ("/quit", "/exit"):
            return False
        if words[0] == "/as":
            self.say(await self.become(words[1:]))
        elif line.isdigit():
            await self.press(int(line))
        elif words[0] == "/location" and len(words) == 3:
            await self.actor().send_location(float(words[1]), float(words[2]))
        elif words[0] == "/contact":
            await self.actor().send_contact()
        elif words[0] == "/photo":
            await self.actor().send_photo()
        elif words[0] == "/voice":
            await self.actor().send_voice()
        elif words[0] == "/sticker":
            await self.actor().send_sticker()
        elif words[0] == "/reply" and self.who == "staff":
            card = await self.newest_card()
            if card is None:
                self.say(t(self.settings.locale, "sandbox.no_card"))
            else:
                await self.actor().reply_to(card, line[len("/reply"):].strip())
        else:
            await self.actor().send(line)
        # Messages paced by Telegram's limits (1 a second per chat) are shown with this input.
        await wait_idle(self.emulator, self.service, timeout=15.0, horizon=4.0)
        self.show_new()
        return True

    def _messages(self, chat_id: int) -> list[ChatMessage]:
        if chat_id < 0:
            return self.emulator.group(chat_id).messages()
        return self.emulator.user(chat_id).messages()

    async def press(self, number: int) -> None:
        chat_id = self.chat_id()
        for message in reversed(self._messages(chat_id)):
            labels = message.labels
            if labels:
                if 1 <= number <= len(labels):
                    await self.actor().press(labels[number - 1])
                else:
                    self.say(t(self.settings.locale, "sandbox.no_button", n=number))
                return
        self.say(t(self.settings.locale, "sandbox.no_button", n=number))

    # ---- output --------------------------------------------------------------------------
    def say(self, text: str) -> None:
        print(f"# {text}", file=self.out, flush=True)

    def _chat_label(self, chat_id: int) -> str:
        loc = self.settings.locale
        if chat_id == STAFF_CHAT:
            return t(loc, "sandbox.chat_staff")
        if chat_id == RESIDENT_ID:
            return t(loc, "sandbox.chat_resident")
        return t(loc, "sandbox.chat_deputy", id=chat_id - DEPUTY_BASE)

    def _show_answers(self) -> None:
        """What the bot answered to button presses: a toast, or an alert the person must close."""
        loc = self.settings.locale
        for record in self.emulator.world.callbacks.values():
            if record.id in self._answers_seen or not record.answered:
                continue
            self._answers_seen.add(record.id)
            text = (record.answer or {}).get("text")
            if text:
                alert = (record.answer or {}).get("show_alert")
                print(t(loc, "sandbox.alert" if alert else "sandbox.toast", text=text),
                      file=self.out, flush=True)

    def show_new(self) -> None:
        self._show_answers()
        chats = [RESIDENT_ID, STAFF_CHAT] + [
            uid for uid in self.emulator.world.users if uid >= DEPUTY_BASE
        ]
        for chat_id in chats:
            if chat_id > 0 and chat_id not in self.emulator.world.chats:
                continue
            seen = self._seen.setdefault(chat_id, {})
            for m in self._messages(chat_id):
                shown = (plain(m.text) or f"[{m.media}]", m.labels)
                if seen.get(m.message_id) == shown:
                    continue
                edited = m.message_id in seen
                seen[m.message_id] = shown
                self._print_message(chat_id, shown, edited)

    def _print_message(self, chat_id: int, shown: tuple[str, list[str]], edited: bool) -> None:
        text, labels = shown
        mark = t(self.settings.locale, "sandbox.edited") if edited else ""
        print(f"── {self._chat_label(chat_id)}{mark}", file=self.out)
        print(text, file=self.out)
        if labels:
            print("  ".join(f"[{i}] {label}" for i, label in enumerate(labels, 1)), file=self.out)
        self.out.flush()


async def _repl(sandbox: Sandbox, interactive: bool) -> None:
    loop = asyncio.get_running_loop()
    sandbox.say(t(sandbox.settings.locale, "sandbox.welcome"))
    while True:
        if interactive:
            print(f"{sandbox.who}> ", end="", flush=True)
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        if not interactive:
            print(f"{sandbox.who}> {line.rstrip()}", file=sandbox.out, flush=True)
        if not await sandbox.handle(line):
            break


def cmd_sandbox(args: argparse.Namespace, settings: Settings) -> int:
    # The transcript is the output: the service's own start/stop lines would only clutter it.
    logging.getLogger("telegram").setLevel(max(logging.WARNING, logging.getLogger().level))

    async def go() -> None:
        with tempfile.TemporaryDirectory(prefix="jiazhan-sandbox-") as tmp:
            url = args.database or f"sqlite+aiosqlite:///{Path(tmp) / 'sandbox.sqlite3'}"
            sandbox = Sandbox(settings.model_copy(update={"database_url": url}))
            await sandbox.start()
            try:
                await _repl(sandbox, sys.stdin.isatty())
            finally:
                await sandbox.stop()

    asyncio.run(go())
    return 0
