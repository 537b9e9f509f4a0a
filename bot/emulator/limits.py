"""Telegram's flood limits as token buckets: overall, per private chat, per group.

Telegram documents about 30 messages per second overall, one per second in a private chat (short
bursts are tolerated) and 20 per minute in a group. Past a bucket, the server answers 429 with
`retry_after` in whole seconds. Tests make the numbers tiny to see a storm in milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Limits:
    """Flood limits and timings. Rates are messages per second; bursts are bucket sizes."""

    global_rate: float = 30.0
    global_burst: float = 30.0
    private_rate: float = 1.0
    private_burst: float = 3.0
    group_rate: float = 20.0 / 60.0
    group_burst: float = 20.0
    text_length: int = 4096
    caption_length: int = 1024
    callback_data_bytes: int = 64
    max_long_poll: float = 50.0
    webhook_retry_delay: float = 0.5

    @classmethod
    def unlimited(cls) -> Limits:
        """No flood limits (benchmarks that measure the bot, not Telegram)."""
        inf = math.inf
        return cls(global_rate=inf, global_burst=inf, private_rate=inf, private_burst=inf,
                   group_rate=inf, group_burst=inf)


@dataclass(slots=True)
class _Bucket:
    rate: float
    capacity: float
    tokens: float
    updated: float

    def wait_needed(self, now: float) -> float:
        """Seconds until one token is available (0 when one is)."""
        if math.isinf(self.rate):
            return 0.0
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def take(self) -> None:
        if not math.isinf(self.rate):
            self.tokens -= 1.0


@dataclass(slots=True)
class FloodControl:
    """Decides whether one more message to a chat may go now."""

    limits: Limits
    clock: Callable[[], float]
    _buckets: dict[int | str, _Bucket] = field(default_factory=dict)

    def _bucket(self, key: int | str, rate: float, burst: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(rate, burst, burst, self.clock())
            self._buckets[key] = bucket
        return bucket

    def admit(self, chat_id: int, *, is_group: bool, count: int = 1) -> int:
        """0 if `count` messages may be sent now (and counts them), else `retry_after` seconds."""
        lim = self.limits
        chat = (self._bucket(chat_id, lim.group_rate, lim.group_burst) if is_group
                else self._bucket(chat_id, lim.private_rate, lim.private_burst))
        overall = self._bucket("*", lim.global_rate, lim.global_burst)
        now = self.clock()
        wait = max(chat.wait_needed(now), overall.wait_needed(now))
        if wait == 0.0 and count > 1:
            wait = max(_wait_for(chat, count), _wait_for(overall, count))
        if wait > 0.0:
            return max(1, math.ceil(wait))
        for _ in range(count):
            chat.take()
            overall.take()
        return 0


def _wait_for(bucket: _Bucket, count: int) -> float:
    if math.isinf(bucket.rate) or bucket.tokens >= count:
        return 0.0
    if count > bucket.capacity:  # an album bigger than the burst: let it through on a full bucket
        return 0.0 if bucket.tokens >= bucket.capacity else (
            (bucket.capacity - bucket.tokens) / bucket.rate)
    return (count - bucket.tokens) / bucket.rate
