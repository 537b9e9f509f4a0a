"""Simulated people: a resident in a private chat, members of a group, in-process for tests.

Every action turns into an update exactly as Telegram would send it (commands carry a
`bot_command` entity, a press carries the message with its current keyboard). Reading back is
by chat: `messages()` is what the bot shows there now; `wait_for` waits for new bot messages
counted from this chat's last action, so a reply that arrived before the wait is not missed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .markup import find_inline, find_reply
from .state import ChatRecord, Json, UserRecord, World
from .views import ChatMessage

DEFAULT_LOCATION = (40.3764, 116.8431)  # Miyun town centre
_FAKE_JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"


class ChatView:
    """Reading what the bot sent to one chat."""

    def __init__(self, world: World, chat: ChatRecord) -> None:
        self.world = world
        self.chat = chat
        self.mark = 0  # bot messages already accounted for

    @property
    def chat_id(self) -> int:
        return self.chat.id

    def set_mark(self) -> None:
        self.mark = len(self.world.bot_messages.get(self.chat.id, []))

    def messages(self, thread_id: int | None = None) -> list[ChatMessage]:
        """The bot's messages in this chat (edits applied, deleted ones gone)."""
        return [ChatMessage.of(m) for m in self.world.bot_sent(self.chat.id)
                if not m.deleted and (thread_id is None or
                                      m.data.get("message_thread_id") == thread_id)]

    def last(self) -> ChatMessage:
        shown = self.messages()
        if not shown:
            raise LookupError("the bot has sent nothing to this chat")
        return shown[-1]

    async def wait_for(self, n_new: int = 1, timeout: float = 5.0) -> list[ChatMessage]:
        """Wait for `n_new` bot messages after the last action here; returns the new ones."""
        target = self.mark + n_new
        ok = await self.world.chat_signal(self.chat.id).wait_until(
            lambda: len(self.world.bot_messages.get(self.chat.id, [])) >= target, timeout)
        sent = self.world.bot_sent(self.chat.id)
        if not ok:
            raise TimeoutError(f"waited {timeout}s for {n_new} new bot message(s), "
                               f"got {len(sent) - self.mark}")
        new = [ChatMessage.of(m) for m in sent[self.mark:] if not m.deleted]
        self.mark = len(sent)
        return new

    async def wait_until(self, predicate: Callable[[list[ChatMessage]], bool],
                         timeout: float = 5.0) -> list[ChatMessage]:
        """Wait until `predicate(messages())` holds (edits count too); returns messages()."""
        if not await self.world.chat_signal(self.chat.id).wait_until(
                lambda: predicate(self.messages()), timeout):
            raise TimeoutError(f"condition not met within {timeout}s; the chat shows "
                               f"{[m.text for m in self.messages()][-5:]}")
        self.set_mark()
        return self.messages()


