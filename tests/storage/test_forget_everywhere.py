"""/forget leaves no copy of the resident's name, phone, Telegram id or address in any column of
any table (both backends); the suggestion's text stays, without the name and phone in it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from station_world import NOW, build_station_world
from whole_database import where_found

from storage import Database, audit
from storage.categories import ensure_categories
from storage.deadlines import Deadlines
from storage.lifecycle import create_suggestion
from storage.models import OutboxMessage, OutboxStatus, ProcessedUpdate, Resident, Suggestion, TimelineEntry
from storage.outbox import OutboxPurpose, enqueue
from storage.residents import forget_resident, give_consent, set_home_community
from storage.roles import Actor

USER = 731_942_658
OTHER = 731_942_659
STAFF_CHAT = -1_001_000_000_001
DEPUTY_CHAT = 88_001
NAME, PHONE, ADDRESS = "王小明", "+8613800138000", "金叵罗村东头老槐树下"
SECRETS = (NAME, PHONE, "13800138000", str(USER), ADDRESS)


async def test_forget_leaves_no_copy_anywhere(db: Database) -> None:
    w = await build_station_world(db)
    async with db.unit_of_work() as s:
        await ensure_categories(s)
        r = await give_consent(s, telegram_user_id=USER, chat_id=USER, locale="zh", now=NOW)
        r.display_name, r.phone = NAME, PHONE
        await set_home_community(s, r, w.covered, address_text=ADDRESS)
        other = await give_consent(s, telegram_user_id=OTHER, chat_id=OTHER, locale="zh", now=NOW)
        other.display_name = "王"  # one character: never erased from other people's texts
        suggestion = await create_suggestion(
            s, resident_id=r.id, station_id=w.station_id, category_code="urban",
            text="路灯坏了，请打 13800138000 找王小明", now=NOW, deadlines=Deadlines(),
            community_code=w.covered, share_identity=True, contact_name=NAME, contact_phone=PHONE,
        )
        s.add(TimelineEntry(suggestion_id=suggestion.id, at=NOW, actor_kind="staff", actor_id=1,
                            kind="reply", text="王小明您好，已安排维修"))
        card = f"📌 {suggestion.ticket}\n路灯坏了\n👤 {NAME} · {PHONE}"
        sent_card = await enqueue(s, chat_id=STAFF_CHAT, method="sendMessage",
                                  payload={"chat_id": STAFF_CHAT, "text": card},
                                  purpose=OutboxPurpose.STAFF_CARD, suggestion_id=suggestion.id, now=NOW)
        assert sent_card is not None
        sent_card.status, sent_card.result_message_id = OutboxStatus.SENT, 77
        deputy_copy = await enqueue(s, chat_id=DEPUTY_CHAT, method="sendMessage",
                                    payload={"chat_id": DEPUTY_CHAT, "text": f"新意见 {NAME} {PHONE}",
                                             "parse_mode": "HTML"},
                                    purpose=OutboxPurpose.TO_DEPUTY, suggestion_id=suggestion.id, now=NOW)
        assert deputy_copy is not None
        deputy_copy.status, deputy_copy.result_message_id = OutboxStatus.SENT, 88
        await enqueue(s, chat_id=USER, method="sendMessage",
                      payload={"chat_id": USER, "text": "您的意见已答复"}, purpose=OutboxPurpose.TO_RESIDENT,
                      resident_id=r.id, suggestion_id=suggestion.id, now=NOW)
        flying = await enqueue(s, chat_id=USER, method="sendMessage",
                               payload={"chat_id": USER, "text": "提醒"}, purpose=OutboxPurpose.MEETING_REMINDER,
                               resident_id=r.id, now=NOW)
        assert flying is not None
        flying.lease_owner, flying.lease_until = "worker-1", NOW + timedelta(days=9)
        await enqueue(s, chat_id=STAFF_CHAT, method="sendMessage",
                      payload={"chat_id": STAFF_CHAT, "text": f"出错了：{PHONE}"},
                      purpose=OutboxPurpose.OPS_ALERT, now=NOW)
        await enqueue(s, chat_id=OTHER, method="sendMessage",
                      payload={"chat_id": OTHER, "text": "王先生您好"},
                      purpose=OutboxPurpose.ANNOUNCEMENT, now=NOW)
        audit.record(s, Actor.system(), "test.note", "suggestion", suggestion.id, now=NOW,
                     said=f"{NAME} 的电话 {PHONE}")
        s.add(ProcessedUpdate(update_id=901, processed_at=NOW, note=f"我是王小明，电话{PHONE}"))
        suggestion_id = suggestion.id
    assert len(await where_found(db, SECRETS)) > 10  # the search finds what is there

    async with db.unit_of_work() as s:
        resident = await s.get(Resident, r.id)
        assert resident is not None
        report = await forget_resident(s, resident, now=NOW + timedelta(days=1))
    assert report.suggestion_ids == (suggestion_id,)

    assert await where_found(db, SECRETS) == []
    async with db.reading() as s:
        kept = await s.get(Suggestion, suggestion_id)
        assert kept is not None and kept.text == "路灯坏了，请打 *** 找***"  # the rest stays
        texts = {row.purpose: row.payload.get("text")
                 for row in await s.scalars(select(OutboxMessage))}
        chats = sorted(row.chat_id for row in await s.scalars(select(OutboxMessage)))
    assert texts[OutboxPurpose.ANNOUNCEMENT] == "王先生您好"  # someone else's message is untouched
    # The deputy's copy, already in their chat, is edited there to read the same (the card is
    # re-rendered by the dialog, not here).
    async with db.reading() as s:
        edits = [(r.chat_id, r.payload) for r in await s.scalars(
            select(OutboxMessage).where(OutboxMessage.method == "editMessageText"))]
    assert edits == [(DEPUTY_CHAT, {"chat_id": DEPUTY_CHAT, "message_id": 88,
                                    "text": "新意见 *** ***", "parse_mode": "HTML"})]
    assert texts[OutboxPurpose.TO_DEPUTY] == "新意见 *** ***"
    assert texts[OutboxPurpose.OPS_ALERT] == "出错了：***"
    assert USER not in chats and OTHER in chats


async def test_forget_gives_back_seats_and_unlinks_sign_ins(db: Database) -> None:
    """A seat at a reception goes to the first on the waiting list; the booking (its topic is
    the resident's words) is deleted; a sign-in still counts but names nobody."""
    from storage.bookings import book
    from storage.models import Booking, BookingStatus, CheckIn, Meeting

    await build_station_world(db)
    async with db.unit_of_work() as s:
        r = await give_consent(s, telegram_user_id=USER, chat_id=USER, locale="zh", now=NOW)
        other = await give_consent(s, telegram_user_id=OTHER, chat_id=OTHER, locale="zh", now=NOW)
        meeting = await s.scalar(select(Meeting).where(Meeting.code == "M-TOMORROW"))
        assert meeting is not None
        meeting.capacity = 1
        await book(s, meeting.id, r, f"想当面说说{ADDRESS}的路灯", NOW)
        waiting = await book(s, meeting.id, other, "停车难", NOW + timedelta(minutes=1))
        assert waiting.booking.status is BookingStatus.WAITING
        s.add(CheckIn(meeting_id=meeting.id, resident_id=r.id, kind="resident", at=NOW))
        resident_id, other_booking = r.id, waiting.booking.id
    async with db.unit_of_work() as s:
        resident = await s.get(Resident, resident_id)
        assert resident is not None
        report = await forget_resident(s, resident, now=NOW + timedelta(minutes=5))
    assert [seat.promoted.id for seat in report.promoted if seat.promoted] == [other_booking]
    async with db.reading() as s:
        bookings = (await s.scalars(select(Booking))).all()
        check_ins = (await s.scalars(select(CheckIn))).all()
    assert [(b.id, b.status) for b in bookings] == [(other_booking, BookingStatus.CONFIRMED)]
    assert [(c.kind, c.resident_id) for c in check_ins] == [("resident", None)]
    assert await where_found(db, SECRETS) == []
