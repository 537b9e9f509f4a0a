"""Updates from Telegram into the transactional inbox, then straight to the handlers.

Long polling: each ``getUpdates`` batch is committed to the inbox before the next call's
``offset`` tells Telegram it arrived. Webhook: each update is committed before the 200. Either
way the stored update is handed to PTB at once (no polling of the table), and the table is read
only at start-up, to handle what a crash left (``recover``). See ``storage/update_inbox.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut

from storage import Database, update_inbox
from storage.db import DatabaseFileReplaced

__all__ = ["InboxPump"]

log = logging.getLogger("jiazhan.update_inbox")
FORGET_EVERY = 0.05  # seconds between two deletes of handled rows (one statement for all)


class InboxPump:
    def __init__(self, db: Database, app: Any, *, clock: Callable[[], datetime],
                 receiving: Callable[[], bool], poll_timeout: int = 10,
                 on_queued: Callable[[], None] | None = None) -> None:
        self.db, self.app, self.clock, self.receiving = db, app, clock, receiving
        self.poll_timeout = poll_timeout
        self.on_queued = on_queued
        self._done: set[int] = set()
        self._stopping = asyncio.Event()

    # -- in ---------------------------------------------------------------------------------

    def _parse(self, data: dict[str, Any]) -> Update | None:
        try:
            return Update.de_json(data, self.app.bot)
        except Exception:  # noqa: BLE001 - whatever PTB cannot read is not an update
            return None

    async def _store_and_hand_over(self, batch: list[dict[str, Any]]) -> None:
        """Commit the batch, then give PTB the updates that are new (in update_id order)."""
        async with self.db.unit_of_work() as session:
            new = await update_inbox.store(session, batch, self.clock())
        for data in sorted(batch, key=lambda u: int(u["update_id"])):
            update = self._parse(data) if int(data["update_id"]) in new else None
            if update is not None:
                await self.app.update_queue.put(update)

    async def accept(self, data: dict[str, Any]) -> bool:
        """A webhook update: False when it is not readable as one (nothing stored)."""
        if self._parse(data) is None:
            return False
        await self._store_and_hand_over([data])
        return True

    async def recover(self) -> int:
        """Handle what a crash left: replies that may not have been sent go to the outbox, and
        stored updates not yet handled go to the handlers, oldest first."""
        async with self.db.unit_of_work() as session:
            replies = await update_inbox.requeue_replies(session, self.clock())
            waiting = await update_inbox.waiting(session)
        for data in waiting:
            update = self._parse(data)
            if update is not None:
                await self.app.update_queue.put(update)
            else:
                self._done.add(int(data["update_id"]))
        if replies and self.on_queued is not None:
            self.on_queued()
        if waiting or replies:
            log.warning("recovered after a crash: %d update(s) to handle, %d repl(ies) to resend",
                        len(waiting), replies)
        return len(waiting)

    async def poll(self) -> None:
        """Long polling until ``stop()``; the offset moves only past committed updates."""
        offset: int | None = None
        backoff = 1.0
        while not self._stopping.is_set() and self.receiving():
            try:
                batch = await self.app.bot.do_api_request(
                    "getUpdates",
                    api_kwargs={"offset": offset, "timeout": self.poll_timeout,
                                "allowed_updates": list(Update.ALL_TYPES)},
                    read_timeout=self.poll_timeout + 5.0,
                )
                if batch:
                    await self._store_and_hand_over(list(batch))
                    offset = max(int(u["update_id"]) for u in batch) + 1
                backoff = 1.0
                continue
            except TimedOut:
                continue
            except RetryAfter as exc:
                wait = exc.retry_after
                delay = wait.total_seconds() if not isinstance(wait, int) else float(wait)
            except DatabaseFileReplaced:
                return  # the watchdog says so and stops the rest
            except (Conflict, InvalidToken) as exc:
                log.error("getUpdates refused: %s", type(exc).__name__)
                delay = 5.0
            except NetworkError as exc:
                log.warning("getUpdates failed: %s", type(exc).__name__)
                delay, backoff = backoff, min(backoff * 2, 30.0)
            except Exception as exc:  # noqa: BLE001 - storing failed: not acknowledged, retried
                log.error("updates not stored (%s); asking Telegram again", type(exc).__name__)
                delay = 1.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=delay)

    def stop(self) -> None:
        self._stopping.set()

    # -- out --------------------------------------------------------------------------------

    async def processed(self, update: object) -> None:
        """PTB is done with an update (handled, skipped as a duplicate, failed, or matched no
        handler): its row can go, with the next batch."""
        if isinstance(update, Update):
            self._done.add(update.update_id)

    async def forget_done(self) -> None:
        """Delete the rows of processed updates, one statement per round, until ``stop()``."""
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=FORGET_EVERY)
            await self.flush()

    async def flush(self) -> None:
        if not self._done:
            return
        done, self._done = self._done, set()
        try:
            async with self.db.unit_of_work() as session:
                await update_inbox.forget(session, done)
        except Exception as exc:  # noqa: BLE001 - the rows stay; a restart re-sends at most once
            log.warning("handled inbox rows not deleted: %s", type(exc).__name__)
