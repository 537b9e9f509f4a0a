"""SQLite's single writer has two lanes: foreground units of work (updates being handled, the
outbox) go before a background one (a broadcast's bookkeeping), whatever the order they came in."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from storage import Database
from storage.db import WriteLock


async def test_foreground_writers_go_before_a_background_one_queued_earlier() -> None:
    lock = WriteLock()
    order: list[str] = []

    async def writer(name: str, background: bool) -> None:
        await lock.acquire(background=background)
        order.append(name)
        await asyncio.sleep(0.01)
        lock.release()

    await lock.acquire()  # someone is writing
    tasks = [asyncio.create_task(writer("broadcast", True))]
    await asyncio.sleep(0.01)  # the broadcast queues first...
    tasks += [asyncio.create_task(writer(f"reply{i}", False)) for i in range(3)]
    await asyncio.sleep(0.01)  # ...then three replies
    assert lock.foreground_waiting == 3
    lock.release()
    await asyncio.gather(*tasks)
    assert order == ["reply0", "reply1", "reply2", "broadcast"]
    assert lock.foreground_waiting == 0


async def test_a_background_writer_is_never_preempted_and_goes_when_free() -> None:
    lock = WriteLock()
    await lock.acquire(background=True)  # free: taken at once
    reply = asyncio.create_task(lock.acquire())
    await asyncio.sleep(0.01)
    assert not reply.done()  # one writer at a time: the reply waits for the running one
    lock.release()
    await asyncio.wait_for(reply, 1)
    lock.release()
    await asyncio.wait_for(lock.acquire(background=True), 1)  # nobody waiting: goes at once
    lock.release()


async def test_background_units_of_work_yield_on_sqlite(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'lanes.sqlite3'}")
    async with db.unit_of_work() as s:
        await s.execute(text("CREATE TABLE log (who TEXT)"))
    order: list[str] = []

    async def write(who: str, background: bool) -> None:
        async with db.unit_of_work(background=background) as s:
            await s.execute(text("INSERT INTO log VALUES (:w)"), {"w": who})
            order.append(who)

    async with db.lazy_unit_of_work() as (s, writing):
        await writing()  # a handler holds the writer
        bg = asyncio.create_task(write("broadcast", True))
        await asyncio.sleep(0.05)
        fg = asyncio.create_task(write("reply", False))
        await asyncio.sleep(0.05)
        await s.execute(text("INSERT INTO log VALUES ('handler')"))
    await asyncio.gather(bg, fg)
    assert order == ["reply", "broadcast"]
    async with db.reading() as s:
        assert sorted(await s.scalars(text("SELECT who FROM log"))) == ["broadcast", "handler",
                                                                          "reply"]
    await db.dispose()
