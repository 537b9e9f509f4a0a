"""A deputy's own record end to end: /report in their private chat sends the picture and the
summary; the buttons give last year and the annual report draft as a DOCX; nobody else's data
ever appears, and a resident's /report gets a clear answer."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from docx import Document
from triage_world import DEPUTY_A, DEPUTY_B, button_data, link_deputies, station_with_two_deputies

from locales import t
from storage.deputy_record import load_deputy_record
from storage.models import (
    ActorKind,
    CheckIn,
    Deputy,
    Meeting,
    Suggestion,
    TimelineEntry,
)
from storage.record_render import figure_values, record_summary

Z = "zh"
DONE_A = "已协调修复路灯三盏"
SECRET_B = "乙代表办理的秘密事项"
PHONE = "13800138000"
H = timedelta(hours=1)


async def _history(env, station_id: int, deputies: list[Deputy]) -> None:
    """A reception deputy A attended and one suggestion each, resolved with a note."""
    tz = env.settings.tz
    async with env.db.unit_of_work() as s:
        at = datetime(2026, 11, 10, 9, tzinfo=tz)
        meeting = Meeting(code="rec-e2e", station_id=station_id, kind="reception", starts_at=at,
                          ends_at=at + 2 * H, status="held", walk_ins=7)
        s.add(meeting)
        await s.flush()
        s.add(CheckIn(meeting_id=meeting.id, deputy_id=deputies[0].id, kind="deputy"))
        for n, (deputy, words) in enumerate(((deputies[0], f"{DONE_A}，居民可拨打{PHONE}"),
                                             (deputies[1], SECRET_B))):
            created = datetime(2026, 10, 1 + n, 9, tzinfo=tz)
            row = Suggestion(ticket=f"2026-99000{n}", station_id=station_id,
                             category_code="urban", text=f"居民原话{PHONE}", status="resolved",
                             created_at=created, first_response_at=created + 5 * H,
                             resolved_at=created + 48 * H, first_response_due=created + 72 * H,
                             resolution_due=created + 360 * H, assignee_deputy_id=deputy.id,
                             contact_name="王小明", contact_phone=PHONE)
            s.add(row)
            await s.flush()
            s.add(TimelineEntry(suggestion_id=row.id, at=created + 48 * H, kind="resolved",
                                actor_kind=ActorKind.DEPUTY, actor_id=deputy.id, text=words))


async def _expected(env, deputy: Deputy, year: int):  # type: ignore[no-untyped-def]
    async with env.db.reading() as s:
        record = await load_deputy_record(s, deputy.id, year, env.settings.tz, env.clock.now())
    assert record is not None
    return record


async def test_a_deputys_report_gives_their_own_record_and_the_annual_draft(env) -> None:
    _, station_id, deputies = await station_with_two_deputies(env)
    first, second = await link_deputies(env, deputies)
    await _history(env, station_id, deputies)
    deputy = env.user(DEPUTY_A)

    await deputy.send("/report")
    photo, summary = await deputy.wait_for(2, timeout=30)
    record = await _expected(env, first, 2026)
    assert photo.media == "photo" and f"{first.name} · 2026" in (photo.text or "")
    (stored,) = [env.emulator.world.files[p["file_id"]] for p in photo.raw["photo"][-1:]]
    assert stored.data.startswith(b"\x89PNG") and len(stored.data) > 20_000
    assert summary.text == _plain(record_summary(Z, record))
    assert DONE_A in summary.text and PHONE not in summary.text and SECRET_B not in summary.text
    assert record.row["deputy_attendances"] >= 1 and record.receptions >= 1
    assert summary.labels == [t(Z, "record.button.year", year=2025),
                              t(Z, "record.button.docx_zh"), t(Z, "record.button.docx_en")]

    await deputy.press_data(button_data(summary, t(Z, "record.button.docx_zh")),
                            summary.message_id)
    (document,) = await deputy.wait_for(timeout=30)
    assert document.media == "document"
    assert document.raw["document"]["file_name"] == f"annual-report-{first.code}-2026.docx"
    doc = Document(io.BytesIO(env.emulator.world.files[document.raw["document"]["file_id"]].data))
    (table,) = doc.tables
    shown = figure_values(Z, record)
    assert [row.cells[1].text for row in table.rows][:4] == [
        shown["deputy_attendances"], shown["receptions"], shown["station_months"],
        shown["home_quarters"]]
    words = "\n".join(p.text for p in doc.paragraphs)
    assert t(Z, "annual.title", name=first.name, year=2026) in words and DONE_A in words
    assert PHONE not in words and "王小明" not in words and SECRET_B not in words
    assert second.name not in words and second.name not in summary.text

    await deputy.press_data(button_data(summary, t(Z, "record.button.year", year=2025)),
                            summary.message_id)
    last_photo, last_summary = await deputy.wait_for(2, timeout=30)
    assert last_photo.media == "photo"
    assert last_summary.text == _plain(record_summary(Z, await _expected(env, first, 2025)))
    assert t(Z, "record.button.year", year=2026) in last_summary.labels
    assert env.emulator.violations == []


async def test_the_other_deputy_sees_only_theirs_and_others_get_a_clear_answer(env) -> None:
    _, station_id, deputies = await station_with_two_deputies(env)
    first, second = await link_deputies(env, deputies)
    await _history(env, station_id, deputies)
    other = env.user(DEPUTY_B)
    await other.send("/report")
    _, summary = await other.wait_for(2, timeout=30)
    assert summary.text == _plain(record_summary(Z, await _expected(env, second, 2026)))
    assert SECRET_B in summary.text and DONE_A not in summary.text

    await other.press_data(button_data(summary, t(Z, "record.button.docx_en")),
                           summary.message_id)
    (document,) = await other.wait_for(timeout=30)
    doc = Document(io.BytesIO(env.emulator.world.files[document.raw["document"]["file_id"]].data))
    words = "\n".join(p.text for p in doc.paragraphs)
    assert t("en", "annual.title", name=second.name, year=2026) in words
    assert DONE_A not in words and first.name not in words

    resident = env.user(1001)
    await resident.send("/report")
    (answer,) = await resident.wait_for()
    assert answer.text == t(Z, "record.not_deputy")
    for data in ("dr:d:2026:zh", "dr:y:2026"):  # someone else's buttons do nothing for them
        await resident.press_data(data, answer.message_id)
    for data in ("dr:d:2026:fr", "dr:y:abc", "dr:zz:2026", "dr:y:2099"):  # garbage
        await other.press_data(data, summary.message_id)
    await env.settle()
    assert [a.get("text") for a in resident.callback_answers()] == [t(Z, "record.not_deputy")] * 2
    assert [a.get("text") for a in other.callback_answers()][-4:] == [
        t(Z, "common.stale_button")] * 3 + [t(Z, "record.bad_year")]
    assert len(resident.messages()) == 1 and len(other.messages()) == 3
    assert env.emulator.violations == []


def _plain(html_text: str) -> str:
    """The summary as the chat shows it (the bold tags become entities)."""
    return html_text.replace("<b>", "").replace("</b>", "")
