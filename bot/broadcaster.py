"""The broadcast lane: sends the recipients of broadcasts being sent, with what the shared pacer
leaves after interactive traffic (``reserve`` tokens always stay for replies and the outbox), keeps
each broadcast's progress card in the staff group up to date, and posts the final report.

Residents first (README "How sending is shared (lanes)"): the pacer's reserve keeps tokens for
replies and the outbox; the database work is a *background* unit of work (SQLite's writer goes to
any handler waiting first) and set-wise, its reads outside the writer; and while residents'
updates are being handled the next send waits (``busy``, at most ``GIVE_WAY`` s at a time).

Crash safety comes from storage.broadcasts: recipients are leased in small batches and marked
in one transaction after the batch, so a kill -9 repeats at most one batch (the in-flight ones).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from storage import Database
from storage import broadcasts as engine
from storage.models import Broadcast, OutboxPurpose
from storage.outbox import enqueue

from .pacing import Pacer

__all__ = ["BroadcastWorker", "Progress", "CardRender"]

log = logging.getLogger("jiazhan.broadcast")

MAX_SLEEP = 1.0
GIVE_WAY = 0.25  # longest wait for residents' updates in flight before one more send
CARD_GROUP_RESERVE = 3  # of a group's 20 messages a minute, kept for staff's own dialog


@dataclass(frozen=True, slots=True)
class Progress:
    broadcast_id: int
    status: str
    total: int
    counts: dict[str, int]
    rate: float  # sent per second since this process started on it
    seconds_left: float | None


# (broadcast, progress, final) -> editMessageText parameters without chat_id/message_id
CardRender = Callable[[Broadcast, Progress, bool], dict[str, Any]]


@dataclass
class _Watch:
    started: float
    sent_at_start: int
    last_card: float = 0.0
    recent: list[tuple[float, int]] = field(default_factory=list)


class BroadcastWorker:
    def __init__(self, db: Database, bot: Any, *, pacer: Pacer, clock: Callable[[], datetime],
                 tz: ZoneInfo, render_card: CardRender | None = None,
                 on_outbox: Callable[[], None] | None = None, reserve: float = 3.0,
                 batch: int = 25, idle: float = 0.5, lease_seconds: float = 30.0,
                 card_every: float = 6.0, busy: Callable[[], bool] | None = None) -> None:
        self.db, self.bot, self.pacer, self.clock, self.tz = db, bot, pacer, clock, tz
        self.render_card, self.on_outbox = render_card, on_outbox
        self.busy = busy  # residents' updates being handled right now: the broadcast gives way
        self.reserve, self.batch, self.idle = reserve, batch, idle
        self.lease_seconds, self.card_every = lease_seconds, card_every
        self.sent = 0
        self._watch: dict[int, _Watch] = {}
        self._stopping = asyncio.Event()
        self.heartbeat = time.monotonic()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            self.heartbeat = time.monotonic()
            try:
                claimed = await self.run_once()
            except Exception as exc:  # noqa: BLE001 - the lane must outlive a bad moment
                log.error("broadcast round failed: %s", type(exc).__name__)
                claimed = 0
            if claimed == 0:
                try:
                    await asyncio.wait_for(self._stopping.wait(), timeout=self.idle)
                except TimeoutError:
                    pass

    async def run_once(self) -> int:
        """Lease one batch of recipients, send them within the pacer, record what happened."""
        # Background lane: the reads go without SQLite's writer; the few writes after them yield
        # to every handler or outbox transaction waiting (Database.WriteLock).
        async with self.db.lazy_unit_of_work(background=True) as (session, writing):
            due = await engine.claim_due(session, now=self.clock(), tz=self.tz, limit=self.batch,
                                         lease_seconds=self.lease_seconds, writing=writing)
        tasks: list[asyncio.Task[engine.Outcome]] = []
        later: list[engine.Outcome] = []
        for item in due:
            await self._give_way()
            wait = self.pacer.delay(item.chat_id, time.monotonic(), self.reserve)
            while 0 < wait <= MAX_SLEEP:
                await asyncio.sleep(wait)
                wait = self.pacer.delay(item.chat_id, time.monotonic(), self.reserve)
            if wait > MAX_SLEEP:  # this chat must wait (a retry_after): back with a not_before
                later.append(engine.Outcome(item.broadcast_id, item.resident_id, "retry",
                                            self.clock() + timedelta(seconds=wait)))
                continue
            self.pacer.record(item.chat_id, time.monotonic())
            tasks.append(asyncio.create_task(self._send(item)))
        outcomes = list(await asyncio.gather(*tasks)) + later
        if not outcomes:
            async with self.db.reading() as session:
                if not await engine.finishable(session):
                    return len(due)  # nothing to record: no transaction, no write lock
        await self._give_way()
        async with self.db.unit_of_work(background=True) as session:
            now = self.clock()
            await engine.record_outcomes(session, outcomes, now=now)
            finished = await engine.finish_done(session, now=now)
            reports = [await self._final(session, bid) for bid in finished]
        self.sent += sum(o.result == "sent" for o in outcomes)
        if any(reports) and self.on_outbox is not None:
            self.on_outbox()
        await self._cards({o.broadcast_id for o in outcomes} - set(finished))
        return len(due)

    async def _give_way(self) -> None:
        """Residents first: while their updates are being handled, the broadcast waits (at most
        GIVE_WAY s at a time, so it still moves under a steady stream). The pacer's bucket fills
        meanwhile, so the broadcast catches up afterwards and its rate hardly changes."""
        if self.busy is None:
            return
        until = time.monotonic() + GIVE_WAY
        while self.busy() and time.monotonic() < until:
            await asyncio.sleep(0.005)

    async def _send(self, item: engine.Due) -> engine.Outcome:
        try:
            await self.bot.do_api_request(item.method, api_kwargs=item.params)
        except RetryAfter as exc:
            seconds = _seconds(exc.retry_after)
            self.pacer.block(item.chat_id, seconds, time.monotonic())
            return engine.Outcome(item.broadcast_id, item.resident_id, "retry",
                                  self.clock() + timedelta(seconds=seconds))
        except Forbidden:
            return engine.Outcome(item.broadcast_id, item.resident_id, "blocked")
        except BadRequest as exc:
            lowered = str(exc).lower()
            result = "blocked" if "chat not found" in lowered or "deactivated" in lowered else "failed"
            return engine.Outcome(item.broadcast_id, item.resident_id, result)
        except (NetworkError, TelegramError) as exc:
            log.warning("broadcast message not sent: %s", type(exc).__name__)
            return engine.Outcome(item.broadcast_id, item.resident_id, "retry",
                                  self.clock() + timedelta(seconds=5))
        return engine.Outcome(item.broadcast_id, item.resident_id, "sent")

    async def progress(self, broadcast: Broadcast, counts: dict[str, int]) -> Progress:
        now = time.monotonic()
        watch = self._watch.setdefault(broadcast.id, _Watch(now, counts["sent"]))
        watch.recent.append((now, counts["sent"]))
        watch.recent = [(t, n) for t, n in watch.recent if now - t <= 60.0]
        first_t, first_n = watch.recent[0]
        rate = (counts["sent"] - first_n) / (now - first_t) if now - first_t > 0.5 else 0.0
        left = counts["pending"] / rate if rate > 0 else None
        return Progress(broadcast.id, broadcast.status, broadcast.total, counts, rate, left)

    async def _final(self, session: Any, broadcast_id: int) -> bool:
        """The final state of the card and one report message, through the outbox."""
        broadcast = await session.get(Broadcast, broadcast_id)
        if broadcast is None or broadcast.chat_id is None or self.render_card is None:
            return False
        progress = await self.progress(broadcast, await engine.counts(session, broadcast_id))
        self._watch.pop(broadcast_id, None)
        body = self.render_card(broadcast, progress, True)
        if broadcast.card_message_id is not None:
            await enqueue(session, chat_id=broadcast.chat_id, method="editMessageText",
                          payload={**body, "chat_id": broadcast.chat_id,
                                   "message_id": broadcast.card_message_id},
                          purpose=OutboxPurpose.BROADCAST_CARD, now=self.clock())
        report = {k: v for k, v in body.items() if k != "reply_markup"}
        await enqueue(session, chat_id=broadcast.chat_id, method="sendMessage",
                      payload={**report, "chat_id": broadcast.chat_id},
                      purpose=OutboxPurpose.BROADCAST_REPORT, now=self.clock())
        return True

    async def _cards(self, broadcast_ids: set[int]) -> None:
        """Edit progress cards in place, at most one edit per card every ``card_every`` s and
        only when the group's own limit allows it now (best effort; the final state is sure)."""
        if self.render_card is None:
            return
        now = time.monotonic()
        for broadcast_id in broadcast_ids:
            watch = self._watch.get(broadcast_id)
            if watch is not None and now - watch.last_card < self.card_every:
                continue
            async with self.db.reading() as session:
                broadcast = await session.get(Broadcast, broadcast_id)
                if broadcast is None or broadcast.chat_id is None or broadcast.card_message_id is None:
                    continue
                progress = await self.progress(broadcast, await engine.counts(session, broadcast_id))
            watch = self._watch[broadcast_id]
            if watch.last_card == 0.0:  # the first look only starts the rate's clock
                watch.last_card = now
                continue
            # A card edit is the group's, not the broadcast's: it does not leave the overall
            # reserve (the broadcast's own sends would always have just taken the tokens above
            # it), but it leaves CARD_GROUP_RESERVE of the group's 20 a minute to staff.
            if self.pacer.delay(broadcast.chat_id, now, group_reserve=CARD_GROUP_RESERVE) > 0:
                continue
            watch.last_card = now
            self.pacer.record(broadcast.chat_id, now)
            body = self.render_card(broadcast, progress, False)
            try:
                await self.bot.do_api_request("editMessageText", api_kwargs={
                    **body, "chat_id": broadcast.chat_id, "message_id": broadcast.card_message_id})
            except TelegramError as exc:
                log.info("progress card not edited: %s", type(exc).__name__)


def _seconds(value: Any) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
