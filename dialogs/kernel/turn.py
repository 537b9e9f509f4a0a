"""A Turn is one update being handled: the unit of work, who is talking, in which language, where
they are in a dialog, and what to say back once the change is committed."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import (
    ForceReply,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)

from dialogs.kernel.callbacks import CallbackData, decode
from dialogs.kernel.context import DialogConfig, Services
from locales import pick_locale, t
from storage.area import Area, load_area
from storage.dialog_state import load_person
from storage.models import DialogState, Resident
from storage.outbox import OutboxPurpose, enqueue

__all__ = ["Turn", "Reply", "Markup", "escape", "cached_area", "refresh_area", "AREA_CACHE"]

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply | None
_UNSET: Any = object()
# Dialog data that outlives the dialog that wrote it: a suggestion draft is kept through /cancel
# and through detours into other dialogs, until its own flow lets it go with `drop_kept()`.
KEPT_KEYS: tuple[str, ...] = ("draft",)


AREA_CACHE = "area"


async def cached_area(session: AsyncSession, services: Services) -> Area:
    """The service area, read once per process (``refresh_area`` renews it with the router)."""
    area = services.cache.get(AREA_CACHE)
    if not isinstance(area, Area) or not area.districts:  # nothing loaded yet: ask again
        area = await refresh_area(session, services)
    return area


async def refresh_area(session: AsyncSession, services: Services) -> Area:
    config = services.config
    area = await load_area(session, config.area_name, config.area_name_en)
    services.cache[AREA_CACHE] = area
    return area


def escape(text: str | None) -> str:
    """User-provided text inside our HTML messages."""
    return html.escape(text or "", quote=False)


@dataclass
class Reply:
    """Something to do in the current chat after the transaction commits."""

    kind: str  # text | edit | toast | document | photo | venue | location | later
    text: str = ""
    markup: Markup = None
    alert: bool = False
    filename: str = ""
    content: bytes = b""
    # A file drawn after the commit, in a worker thread (a chart, a document): not under the
    # transaction's locks, not on the event loop.
    render: Callable[[], bytes] | None = None
    latitude: float = 0.0
    longitude: float = 0.0
    title: str = ""
    # kind "later": slow work (a report's queries and charts) run after the commit, outside the
    # transaction and SQLite's write lock, given the bot; it sends what it makes itself.
    later: Callable[[Any], Awaitable[None]] | None = None


@dataclass
class Turn:
    session: AsyncSession
    update: Update
    services: Services
    now: datetime
    locale: str = "zh"
    resident: Resident | None = None
    state: DialogState | None = None
    callback: CallbackData | None = None
    replies: list[Reply] = field(default_factory=list)
    area: Area | None = None
    bound_chats: frozenset[int] = frozenset()  # staff groups bound to an area (/bind)
    _next_state: Any = _UNSET  # None = clear; (flow, step, data) = save
    _drop_kept: bool = False

    # ---- who and where -------------------------------------------------------------------
    @property
    def config(self) -> DialogConfig:
        return self.services.config

    @property
    def user_id(self) -> int:
        user = self.update.effective_user
        return user.id if user else 0

    @property
    def chat_id(self) -> int:
        chat = self.update.effective_chat
        return chat.id if chat else self.user_id

    @property
    def is_private(self) -> bool:
        chat = self.update.effective_chat
        return chat is not None and chat.type == "private"

    @property
    def message_text(self) -> str:
        msg = self.update.effective_message
        return (msg.text or msg.caption or "") if msg else ""

    async def load(self) -> None:
        if self.update.callback_query is not None:
            self.callback = decode(self.update.callback_query.data)
        uid = self.user_id
        if uid:
            self.resident, self.state = await load_person(self.session, uid)
        self.locale = self._pick_locale()
        self.area = await cached_area(self.session, self.services)
        chat = self.update.effective_chat
        if chat is not None and chat.type in ("group", "supergroup"):
            from storage.staff_chats import bound_chat_ids

            self.bound_chats = await bound_chat_ids(self.session)

    def _pick_locale(self) -> str:
        if self.resident is not None and self.resident.locale:
            return self.resident.locale
        if self.state is not None and self.state.data.get("locale"):
            return str(self.state.data["locale"])
        user = self.update.effective_user
        return pick_locale(user.language_code if user else None, self.config.default_locale)

    # ---- dialog state --------------------------------------------------------------------
    @property
    def data(self) -> dict[str, Any]:
        """The current dialog's data (a copy; save it back with set_state)."""
        return dict(self.state.data) if self.state is not None else {}

    def in_flow(self, flow: str, step: str | None = None) -> bool:
        if self.state is None or self.state.flow != flow:
            return False
        return step is None or self.state.step == step

    def set_state(self, flow: str, step: str, data: dict[str, Any] | None = None) -> None:
        merged = dict(data if data is not None else self.data)
        if self.resident is None:
            merged["locale"] = self.locale  # remember a chosen language before consent
        self._next_state = (flow, step, merged)

    def clear_state(self) -> None:
        self._next_state = None

    def drop_kept(self) -> None:
        """Stop carrying the kept data (KEPT_KEYS) over: only what set_state is given is saved,
        and clear_state clears everything."""
        self._drop_kept = True

    def _kept(self) -> dict[str, Any]:
        forgotten = self.resident is not None and self.resident.forgotten_at is not None
        if self._drop_kept or forgotten or self.state is None:
            return {}
        return {key: self.state.data[key] for key in KEPT_KEYS if key in self.state.data}

    async def persist_state(self) -> None:
        from storage.dialog_state import clear_state, save_state

        if self._next_state is _UNSET or not self.user_id:
            return
        kept = self._kept()
        if self._next_state is None:
            if kept or (self.resident is None and self.locale):
                # keep a draft, and the language choice of someone who has not consented yet
                data = {**kept, **({"locale": self.locale} if self.resident is None else {})}
                await save_state(self.session, self.user_id, self.chat_id, "idle", "idle",
                                 data, self.now)
            else:
                await clear_state(self.session, self.user_id)
            return
        flow, step, data = self._next_state
        await save_state(self.session, self.user_id, self.chat_id, flow, step,
                         {**kept, **data}, self.now)

    # ---- saying things -------------------------------------------------------------------
    @property
    def area_name(self) -> str:
        """The service area as residents see it (密云区, 北京市, or the configured name)."""
        return self.area.display(self.locale) if self.area is not None else ""

    def t(self, key: str, /, **fields: object) -> str:
        """The catalogue text; ``{area}`` is always the service area's name."""
        return t(self.locale, key, **{"area": self.area_name, **fields})

    def send(self, text: str, markup: Markup = None) -> None:
        self.replies.append(Reply("text", text=text, markup=markup))

    def say(self, key: str, /, markup: Markup = None, **fields: object) -> None:
        self.send(self.t(key, **fields), markup)

    def edit(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Edit the message whose button was pressed (or send, outside a button press)."""
        if self.update.callback_query is not None and self.update.callback_query.message:
            self.replies.append(Reply("edit", text=text, markup=markup))
        else:
            self.send(text, markup)

    def toast(self, key: str, /, *, alert: bool = False, **fields: object) -> None:
        self.replies.append(Reply("toast", text=self.t(key, **fields), alert=alert))

    def send_document(self, filename: str, content: bytes, caption: str = "") -> None:
        self.replies.append(Reply("document", text=caption, filename=filename, content=content))

    def after_commit(self, job: Callable[[Any], Awaitable[None]]) -> None:
        """Run ``job(bot)`` once this turn is committed and its earlier replies are out."""
        self.replies.append(Reply("later", later=job))

    def send_rendered(self, kind: str, filename: str, render: Callable[[], bytes],
                      caption: str = "", markup: Markup = None) -> None:
        """A photo or document made by ``render`` (plain data in, bytes out) after the commit,
        off the event loop."""
        self.replies.append(Reply(kind, text=caption, filename=filename, render=render,
                                  markup=markup))

    def send_venue(self, latitude: float, longitude: float, title: str, address: str) -> None:
        self.replies.append(
            Reply("venue", latitude=latitude, longitude=longitude, title=title, text=address)
        )

    async def enqueue(
        self,
        chat_id: int,
        method: str,
        payload: dict[str, Any],
        *,
        purpose: OutboxPurpose,
        suggestion_id: int | None = None,
        resident_id: int | None = None,
    ) -> bool:
        """A message to someone else, written in this transaction (``storage.outbox.enqueue``);
        the commit wakes the worker, which sends it. False: the recipient blocked the bot."""
        row = await enqueue(
            self.session,
            chat_id=chat_id,
            method=method,
            payload=payload,
            purpose=purpose,
            suggestion_id=suggestion_id,
            resident_id=resident_id,
            now=self.now,  # the service clock: due at once for a worker on the same clock
        )
        return row is not None
