"""The transactional inbox: stored once, settled with the handling, replies kept until sent."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from storage import update_inbox
from storage.models import InboxUpdate, OutboxMessage
from storage.processed_updates import claim_update

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def _update(update_id: int, chat: int = 5) -> dict[str, object]:
    return {"update_id": update_id, "message": {"message_id": update_id, "date": 0,
                                                "chat": {"id": chat, "type": "private"},
                                                "text": f"hello {update_id}"}}


async def test_updates_are_stored_once_and_handled_ones_never_again(db) -> None:
    async with db.unit_of_work() as s:
        assert await update_inbox.store(s, [_update(3), _update(1), _update(2)], NOW) == {1, 2, 3}
    async with db.unit_of_work() as s:  # Telegram delivers 2 and 3 again, and 4 is new
        assert await update_inbox.store(s, [_update(2), _update(3), _update(4)], NOW) == {4}
        assert await claim_update(s, 1, NOW)
        await update_inbox.settle(s, 1, [])
    async with db.unit_of_work() as s:  # 1 was handled: delivered again, it is not stored
        assert await update_inbox.store(s, [_update(1)], NOW) == set()
    async with db.reading() as s:
        assert [u["update_id"] for u in await update_inbox.waiting(s)] == [2, 3, 4]


async def test_replies_stay_until_forgotten_and_a_crash_moves_them_to_the_outbox(db) -> None:
    reply = {"method": "sendMessage", "payload": {"chat_id": 5, "text": "answer"}}
    async with db.unit_of_work() as s:
        await update_inbox.store(s, [_update(1), _update(2), _update(3)], NOW)
        await update_inbox.settle(s, 1, [reply])
        await update_inbox.settle(s, 2, [reply])
    async with db.unit_of_work() as s:
        await update_inbox.forget(s, [1])  # 1's answer went out
    async with db.reading() as s:
        assert [u["update_id"] for u in await update_inbox.waiting(s)] == [3]
    async with db.unit_of_work() as s:  # a restart: 2's answer may not have gone out
        assert await update_inbox.requeue_replies(s, NOW) == 1
    async with db.reading() as s:
        (row,) = (await s.scalars(select(OutboxMessage))).all()
        left = (await s.scalars(select(InboxUpdate.update_id))).all()
    assert (row.chat_id, row.payload["text"], row.uncertain) == (5, "answer", 1)
    assert list(left) == [3]