class Actor:
    """One user acting in one chat (their private chat, or a group)."""

    def __init__(self, world: World, user: UserRecord, view: ChatView) -> None:
        self.world = world
        self.user = user
        self.view = view

    @property
    def user_id(self) -> int:
        return self.user.id

    def _message(self, content: Json, thread_id: int | None, reply_to: int | None) -> Json:
        chat = self.view.chat
        data: Json = {"message_id": self.world.new_message_id(chat.id), "from": self.user.json(),
                      "chat": chat.json(), "date": int(time.time())}
        if thread_id is not None:
            data["message_thread_id"] = thread_id
            if chat.is_forum:
                data["is_topic_message"] = True
        if reply_to is not None:
            replied = self.world.messages.get((chat.id, reply_to))
            if replied is None:
                raise LookupError(f"no message {reply_to} in chat {chat.id}")
            data["reply_to_message"] = {k: v for k, v in replied.data.items()
                                        if k != "reply_to_message"}
        data.update(content)
        return data

    def _push_message(self, content: Json, thread_id: int | None = None,
                      reply_to: int | None = None) -> int:
        if not self.view.chat.is_group:
            self.user.blocked = False  # writing to a bot restarts it
            self.user.started = True
        else:
            self.view.chat.members.add(self.user.id)
        data = self._message(content, thread_id, reply_to)
        self.world.store(data, from_bot=False)
        self.view.set_mark()
        return self.world.push_update("message", data, user_id=self.user.id)

    async def send(self, text: str, *, thread_id: int | None = None,
                   reply_to: int | None = None) -> int:
        """Send text; a leading /command gets its bot_command entity. Returns the update_id."""
        content: Json = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            length = len(command.encode("utf-16-le")) // 2
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self._push_message(content, thread_id, reply_to)

    async def reply_to(self, message_id: int, text: str, *, thread_id: int | None = None) -> int:
        return await self.send(text, thread_id=thread_id, reply_to=message_id)

    def own_message_ids(self) -> list[int]:
        """Ids of the messages this user sent in this chat, oldest first."""
        chat_id = self.view.chat.id
        return sorted(m.message_id for (cid, _), m in self.world.messages.items()
                      if cid == chat_id and not m.from_bot
                      and m.data.get("from", {}).get("id") == self.user.id)

    async def edit(self, message_id: int, text: str) -> int:
        """Edit one of this user's own text messages, as Telegram allows for 48 hours: the
        message changes in place and the bot gets an ``edited_message`` update. Returns its id."""
        chat = self.view.chat
        stored = self.world.messages.get((chat.id, message_id))
        if stored is None or stored.from_bot or stored.data.get("from", {}).get("id") != self.user.id:
            raise LookupError(f"user {self.user.id} sent no message {message_id} in chat {chat.id}")
        if "text" not in stored.data:
            raise LookupError("only text messages are edited here")
        data = {k: v for k, v in stored.data.items() if k != "entities"}
        data["text"] = text
        data["edit_date"] = int(time.time())
        if text.startswith("/"):
            command = text.split()[0]
            length = len(command.encode("utf-16-le")) // 2
            data["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        stored.data = data
        self.world.touch(chat.id)
        self.view.set_mark()
        return self.world.push_update("edited_message", data, user_id=self.user.id)

    async def send_photo(self, caption: str | None = None, *, data: bytes = _FAKE_JPEG,
                         thread_id: int | None = None, reply_to: int | None = None) -> int:
        stored = self.world.add_file(data, "photo", mime_type="image/jpeg")
        sizes = [stored.json() | {"width": 90, "height": 90},
                 stored.json() | {"width": 1280, "height": 960}]
        content: Json = {"photo": sizes}
        if caption:
            content["caption"] = caption
        return self._push_message(content, thread_id, reply_to)

    async def send_voice(self, duration: int = 3, *, data: bytes = b"OggS" + b"\x00" * 60,
                         thread_id: int | None = None) -> int:
        stored = self.world.add_file(data, "voice", mime_type="audio/ogg")
        return self._push_message({"voice": stored.json() | {"duration": duration}}, thread_id)

    async def send_sticker(self, emoji: str = "👍", *, thread_id: int | None = None) -> int:
        stored = self.world.add_file(b"RIFF" + b"\x00" * 60, "sticker")
        sticker = stored.json() | {"type": "regular", "width": 512, "height": 512,
                                   "is_animated": False, "is_video": False, "emoji": emoji}
        return self._push_message({"sticker": sticker}, thread_id)

    async def send_location(self, latitude: float = DEFAULT_LOCATION[0],
                            longitude: float = DEFAULT_LOCATION[1], *,
                            thread_id: int | None = None) -> int:
        location = {"latitude": float(latitude), "longitude": float(longitude)}
        return self._push_message({"location": location}, thread_id)

    async def send_contact(self, phone: str = "+8613800138000", *,
                           thread_id: int | None = None) -> int:
        """Share one's own contact (as a request_contact button does)."""
        contact: Json = {"phone_number": phone, "first_name": self.user.first_name,
                         "user_id": self.user.id}
        return self._push_message({"contact": contact}, thread_id)

    async def press(self, label: str) -> int:
        """Press a button by its label: the newest inline one, else the reply keyboard's."""
        for stored in reversed(self.world.bot_sent(self.view.chat.id)):
            button = None if stored.deleted else find_inline(stored.data.get("reply_markup"),
                                                             label)
            if button is not None:
                if "callback_data" not in button:
                    raise LookupError(f"button {label!r} sends no callback data: {button}")
                return self._callback(button["callback_data"], stored.message_id)
        keyboard = self.view.chat.reply_keyboard
        button = find_reply(keyboard, label)
        if button is None:
            raise LookupError(f"no button {label!r}; the chat shows "
                              f"{[m.labels for m in self.view.messages()][-3:]}")
        if keyboard and keyboard.get("one_time_keyboard"):
            self.view.chat.reply_keyboard = None
        if button.get("request_contact"):
            return await self.send_contact()
        if button.get("request_location"):
            return await self.send_location()
        return await self.send(label)

    async def press_data(self, data: str, message_id: int) -> int:
        """A callback query with arbitrary (forged or stale) data on a given message."""
        return self._callback(data, message_id)

    def _callback(self, data: str, message_id: int) -> int:
        chat = self.view.chat
        stored = self.world.messages.get((chat.id, message_id))
        if stored is None:
            raise LookupError(f"no message {message_id} in chat {chat.id}")
        query_id = self.world.new_callback(self.user.id, chat.id, message_id, data)
        payload = {"id": query_id, "from": self.user.json(), "message": dict(stored.data),
                   "chat_instance": str(chat.id), "data": data}
        self.view.set_mark()
        return self.world.push_update("callback_query", payload, user_id=self.user.id)

    def callback_answers(self) -> list[Json]:
        """What the bot answered to this user's button presses (None: not answered yet)."""
        return [dict(r.answer or {}) if r.answered else {"unanswered": True}
                for r in self.world.callbacks.values() if r.user_id == self.user.id]

    def duplicate_last_update(self) -> int:
        """Deliver this user's last update once more, with the same update_id."""
        update = self.world.last_update_by_user.get(self.user.id)
        if update is None:
            raise LookupError("this user has sent no update yet")
        self.world.duplicate(update)
        return int(update["update_id"])

    # reading, for convenience: the chat this actor is in
    def messages(self, thread_id: int | None = None) -> list[ChatMessage]:
        return self.view.messages(thread_id)

    def last(self) -> ChatMessage:
        return self.view.last()

    async def wait_for(self, n_new: int = 1, timeout: float = 5.0) -> list[ChatMessage]:
        return await self.view.wait_for(n_new, timeout)

    async def wait_until(self, predicate: Callable[[list[ChatMessage]], bool],
                         timeout: float = 5.0) -> list[ChatMessage]:
        return await self.view.wait_until(predicate, timeout)


class SimUser(Actor):
    """A person in their private chat with the bot."""

    def block(self) -> None:
        """Block the bot: sending to this user now gets 403."""
        self._chat_member_update("member", "kicked")
        self.user.blocked = True

    def unblock(self) -> None:
        self.user.blocked = False
        self._chat_member_update("kicked", "member")

    def _chat_member_update(self, old: str, new: str) -> None:
        payload: Any = {
            "chat": self.view.chat.json(), "from": self.user.json(), "date": int(time.time()),
            "old_chat_member": {"status": old, "user": self.world.bot_json()},
            "new_chat_member": {"status": new, "user": self.world.bot_json()}
            | ({"until_date": 0} if new == "kicked" else {}),
        }
        self.world.push_update("my_chat_member", payload, user_id=self.user.id)


class SimGroup(ChatView):
    """A group or forum supergroup the bot is in; members act through `member(user_id)`."""

    def __init__(self, world: World, chat: ChatRecord, make_user: Callable[[int], UserRecord]
                 ) -> None:
        super().__init__(world, chat)
        self._make_user = make_user
        self._members: dict[int, Actor] = {}

    def member(self, user_id: int) -> Actor:
        if user_id not in self._members:
            self.chat.members.add(user_id)
            self._members[user_id] = Actor(self.world, self._make_user(user_id), self)
        return self._members[user_id]
