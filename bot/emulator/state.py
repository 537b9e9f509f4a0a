"""What the emulated Telegram knows: users, chats, messages, files, the update queue, the log.

Everything is plain in-memory data owned by one `World`; the HTTP layer and the simulated users
both change it, and `Signal` wakes whoever waits (long polls, tests waiting for the bot).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]
BOT_ID = 123456
DEFAULT_TYPES = frozenset({
    "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
    "business_message", "edited_business_message", "deleted_business_messages", "inline_query",
    "chosen_inline_result", "callback_query", "shipping_query", "pre_checkout_query",
    "purchased_paid_media", "poll", "poll_answer", "my_chat_member", "chat_join_request",
    "chat_boost", "removed_chat_boost",
})  # every type but chat_member and message_reaction(_count): those must be asked for


class Signal:
    """Wakes every waiter; cheap to fire from synchronous code."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def fire(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait(self, timeout: float) -> None:
        """Return at the next `fire()` or after `timeout` seconds, whichever comes first."""
        if timeout <= 0:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            # asyncio.wait, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # arrives as the waiter completes, and a cancelled worker would then run forever.
            await asyncio.wait({waiter}, timeout=timeout)
        finally:
            self._waiters.discard(waiter)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait until `predicate()` holds; False if it still does not after `timeout`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            left = deadline - loop.time()
            if left <= 0:
                return False
            await self.wait(left)
        return True


@dataclass(slots=True)
class UserRecord:
    id: int
    first_name: str
    language_code: str | None = "zh-hans"
    username: str | None = None
    last_name: str | None = None
    blocked: bool = False
    started: bool = True

    def json(self) -> Json:
        data: Json = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data


@dataclass(slots=True)
class ChatRecord:
    id: int
    type: str  # private, group, supergroup
    title: str | None = None
    first_name: str | None = None
    username: str | None = None
    is_forum: bool = False
    admins: tuple[int, ...] = ()
    members: set[int] = field(default_factory=set)
    reply_keyboard: Json | None = None  # the keyboard a client shows now
    topics: dict[int, str] = field(default_factory=dict)  # forum topics: thread id -> name
    message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def is_group(self) -> bool:
        return self.type != "private"

    def json(self) -> Json:
        data: Json = {"id": self.id, "type": self.type}
        if self.title:
            data["title"] = self.title
        if self.first_name:
            data["first_name"] = self.first_name
        if self.username:
            data["username"] = self.username
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass(slots=True)
class StoredMessage:
    """A message in a chat; `data` is the current Message object (edits applied)."""

    data: Json
    from_bot: bool
    deleted: bool = False
    reply_keyboard: Json | None = None  # a reply keyboard or its removal sent with it

    @property
    def chat_id(self) -> int:
        return int(self.data["chat"]["id"])

    @property
    def message_id(self) -> int:
        return int(self.data["message_id"])


