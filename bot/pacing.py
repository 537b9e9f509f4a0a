"""Telegram's sending limits as a clock-driven pacer: ~30 messages/s overall, 1/s per private
chat, 20/min per group. It answers "how long until this chat may get a message?".

Lanes: ONE pacer is shared by everything the service sends. Direct replies to updates take a
token like everything else (``reply_delay``: a burst of residents is answered at the overall
limit, not past it into 429s) but skip the private-chat interval, which Telegram lets a person's
own conversation burst past; outbox messages wait for a token; broadcasts (``reserve`` > 0) only
take a token when ``reserve`` more would still be left, so interactive traffic always finds the
bucket open and broadcasts get the rest.

A new pacer starts with an EMPTY bucket: a process started again right after a crash cannot know
how much of Telegram's budget its predecessor just spent, so it earns its tokens at the overall
rate from its first second (a full bucket on top of the predecessor's burst meant 429s)."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field

__all__ = ["Limits", "Pacer", "pace_direct_reply", "REPLY_MAX_WAIT"]

REPLY_MAX_WAIT = 10.0  # past this a direct reply goes anyway; a 429 is then the caller's to handle


@dataclass(frozen=True)
class Limits:
    per_second: float = 29.0  # a little under Telegram's ~30/s; direct replies are counted too
    private_interval: float = 1.0
    group_per_minute: int = 20
    group_window: float = 60.0
    start_tokens: float = 0.0  # what the bucket holds when the process starts (see above)


@dataclass
class Pacer:
    limits: Limits = field(default_factory=Limits)
    _next_private: dict[int, float] = field(default_factory=dict)
    _group_sends: dict[int, deque[float]] = field(default_factory=dict)
    _blocked_until: dict[int, float] = field(default_factory=dict)
    _tokens: float = 0.0
    _refilled_at: float | None = None

    def delay(self, chat_id: int, now: float, reserve: float = 0.0, group_reserve: int = 0
              ) -> float:
        """Seconds until a message to ``chat_id`` is allowed (0: now). ``reserve``: tokens that
        must stay in the bucket for higher-priority traffic (the broadcast lane);
        ``group_reserve``: of a group's messages a minute, how many must stay for others (a
        progress card leaves room for staff's own dialog in the group)."""
        wait = max(0.0, self._blocked_until.get(chat_id, 0.0) - now)
        if chat_id > 0:
            wait = max(wait, self._next_private.get(chat_id, 0.0) - now)
        else:
            sent = self._group_sends.get(chat_id)
            if sent is not None:
                while sent and sent[0] <= now - self.limits.group_window:
                    sent.popleft()
                allowed = max(1, self.limits.group_per_minute - group_reserve)
                if len(sent) >= allowed:
                    wait = max(wait, sent[len(sent) - allowed] + self.limits.group_window - now)
        return max(wait, self._global_delay(now, reserve))

    def reply_delay(self, chat_id: int, now: float) -> float:
        """Seconds until a direct reply to ``chat_id`` may go out: the overall budget, a group's
        20 a minute and a ``retry_after`` of that chat; not the private-chat interval (a
        person's two quick messages get two quick answers, within Telegram's tolerance)."""
        if chat_id < 0:
            return self.delay(chat_id, now)
        wait = max(0.0, self._blocked_until.get(chat_id, 0.0) - now)
        return max(wait, self._global_delay(now))

    def record(self, chat_id: int, now: float) -> None:
        """A message to ``chat_id`` is going out now."""
        self._refill(now)
        self._tokens -= 1.0
        if chat_id > 0:
            self._next_private[chat_id] = now + self.limits.private_interval
        else:
            self._group_sends.setdefault(chat_id, deque()).append(now)
        if len(self._next_private) > 10_000:  # forget chats whose interval has long passed
            self._next_private = {c: t for c, t in self._next_private.items() if t > now}

    def block(self, chat_id: int, seconds: float, now: float) -> None:
        """Telegram said retry_after: nothing to this chat until then."""
        self._blocked_until[chat_id] = max(self._blocked_until.get(chat_id, 0.0), now + seconds)

    def _refill(self, now: float) -> None:
        if self._refilled_at is None:
            self._tokens, self._refilled_at = min(self.limits.start_tokens,
                                                  self.limits.per_second), now
            return
        self._tokens = min(
            self.limits.per_second, self._tokens + (now - self._refilled_at) * self.limits.per_second
        )
        self._refilled_at = now

    def _global_delay(self, now: float, reserve: float = 0.0) -> float:
        self._refill(now)
        needed = 1.0 + reserve
        if self._tokens >= needed - 1e-6:  # tolerance: float sums must not stall the clock
            return 0.0
        return max((needed - self._tokens) / self.limits.per_second, 1e-4)


async def pace_direct_reply(pacer: Pacer, chat_id: int, count: int = 1) -> None:
    """Wait until ``count`` direct replies to ``chat_id`` fit Telegram's limits, then count them.

    The check and the count have no ``await`` between them, so of many replies woken by the same
    token exactly one takes it and the others wait on. At most ``REPLY_MAX_WAIT`` seconds."""
    deadline = time.monotonic() + REPLY_MAX_WAIT
    for _ in range(count):
        while True:
            now = time.monotonic()
            wait = pacer.reply_delay(chat_id, now)
            if wait <= 0 or now >= deadline:
                break
            await asyncio.sleep(min(wait, deadline - now))
        pacer.record(chat_id, time.monotonic())
