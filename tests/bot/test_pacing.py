"""The pacer keeps to Telegram's limits whatever the order of requests."""

from __future__ import annotations

from itertools import pairwise

from bot.pacing import Limits, Pacer


def _send_all(p: Pacer, chat: int, n: int, start: float = 0.0) -> list[float]:
    now, times = start, []
    for _ in range(n):
        wait = p.delay(chat, now)
        now += wait
        assert p.delay(chat, now) == 0.0
        p.record(chat, now)
        times.append(now)
    return times


def test_private_chat_gets_one_message_a_second() -> None:
    times = _send_all(Pacer(), 5, 5)
    gaps = [b - a for a, b in pairwise(times)]
    assert all(g >= 1.0 - 1e-9 for g in gaps)


def test_group_gets_at_most_twenty_a_minute() -> None:
    times = _send_all(Pacer(), -100, 45)
    for i in range(len(times) - 20):
        assert times[i + 20] - times[i] >= 60.0 - 1e-9
    assert times[19] == 0.0  # the first twenty go at once


def test_overall_rate_is_capped() -> None:
    p = Pacer(Limits(per_second=10))
    now, sent = 0.0, 0
    chat = 1
    while now < 3.0:
        wait = p.delay(chat, now)
        if wait:
            now += wait
            continue
        p.record(chat, now)
        sent += 1
        chat += 1  # a different private chat each time
    assert sent <= 10 + 3 * 10 + 1


def test_retry_after_blocks_only_that_chat() -> None:
    p = Pacer()
    p.block(7, 5.0, now=0.0)
    assert p.delay(7, 1.0) == 4.0
    assert p.delay(8, 1.0) == 0.0
