"""The delivery worker: sends what the outbox holds, within Telegram's limits, and never loses a
committed message. A crash leaves leased rows that become claimable again when the lease ends;
at most the few messages in flight at that moment may go twice."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from telegram import InputFile, InputMediaAudio, InputMediaDocument, InputMediaPhoto, InputMediaVideo
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from storage import Database, lost_answers, outbox
from storage.models import Suggestion

from .metrics import Metrics
from .pacing import Limits, Pacer

__all__ = ["DeliveryWorker"]

log = logging.getLogger("jiazhan.delivery")

MAX_SLEEP = 1.0  # longer waits go back to the outbox with a not_before instead of holding a lease
MAX_BACKOFF = 300.0
CARD_SWEEP = 60.0  # seconds between two looks for lost staff cards nobody found


class _Claimed(NamedTuple):
    """One claimed outbox row, copied out of the claiming transaction."""

    id: int
    chat_id: int
    method: str
    payload: dict[str, Any]
    attempts: int
    suggestion_id: int | None

_SENT, _WAIT, _STOP = object(), object(), object()


def _seconds(value: Any) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class DeliveryWorker:
    def __init__(
        self,
        db: Database,
        bot: Any,
        *,
        signal: asyncio.Event,
        clock: Callable[[], datetime],
        metrics: Metrics | None = None,
        limits: Limits | None = None,
        batch: int = 50,
        idle: float = 0.5,
        lease_seconds: int = 30,
    ) -> None:
        self.db, self.bot, self.signal, self.clock = db, bot, signal, clock
        self.metrics = metrics or Metrics()
        self.pacer = Pacer(limits or Limits())
        self.batch, self.idle, self.lease_seconds = batch, idle, lease_seconds
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.heartbeat = time.monotonic()
        self._stopping = asyncio.Event()
        self._next_sweep = time.monotonic() + CARD_SWEEP

    @property
    def alive(self) -> bool:
        return time.monotonic() - self.heartbeat < max(10.0, self.idle * 4)

    def stop(self) -> None:
        self._stopping.set()
        self.signal.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            self.heartbeat = time.monotonic()
            try:
                sent = await self.run_once()
            except Exception as exc:  # noqa: BLE001 - the worker must outlive a bad moment
                log.error("delivery round failed: %s", type(exc).__name__)
                sent = 0
            if sent == 0:
                await self._wait_for_work()

    async def _wait_for_work(self) -> None:
        try:
            await asyncio.wait_for(self.signal.wait(), timeout=self.idle)
        except TimeoutError:
            pass
        self.signal.clear()

    async def run_once(self) -> int:
        """Claim due messages and send them; returns how many were claimed."""
        if time.monotonic() >= self._next_sweep:
            self._next_sweep = time.monotonic() + CARD_SWEEP
            async with self.db.unit_of_work() as session:
                await lost_answers.repost_unfound_cards(session, self.clock())
        async with self.db.unit_of_work() as session:
            claimed = await outbox.claim_due(
                session, owner=self.owner, now=self.clock(), limit=self.batch,
                lease_seconds=self.lease_seconds,
            )
            rows = [_Claimed(m.id, m.chat_id, m.method, dict(m.payload), m.attempts, m.suggestion_id)
                    for m in claimed]
            self.metrics.outbox_depth.set(await outbox.depth(session))
        by_chat: dict[int, list[_Claimed]] = {}
        for row in rows:
            by_chat.setdefault(row.chat_id, []).append(row)
        await asyncio.gather(*(self._send_chat(chat_rows) for chat_rows in by_chat.values()))
        return len(rows)

    async def _send_chat(self, rows: list[_Claimed]) -> None:
        """One chat's rows, in order. After a row that must wait, the rest are released: the
        outbox's per-chat FIFO keeps them behind it."""
        for index, row in enumerate(rows):
            chat_id = row.chat_id
            wait = self.pacer.delay(chat_id, time.monotonic())
            while 0 < wait <= MAX_SLEEP:
                await asyncio.sleep(wait)
                wait = self.pacer.delay(chat_id, time.monotonic())
            if wait > MAX_SLEEP:
                await self._release(rows[index:], self.clock() + timedelta(seconds=wait))
                return
            outcome = await self._deliver(row)
            if outcome is not _SENT:
                if outcome is _WAIT:
                    await self._release(rows[index + 1:], self.clock())
                return  # _STOP: the chat is gone and its rows were dropped with it

    async def _release(self, rows: list[_Claimed], not_before: datetime) -> None:
        if not rows:
            return
        async with self.db.unit_of_work() as session:
            for row in rows:
                await outbox.mark_retry(session, row.id, not_before=not_before, error=None,
                                        count_attempt=False)

    async def _deliver(self, row: _Claimed) -> object:
        """Send one row and record the outcome: _SENT, _WAIT (the chat must wait) or _STOP."""
        msg_id, chat_id, method, payload = row.id, row.chat_id, row.method, row.payload
        attempts, suggestion_id = row.attempts, row.suggestion_id
        if method.startswith("edit") and "message_id" not in payload and suggestion_id:
            message_id = await self._card_message_id(suggestion_id)
            if message_id is None:  # the card itself is not out yet
                await self._retry(msg_id, 2.0, "card not sent yet", count=False)
                return _WAIT
            payload = {**payload, "message_id": message_id}
        self.pacer.record(chat_id, time.monotonic())
        try:
            result = await self.bot.do_api_request(
                method, api_kwargs=_with_media_objects(_with_uploads(payload)))
        except RetryAfter as exc:
            seconds = _seconds(exc.retry_after)
            self.pacer.block(chat_id, seconds, time.monotonic())
            self.metrics.throttled.inc()
            self.metrics.sent.labels("retry_after").inc()
            await self._retry(msg_id, seconds, "429", count=False)
            return _WAIT
        except Forbidden:
            self.metrics.sent.labels("blocked").inc()
            async with self.db.unit_of_work() as session:
                await outbox.mark_dropped(session, msg_id, now=self.clock(), error="403 forbidden")
            return _STOP
        except BadRequest as exc:
            await self._bad_request(msg_id, str(exc))
            return _SENT
        except (TimedOut, NetworkError) as exc:
            self.metrics.sent.labels("network_error").inc()
            if getattr(exc, "outcome_unknown", False) and lost_answers.creates_message(method):
                return await self._answer_lost(msg_id, attempts)
            await self._retry(msg_id, min(MAX_BACKOFF, 2.0 ** min(attempts, 8)), type(exc).__name__)
            return _WAIT
        except Exception as exc:  # noqa: BLE001 - unknown: retry later, never lose the row
            log.error("unexpected delivery error %s", type(exc).__name__)
            await self._retry(msg_id, min(MAX_BACKOFF, 2.0 ** min(attempts, 8)), type(exc).__name__)
            return _WAIT
        message_id = result.get("message_id") if isinstance(result, dict) else None
        async with self.db.unit_of_work() as session:
            await outbox.mark_sent(session, msg_id, now=self.clock(), message_id=message_id)
            # A new message's id can prove a lost card never arrived (an edit's id proves nothing).
            if lost_answers.creates_message(method) and await lost_answers.after_sent(
                    session, chat_id, message_id, self.clock()):
                self.signal.set()  # a card this proves never arrived goes out now
        self.metrics.sent.labels("sent").inc()
        return _SENT

    async def _answer_lost(self, msg_id: int, attempts: int) -> object:
        """The send may have arrived: tried once more at most (a staff card: not blindly)."""
        self.metrics.sent.labels("answer_lost").inc()
        now = self.clock()
        retry_at = now + timedelta(seconds=min(MAX_BACKOFF, 2.0 ** min(attempts, 8)))
        async with self.db.unit_of_work() as session:
            again = await lost_answers.lost_answer(session, msg_id, now=now, retry_at=retry_at)
        if not again:
            log.warning("outbox message %s: the answer to its send was lost; not sent blindly again",
                        msg_id)
        return _WAIT if again else _SENT

    async def _bad_request(self, msg_id: int, description: str) -> None:
        lowered = description.lower()
        async with self.db.unit_of_work() as session:
            if "not modified" in lowered:
                await outbox.mark_sent(session, msg_id, now=self.clock(), message_id=None)
                self.metrics.sent.labels("not_modified").inc()
            elif "chat not found" in lowered or "user is deactivated" in lowered:
                await outbox.mark_dropped(session, msg_id, now=self.clock(), error=description[:200])
                self.metrics.sent.labels("dropped").inc()
            else:
                await outbox.mark_failed(session, msg_id, now=self.clock(), error=description[:200])
                self.metrics.sent.labels("failed").inc()
                log.error("outbox message %s refused by the Bot API", msg_id)

    async def _retry(self, msg_id: int, seconds: float, error: str, count: bool = True) -> None:
        async with self.db.unit_of_work() as session:
            await outbox.mark_retry(session, msg_id, not_before=self.clock() + timedelta(seconds=seconds),
                                    error=error, count_attempt=count)

    async def _card_message_id(self, suggestion_id: int) -> int | None:
        async with self.db.reading() as session:
            suggestion = await session.get(Suggestion, suggestion_id)
            return suggestion.card_message_id if suggestion is not None else None


_INPUT_MEDIA = {"photo": InputMediaPhoto, "video": InputMediaVideo, "document": InputMediaDocument,
                "audio": InputMediaAudio}


def _with_media_objects(payload: dict[str, Any]) -> dict[str, Any]:
    """An album (sendMediaGroup) is stored as plain JSON; PTB wants InputMedia objects there
    (it sets their parse mode), so they are rebuilt just before sending."""
    media = payload.get("media")
    if not isinstance(media, list) or not media or not isinstance(media[0], dict):
        return payload
    built = [_INPUT_MEDIA[item["type"]](media=item["media"], caption=item.get("caption"))
             for item in media if item.get("type") in _INPUT_MEDIA]
    return {**payload, "media": built}


def _with_uploads(payload: dict[str, Any]) -> dict[str, Any]:
    """A file the bot made itself (a weekly chart) is stored as ``{"upload": base64,
    "filename": …}``; it is uploaded as an InputFile."""
    if not any(isinstance(v, dict) and "upload" in v for v in payload.values()):
        return payload
    return {key: InputFile(base64.b64decode(value["upload"]), filename=value.get("filename"))
            if isinstance(value, dict) and "upload" in value else value
            for key, value in payload.items()}
