"""Residents: consent creates the row, where they live, subscriptions, the privacy summary and
forgetting (personal data erased, suggestions kept in the archive, detached)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from station_world import NOW, build_station_world

from locales import catalogue
from storage import Database
from storage.categories import ensure_categories
from storage.dialog_state import save_state
from storage.models import (
    ActorKind,
    AuditEntry,
    Delivery,
    DialogState,
    OutboxMessage,
    Resident,
    Subscription,
    Suggestion,
    TimelineEntry,
)
from storage.outbox import OutboxPurpose, enqueue
from storage.residents import (
    ResidentError,
    find_resident,
    forget_resident,
    give_consent,
    privacy_summary,
    set_home_community,
    set_home_station,
    set_remind,
    subscribe,
    unsubscribe,
)

USER = 555_001


async def _consented(db: Database) -> int:
    async with db.unit_of_work() as s:
        resident = await give_consent(s, telegram_user_id=USER, chat_id=USER, locale="en", now=NOW)
        return resident.id


async def test_consent_creates_one_row_and_is_idempotent(db: Database) -> None:
    first = await _consented(db)
    async with db.unit_of_work() as s:
        again = await give_consent(s, telegram_user_id=USER, chat_id=USER, locale="zh",
                                   now=NOW + timedelta(hours=1))
        assert again.id == first and again.locale == "en" and again.consent_at == NOW
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(Resident)) == 1
        assert await find_resident(s, USER + 1) is None


async def test_home_by_community_uses_coverage_then_the_towns_home(db: Database) -> None:
    w = await build_station_world(db)
    rid = await _consented(db)
    async with db.unit_of_work() as s:
        r = await s.get(Resident, rid)
        assert r is not None
        station = await set_home_community(s, r, w.covered, address_text="  金叵罗村3号 ")
        assert station.id == w.station_id
        assert (r.community_code, r.station_id, r.address_text) == (w.covered, w.station_id, "金叵罗村3号")
        station = await set_home_community(s, r, w.uncovered, address_text="东营子")
        assert station.id == w.home_id and r.station_id == w.home_id


async def test_refusals_change_nothing(db: Database) -> None:
    w = await build_station_world(db)
    rid = await _consented(db)
    async with db.unit_of_work() as s:
        r = await s.get(Resident, rid)
        assert r is not None
        await set_home_community(s, r, w.covered, address_text="金叵罗")
        for call, key in (
            (lambda: set_home_community(s, r, "999999999999", address_text="x"), "unknown_community"),
            (lambda: set_home_station(s, r, 10_000), "unknown_station"),
            (lambda: subscribe(s, r, 10_000, now=NOW), "unknown_station"),
            (lambda: set_remind(s, r, w.home_id, False), "not_subscribed"),
        ):
            with pytest.raises(ResidentError) as refused:
                await call()
            assert refused.value.key == f"onboarding.error.{key}"
            assert refused.value.key in catalogue("zh") and refused.value.key in catalogue("en")
        assert (r.community_code, r.station_id) == (w.covered, w.station_id)


async def test_home_by_location_forgets_the_community(db: Database) -> None:
    w = await build_station_world(db)
    rid = await _consented(db)
    async with db.unit_of_work() as s:
        r = await s.get(Resident, rid)
        assert r is not None
        await set_home_community(s, r, w.covered, address_text="金叵罗")
        await set_home_station(s, r, w.home_id)
        assert (r.community_code, r.station_id, r.address_text) == (None, w.home_id, None)


async def test_subscriptions_toggle_and_reminders_switch(db: Database) -> None:
    w = await build_station_world(db)
    rid = await _consented(db)
    async with db.unit_of_work() as s:
        r = await s.get(Resident, rid)
        assert r is not None
        sub = await subscribe(s, r, w.station_id, now=NOW)
        assert sub.remind is True
        assert (await subscribe(s, r, w.station_id, now=NOW)) is sub
        assert (await set_remind(s, r, w.station_id, False)).remind is False
        assert await unsubscribe(s, r, w.station_id) is True
        assert await unsubscribe(s, r, w.station_id) is False
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(Subscription)) == 0


async def _suggestion(s, w, rid: int, ticket: str) -> Suggestion:  # type: ignore[no-untyped-def]
    suggestion = Suggestion(
        ticket=ticket, resident_id=rid, station_id=w.station_id, community_code=w.covered,
        category_code="urban", text="路灯坏了", share_identity=True, contact_name="王小明",
        contact_phone="+8613800138000", first_response_due=NOW + timedelta(days=3),
        resolution_due=NOW + timedelta(days=15), created_at=NOW, updated_at=NOW,
    )
    s.add(suggestion)
    await s.flush()
    s.add(TimelineEntry(suggestion_id=suggestion.id, actor_kind=ActorKind.RESIDENT, actor_id=rid,
                        kind="created", at=NOW))
    return suggestion


async def test_privacy_summary_lists_what_is_kept(db: Database) -> None:
    w = await build_station_world(db)
    rid = await _consented(db)
    async with db.unit_of_work() as s:
        await ensure_categories(s)
        r = await s.get(Resident, rid)
        assert r is not None
        r.display_name, r.phone = "王小明", "+8613800138000"
        await set_home_community(s, r, w.covered, address_text="金叵罗村")
        await subscribe(s, r, w.home_id, now=NOW)
        await _suggestion(s, w, rid, "2026-000001")
    async with db.reading() as s:
        r = await s.get(Resident, rid)
        assert r is not None
        summary = await privacy_summary(s, r)
    assert summary.display_name == "王小明" and summary.phone == "+8613800138000"
    assert summary.address_text == "金叵罗村" and summary.community == "金叵罗村（溪翁庄镇）"
    assert summary.station == "溪翁庄镇金叵罗人大代表联络站"
    assert summary.subscriptions == ("溪翁庄镇人大代表之家",) and summary.suggestions == 1
    assert summary.consent_at == NOW and summary.locale == "en"


async def test_privacy_summary_shows_contacts_given_with_suggestions(db: Database) -> None:
    w = await build_station_world(db)
    rid = await _consented(db)
    async with db.unit_of_work() as s:
        await ensure_categories(s)
        await _suggestion(s, w, rid, "2026-000001")
        second = await _suggestion(s, w, rid, "2026-000002")
        second.contact_phone = "13900139000"
        third = await _suggestion(s, w, rid, "2026-000003")
        third.share_identity, third.contact_name, third.contact_phone = False, None, None
    async with db.reading() as s:
        r = await s.get(Resident, rid)
        assert r is not None
        summary = await privacy_summary(s, r)
    assert summary.phone is None and summary.display_name is None  # none given on their own
    assert summary.shared_phones == (("+8613800138000", ("2026-000001",)),
                                     ("13900139000", ("2026-000002",)))
    assert summary.shared_names == (("王小明", ("2026-000001", "2026-000002")),)


async def test_forget_erases_personal_data_and_keeps_suggestions_detached(db: Database) -> None:
    w = await build_station_world(db)
    rid = await _consented(db)
    other = USER + 7
    async with db.unit_of_work() as s:
        await ensure_categories(s)
        r = await s.get(Resident, rid)
        assert r is not None
        r.display_name, r.phone = "王小明", "+8613800138000"
        await set_home_community(s, r, w.covered, address_text="金叵罗村")
        await subscribe(s, r, w.station_id, now=NOW)
        kept = await _suggestion(s, w, rid, "2026-000001")
        await save_state(s, USER, USER, "onboarding", "address", {"x": 1}, NOW)
        await save_state(s, other, other, "suggest", "text", {}, NOW)
        await enqueue(s, chat_id=USER, method="sendMessage", payload={"chat_id": USER, "text": "hi"},
                      purpose=OutboxPurpose.MEETING_REMINDER, resident_id=rid, now=NOW)
        await enqueue(s, chat_id=other, method="sendMessage", payload={"chat_id": other, "text": "x"},
                      purpose=OutboxPurpose.TO_RESIDENT, now=NOW)
        report = await forget_resident(s, r, now=NOW + timedelta(days=1))
    assert (report.suggestions_kept, report.subscriptions_removed) == (1, 1)
    async with db.reading() as s:
        r = await s.get(Resident, rid)
        assert r is not None and r.forgotten_at == NOW + timedelta(days=1)
        assert [r.telegram_user_id, r.chat_id, r.display_name, r.phone, r.address_text,
                r.community_code, r.station_id, r.consent_at] == [None] * 8
        assert await find_resident(s, USER) is None
        suggestion = await s.get(Suggestion, kept.id)
        assert suggestion is not None and suggestion.text == "路灯坏了"
        assert (suggestion.resident_id, suggestion.contact_name, suggestion.contact_phone,
                suggestion.share_identity) == (None, None, None, False)
        actors = list(await s.scalars(select(TimelineEntry.actor_id)))
        assert actors == [None]
        assert await s.scalar(select(func.count()).select_from(Subscription)) == 0
        assert [d.user_id for d in await s.scalars(select(DialogState))] == [other]
        assert [m.chat_id for m in await s.scalars(select(OutboxMessage))] == [other]
        assert await s.scalar(select(func.count()).select_from(Delivery)) == 0
        entry = (await s.scalars(select(AuditEntry))).one()
        assert entry.action == "resident.forget" and str(USER) not in str(entry.details)


async def test_after_forgetting_a_new_consent_starts_from_nothing(db: Database) -> None:
    await build_station_world(db)
    rid = await _consented(db)
    async with db.unit_of_work() as s:
        r = await s.get(Resident, rid)
        assert r is not None
        await forget_resident(s, r, now=NOW)
    async with db.unit_of_work() as s:
        fresh = await give_consent(s, telegram_user_id=USER, chat_id=USER, locale="zh", now=NOW)
        assert fresh.id != rid and fresh.station_id is None
