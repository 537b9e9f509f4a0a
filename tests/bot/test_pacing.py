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


def test_broadcasts_take_only_what_interactive_traffic_leaves() -> None:
    """Lanes: a broadcast (reserve 3) never takes the last tokens; replies and the outbox do, and
    direct replies counted on the same pacer slow the broadcast down, never the other way."""
    p = Pacer(Limits(per_second=10))
    now = 0.0
    broadcast_sent = 0
    while p.delay(10_000 + broadcast_sent, now, reserve=3.0) == 0.0:
        p.record(10_000 + broadcast_sent, now)
        broadcast_sent += 1
    assert broadcast_sent == 7  # of a full bucket of 10, three stay for interactive traffic
    for chat in (1, 2, 3):  # the outbox lane finds them at once
        assert p.delay(chat, now) == 0.0
        p.record(chat, now)
    assert p.delay(4, now) > 0.0
    # over 10 s, residents' direct replies at 4/s leave the broadcast the other 6/s
    broadcast_sent, replies = 0, 0
    while now < 10.0:
        now += 0.25
        p.record(20_000 + replies, now)  # a direct reply never waits
        replies += 1
        while p.delay(30_000 + broadcast_sent, now, reserve=3.0) == 0.0:
            p.record(30_000 + broadcast_sent, now)
            broadcast_sent += 1
    assert 50 <= broadcast_sent <= 60, broadcast_sent
    assert broadcast_sent + replies <= 10 * 10.0 + 1