@dataclass(slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    kind: str
    file_name: str | None = None
    mime_type: str | None = None

    def json(self) -> Json:
        data: Json = {"file_id": self.file_id, "file_unique_id": self.file_unique_id,
                      "file_size": len(self.data)}
        if self.file_name:
            data["file_name"] = self.file_name
        if self.mime_type:
            data["mime_type"] = self.mime_type
        return data


@dataclass(slots=True)
class CallbackRecord:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answered: bool = False
    answer: Json | None = None


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One Bot API call as the emulator saw it."""

    at: float  # the emulator's clock
    method: str
    chat_id: int | str | None
    status: int  # 0: an injected disconnect
    description: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(slots=True)
class WebhookConfig:
    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


class World:
    """The emulated server's whole state."""

    def __init__(self, *, bot_username: str) -> None:
        self.bot_username = bot_username
        self.users: dict[int, UserRecord] = {}
        self.chats: dict[int, ChatRecord] = {}
        self.messages: dict[tuple[int, int], StoredMessage] = {}
        self.bot_messages: dict[int, list[int]] = {}  # chat id -> ids in sending order
        self.files: dict[str, StoredFile] = {}
        self.callbacks: dict[str, CallbackRecord] = {}
        self.pending: list[Json] = []  # updates not yet confirmed, in order
        self.redeliver: list[Json] = []  # duplicated updates to deliver once more
        self.allowed_updates: list[str] | None = None
        self.webhook = WebhookConfig()
        self.commands: dict[str, list[Json]] = {}
        self.calls: list[CallRecord] = []
        self.violations: list[str] = []
        self.refusals: list[str] = []
        self.updates_changed = Signal()
        self.chats_changed = Signal()  # any chat changed (waiting on many chats at once)
        self._chat_signals: dict[int, Signal] = {}
        self.chat_versions: dict[int, int] = {}
        self.last_update_by_user: dict[int, Json] = {}
        self._update_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)

    # -- bot identity ---------------------------------------------------------------------

    def bot_json(self) -> Json:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Jiazhan Test",
                "username": self.bot_username}

    # -- updates --------------------------------------------------------------------------

    def continue_update_ids_after(self, update_id: int) -> None:
        """Number the next updates after ``update_id``, as Telegram does for a bot that has
        already received updates (a database reused by a new emulator has handled those ids)."""
        self._update_ids = itertools.count(update_id + 1)

    def push_update(self, kind: str, payload: Json, *, user_id: int) -> int:
        """Queue an update (unless the bot's allowed_updates exclude its kind); its id."""
        update_id = next(self._update_ids)
        update = {"update_id": update_id, kind: payload}
        allowed = set(self.allowed_updates) if self.allowed_updates else DEFAULT_TYPES
        if kind not in allowed:
            return update_id
        self.pending.append(update)
        self.last_update_by_user[user_id] = update
        self.updates_changed.fire()
        return update_id

    def duplicate(self, update: Json) -> None:
        self.redeliver.append(update)
        self.updates_changed.fire()

    # -- chats and messages ---------------------------------------------------------------

    def new_message_id(self, chat_id: int) -> int:
        return next(self.chats[chat_id].message_ids)

    def store(self, data: Json, *, from_bot: bool) -> StoredMessage:
        message = StoredMessage(data, from_bot)
        self.messages[(message.chat_id, message.message_id)] = message
        if from_bot:
            self.bot_messages.setdefault(message.chat_id, []).append(message.message_id)
        self.touch(message.chat_id)
        return message

    def touch(self, chat_id: int) -> None:
        self.chat_versions[chat_id] = self.chat_versions.get(chat_id, 0) + 1
        self.chat_signal(chat_id).fire()
        self.chats_changed.fire()

    def wake_all(self) -> None:
        """Wake every waiter (shutting down)."""
        for signal in (self.updates_changed, self.chats_changed, *self._chat_signals.values()):
            signal.fire()

    def chat_signal(self, chat_id: int) -> Signal:
        """Fired whenever something changes in one chat (cheap with many waiting chats)."""
        signal = self._chat_signals.get(chat_id)
        if signal is None:
            signal = self._chat_signals[chat_id] = Signal()
        return signal

    def bot_sent(self, chat_id: int) -> list[StoredMessage]:
        """Every message the bot sent to a chat, in order, deleted ones included."""
        return [self.messages[(chat_id, mid)] for mid in self.bot_messages.get(chat_id, [])]

    # -- files and callbacks --------------------------------------------------------------

    def add_file(self, data: bytes, kind: str, *, file_name: str | None = None,
                 mime_type: str | None = None) -> StoredFile:
        number = next(self._file_ids)
        stored = StoredFile(f"{kind}-{number:06d}-emu", f"u{number:06d}", data, kind,
                            file_name, mime_type)
        self.files[stored.file_id] = stored
        return stored

    def new_callback(self, user_id: int, chat_id: int, message_id: int, data: str) -> str:
        query_id = f"{next(self._callback_ids)}{int(time.time())}"
        self.callbacks[query_id] = CallbackRecord(query_id, user_id, chat_id, message_id, data)
        return query_id
