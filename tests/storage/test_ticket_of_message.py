"""Which ticket a bot message is about: the card, an outbox message, or the one ticket it names."""

from __future__ import annotations

from datetime import timedelta

from lifecycle_world import T0, build_world, new_suggestion

from storage import Database, outbox
from storage.ticket_messages import ticket_named_in, ticket_of_message


async def test_card_outbox_message_or_the_one_ticket_named(db: Database) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        first = await new_suggestion(s, w)
        second = await new_suggestion(s, w)
        row = await outbox.enqueue(s, chat_id=-100, method="sendMessage", payload={"text": "x"},
                                   purpose="staff_notice", suggestion_id=second.id,
                                   now=T0)
        assert row is not None
        await outbox.mark_sent(s, row.id, now=T0 + timedelta(seconds=1), message_id=42)
        first.card_chat_id, first.card_message_id = -100, 7
    async with db.reading() as s:
        assert (await ticket_of_message(s, -100, 7)).id == first.id  # type: ignore[union-attr]
        assert (await ticket_of_message(s, -100, 42)).id == second.id  # type: ignore[union-attr]
        assert await ticket_of_message(s, -200, 42) is None  # another chat's message 42
        assert await ticket_of_message(s, -100, 43) is None
        found = await ticket_named_in(s, f"✅ 已答复工单 {first.ticket} 的居民。")
        assert found is not None and found.id == first.id
        assert await ticket_named_in(s, f"{first.ticket} 与 {second.ticket} 合并") is None
        assert await ticket_named_in(s, "今天的简报 2026-11-25") is None
        assert await ticket_named_in(s, "工单 12026-0000011") is None
