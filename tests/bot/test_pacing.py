"""The pacer keeps to Telegram's limits whatever the order of requests."""

from __future__ import annotations

from itertools import pairwise

import pytest

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
    times = _send_all(Pacer(Limits(start_tokens=29)), -100, 45)
    for i in range(len(times) - 20):
        assert times[i + 20] - times[i] >= 60.0 - 1e-9
    assert times[19] == 0.0  # the first twenty go at once (the overall bucket allowing)


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
    p = Pacer(Limits(start_tokens=29))
    p.block(7, 5.0, now=0.0)
    assert p.delay(7, 1.0) == 4.0
    assert p.delay(8, 1.0) == 0.0


def test_broadcasts_take_only_what_interactive_traffic_leaves() -> None:
    """Lanes: a broadcast (reserve 3) never takes the last tokens; replies and the outbox do, and
    direct replies counted on the same pacer slow the broadcast down, never the other way."""
    p = Pacer(Limits(per_second=10, start_tokens=10))
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


def _sent_within(p: Pacer, seconds: float, start: float, reserve: float = 0.0) -> list[float]:
    """Send to a new private chat each time as fast as ``p`` allows, for ``seconds``."""
    now, times, chat = start, [], 1
    while True:
        wait = p.delay(chat, now, reserve)
        if now + wait >= start + seconds:
            return times
        now += wait
        p.record(chat, now)
        times.append(now)
        chat += 1


def test_a_restarted_process_starts_with_an_empty_bucket() -> None:
    """A process started again right after a crash does not know how much of Telegram's overall
    budget its predecessor just spent: it earns its tokens from its first second on, so the old
    process's last second and the new one's first together stay near the limit (a full bucket
    at start doubled it: 16 retry_after in the crash benchmark)."""
    limits = Limits(per_second=30)
    old = Pacer(limits)
    old_times = _sent_within(old, 10.0, start=0.0)  # sends flat out until it is killed at 10 s
    new = Pacer(limits)  # restarted at once, with nothing of the old pacer's state
    assert new.delay(1, 10.0) > 0  # not even one message before a token is earned
    new_times = _sent_within(new, 10.0, start=10.0)
    together = sorted(old_times + new_times)
    for i, t in enumerate(together):  # any one-second window around the restart
        in_window = [u for u in together[i:] if u < t + 1.0]
        assert len(in_window) <= 30 + 1, (t, len(in_window))
    assert len(new_times) >= 30 * 10 - 2  # and it then sends at the full rate
    # the broadcast lane waits until its reserve is there too; interactive traffic does not
    fresh = Pacer(limits)
    assert fresh.delay(7, 0.0, reserve=3.0) == pytest.approx(4 / 30)
    fresh.record(8, 0.0)  # a direct reply never waits (the bucket goes below zero)
    assert fresh.delay(7, 0.0, reserve=3.0) == pytest.approx(5 / 30)


def test_a_full_start_is_only_on_request() -> None:
    assert Pacer(Limits(per_second=30, start_tokens=30)).delay(1, 0.0) == 0.0
    assert Pacer(Limits(per_second=30)).delay(1, 0.0) == pytest.approx(1 / 30)


def test_a_progress_card_leaves_room_in_the_group_for_staff() -> None:
    """A progress card (group reserve 3) uses at most 17 of a group's 20 messages a minute, so
    staff pressing pause or composing in the group still find room; they use the last three."""
    p = Pacer(Limits(start_tokens=29))
    group, now, edits = -100, 0.0, 0
    while p.delay(group, now, group_reserve=3) == 0.0:
        p.record(group, now)
        edits += 1
    assert edits == 17
    assert p.delay(group, now, group_reserve=3) == 60.0  # the card waits for the window to move
    for _ in range(3):
        assert p.delay(group, now) == 0.0  # interactive traffic still fits
        p.record(group, now)
    assert p.delay(group, now) == 60.0


def test_direct_replies_take_the_overall_budget_but_not_the_private_interval() -> None:
    p = Pacer(Limits(per_second=10, start_tokens=10))
    for _ in range(3):  # one person's quick messages get quick answers
        assert p.reply_delay(7, 0.0) == 0.0
        p.record(7, 0.0)
    assert p.delay(7, 0.0) > 0.0  # the outbox would wait for the private interval
    for chat in range(100, 107):  # the bucket runs out: a reply waits for the next token
        assert p.reply_delay(chat, 0.0) == 0.0
        p.record(chat, 0.0)
    assert p.reply_delay(200, 0.0) == pytest.approx(0.1)
    p.block(201, 5.0, 0.0)  # a retry_after of that chat is kept
    assert p.reply_delay(201, 1.0) == pytest.approx(4.0)
