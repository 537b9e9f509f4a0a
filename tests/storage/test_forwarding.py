"""An edit follows a forwarded answer: a copy still waiting is rewritten, a sent one gets an
editMessageText, one being sent right now is left alone (both backends)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from station_world import NOW, build_station_world

from storage import Database
from storage.categories import ensure_categories
from storage.deadlines import Deadlines
from storage.forwarding import CopyState, apply_edit, find_forward, forward_marks, record_forward
from storage.lifecycle import create_suggestion, reply
from storage.models import OutboxMessage, OutboxStatus, TimelineEntry
from storage.outbox import enqueue
from storage.residents import give_consent
from storage.roles import Actor

GROUP, STAFF_MESSAGE, RESIDENT = -100_123, 555, 4242


async def _answered(db: Database) -> int:
    """A ticket with a staff answer forwarded to the resident; returns the copy's outbox id."""
    w = await build_station_world(db)
    async with db.unit_of_work() as s:
        await ensure_categories(s)
        r = await give_consent(s, telegram_user_id=RESIDENT, chat_id=RESIDENT, locale="zh", now=NOW)
        suggestion = await create_suggestion(
            s, resident_id=r.id, station_id=w.station_id, category_code="urban", text="路灯坏了",
            now=NOW, deadlines=Deadlines(), community_code=w.covered,
        )
        marks = await forward_marks(s)
        await reply(s, suggestion.id, Actor.staff(1), now=NOW, text="已保修")
        copy = await enqueue(s, chat_id=RESIDENT, method="sendMessage",
                             payload={"chat_id": RESIDENT, "text": "答复：已保修"},
                             purpose="to_resident", suggestion_id=suggestion.id, now=NOW)
        assert copy is not None
        link = await record_forward(s, source_chat_id=GROUP, source_message_id=STAFF_MESSAGE,
                                    suggestion_id=suggestion.id, since=marks,
                                    copy_purpose="to_resident")
        assert link is not None and link.outbox_id == copy.id
        return copy.id


async def _edit(db: Database, words: str) -> CopyState:
    async with db.unit_of_work() as s:
        found = await find_forward(s, GROUP, STAFF_MESSAGE)
        assert found is not None
        return await apply_edit(s, found, Actor.staff(1), text=words,
                                copy_payload={"text": f"答复：{words}"}, now=NOW)


@pytest.mark.parametrize("where", ["waiting", "sent", "sending"])
async def test_edit_follows_the_copy_where_it_is(db: Database, where: str) -> None:
    copy_id = await _answered(db)
    async with db.unit_of_work() as s:
        copy = await s.get(OutboxMessage, copy_id)
        assert copy is not None
        if where == "sent":
            copy.status, copy.result_message_id = OutboxStatus.SENT, 77
        elif where == "sending":
            copy.lease_owner, copy.lease_until = "w1", NOW + timedelta(seconds=30)
    state = await _edit(db, "已报修")
    async with db.reading() as s:
        copy = await s.get(OutboxMessage, copy_id)
        edits = (await s.scalars(select(OutboxMessage).where(
            OutboxMessage.method == "editMessageText"))).all()
        texts = (await s.scalars(select(TimelineEntry.text).where(
            TimelineEntry.kind == "reply"))).all()
    assert copy is not None and texts == ["已报修"]
    if where == "waiting":
        assert state is CopyState.WAITING and copy.payload["text"] == "答复：已报修" and not edits
    elif where == "sent":
        assert state is CopyState.SENT and copy.payload["text"] == "答复：已保修"
        [edit] = edits
        assert edit.payload == {"chat_id": RESIDENT, "message_id": 77, "text": "答复：已报修"}
        assert edit.chat_id == RESIDENT and edit.purpose == "answer_edit"
    else:
        assert state is CopyState.SENDING and copy.payload["text"] == "答复：已保修" and not edits


async def test_an_unknown_message_is_not_a_forward(db: Database) -> None:
    await _answered(db)
    async with db.reading() as s:
        assert await find_forward(s, GROUP, STAFF_MESSAGE + 1) is None
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 1
