"""A deputy's record and the annual report draft: the numbers are build_report's per_deputy row
for a known year, the document shows exactly those numbers, and no personal data gets in."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

from docx import Document
from record_world import (
    D1_EXPECTED,
    D1_MONTHS,
    D1_RECEPTIONS,
    DONE,
    NAME,
    NOW,
    PERSONAL,
    PHONE,
    TZ,
    YEAR,
    build_record_world,
)
from sqlalchemy import select

from locales import t
from storage import Database
from storage.annual_report import TABLE_KEYS, annual_report_docx
from storage.anonymise import MASK, scrub
from storage.deputy_record import load_deputy_record, record_period
from storage.models import Ballot, Evaluation, Resident
from storage.record_render import figure_values, record_summary, render_record_png
from storage.report import build_report, report_scope


def docx_text(content: bytes) -> tuple[str, dict[str, str]]:
    """All the document's words, and its figures table (label -> value)."""
    doc = Document(io.BytesIO(content))
    words = [p.text for p in doc.paragraphs]
    (table,) = doc.tables
    figures = {row.cells[0].text: row.cells[1].text for row in table.rows}
    words += [f"{k} {v}" for k, v in figures.items()]
    return "\n".join(words), figures


async def test_the_record_is_the_reports_row_and_the_document_shows_it(db: Database) -> None:
    ids = await build_record_world(db)
    async with db.reading() as session:
        scope = await report_scope(session)
        assert scope is not None
        report = await build_report(session, date(YEAR, 1, 1), date(YEAR, 12, 31), TZ, NOW,
                                    scope, trend=False)
        record = await load_deputy_record(session, ids["D1"], YEAR, TZ, NOW)
    assert record is not None
    (row,) = [r for r in report["per_deputy"] if r["code"] == "D1"]
    assert record.row == row  # the report's row, unchanged
    assert {k: row[k] for k in D1_EXPECTED} == D1_EXPECTED  # and the count by hand
    assert (record.first, record.last) == (date(YEAR, 1, 1), date(YEAR, 12, 31))
    assert record.stations == ("站H1", "站S1") and record.receptions == D1_RECEPTIONS
    months = {m.month: (m.at_stations, m.at_homes, m.receptions) for m in record.months
              if m.at_stations or m.at_homes or m.receptions}
    assert len(record.months) == 12 and months == D1_MONTHS
    assert sum(1 for m in record.months if m.at_stations) == row["station_months_attended"]

    for locale in ("zh", "en"):
        text, figures = docx_text(annual_report_docx(locale, record))
        shown = figure_values(locale, record)
        assert figures == {t(locale, f"annual.figure.{k}"): shown[k] for k in TABLE_KEYS}
        as_numbers = {k: figures[t(locale, f"annual.figure.{k}")] for k in TABLE_KEYS}
        assert as_numbers["deputy_attendances"] == "5" and as_numbers["receptions"] == "2"
        assert as_numbers["voter_contacts"] == "20" and as_numbers["bookings"] == "2"
        assert as_numbers["suggestions_collected"] == "5" and as_numbers["answered"] == "4"
        assert as_numbers["resolved"] == "2" and as_numbers["suggestions_on_behalf"] == "1"
        assert as_numbers["median_first_response_hours"] == "7.5"
        assert (as_numbers["response_rate"], as_numbers["resolution_rate"],
                as_numbers["satisfaction_rate"]) == ("60.0%", "40.0%", "50.0%")
        assert as_numbers["station_months"] == t(locale, "record.of", n=2, of=12)
        assert as_numbers["home_quarters"] == t(locale, "record.of", n=2, of=4)
        assert as_numbers["report_given"] == t(locale, "record.yes")
        assert (as_numbers["followup_asked"], as_numbers["followup_still_fixed"],
                as_numbers["followup_came_back"], as_numbers["followup_still_fixed_rate"]) == (
            "2", "1", "1", "50.0%")
        numerals = t(locale, "annual.numerals").split(",")
        for n, key in enumerate(("figures", "activities", "contacts", "suggestions",
                                 "own_words", "next")):  # numbered without the missing 评议
            assert t(locale, "annual.heading", n=numerals[n],
                     title=t(locale, f"annual.h.{key}")) in text
        assert t(locale, "annual.title", name="李代表", year=YEAR) in text
        assert DONE in text and "幸福社区" in text  # an example, anonymised
        assert t(locale, "annual.h.evaluation") not in text  # no evaluation yet
        for secret in PERSONAL:
            assert secret not in text, secret
        summary = record_summary(locale, record)
        assert DONE in summary and all(s not in summary for s in PERSONAL)


async def test_three_examples_resolved_first_and_scrubbed(db: Database) -> None:
    ids = await build_record_world(db)
    async with db.reading() as session:
        record = await load_deputy_record(session, ids["D1"], YEAR, TZ, NOW)
        other = await load_deputy_record(session, ids["D2"], YEAR, TZ, NOW)
    assert record is not None and other is not None
    assert [e.status for e in record.examples] == ["closed", "resolved", "answered"]
    assert [e.month for e in record.examples] == ["2025-05", "2025-02", "2025-06"]
    assert record.examples[0].done.startswith(DONE) and MASK in record.examples[0].done
    assert record.examples[2].done.startswith("已联系" + MASK)  # a reply when nothing resolved
    assert {e.place for e in record.examples} == {"幸福社区"}
    assert [e.place for e in other.examples] == ["站S2"]  # no community: the station
    assert other.row["suggestions_collected"] == 1 and other.row["deputy_attendances"] == 1
    assert "李代表" not in record_summary("zh", other) and DONE not in record_summary("zh", other)


async def test_the_picture_is_a_png(db: Database) -> None:
    ids = await build_record_world(db)
    async with db.reading() as session:
        record = await load_deputy_record(session, ids["D1"], YEAR, TZ, NOW)
    assert record is not None
    from PIL import Image

    with Image.open(io.BytesIO(render_record_png("zh", record))) as image:
        assert image.format == "PNG" and image.width > 900 and image.height > 700
    crowded = replace(record, examples=record.examples * 30)  # more than one message holds
    summary = record_summary("zh", crowded)
    assert len(summary) <= 4096 and summary.endswith(t("zh", "record.summary.foot"))
    assert summary.count(DONE) < 90 and DONE in summary


async def test_the_year_so_far_and_no_year_to_come(db: Database) -> None:
    ids = await build_record_world(db)
    async with db.reading() as session:
        this_year = await load_deputy_record(session, ids["D1"], YEAR + 1, TZ, NOW)
        assert await load_deputy_record(session, ids["D1"], YEAR + 2, TZ, NOW) is None
        assert await load_deputy_record(session, 999_999, YEAR, TZ, NOW) is None
    assert this_year is not None and (this_year.first, this_year.last) == (
        date(YEAR + 1, 1, 1), date(YEAR + 1, 1, 10))
    assert len(this_year.months) == 1 and this_year.quarters == 1
    assert this_year.row["suggestions_collected"] == 0  # March's is still to come
    assert record_period(1999, date(2026, 1, 1)) is None


def test_scrub_masks_numbers_addresses_and_names() -> None:
    text = ("请王小明拨打 138 0013 8000、+86-139-1234-5678 或 010-69123456，身份证"
            "11010119900307123X，邮件 x.y@mail.example.cn；工单 2025-000123 已办结，共3件。")
    out = scrub(text, ["王小明", None, "", "x"])
    for secret in ("王小明", "138", "139", "69123456", "11010119900307123X", "x.y@"):
        assert secret not in out, out
    assert "2025-000123" in out and "共3件" in out  # a ticket number and a count stay


async def test_voters_evaluation_shows_in_the_summary_and_the_document(db: Database) -> None:
    ids = await build_record_world(db)
    async with db.unit_of_work() as s:
        residents = list(await s.scalars(select(Resident.id).order_by(Resident.id)))
        evaluation = Evaluation(deputy_id=ids["D1"], period_from=date(YEAR, 1, 1),
                                period_to=date(YEAR, 12, 31), station_ids=[], summary="…",
                                closes_at=NOW, closed_at=NOW, status="closed", asked=5)
        s.add(evaluation)
        await s.flush()
        for resident, choice in zip(residents, ("satisfied", "satisfied", "basic",
                                                "unsatisfied"), strict=False):
            s.add(Ballot(evaluation_id=evaluation.id, resident_id=resident, choice=choice,
                         comment=f"{NAME}说{PHONE}"))
    async with db.reading() as session:
        record = await load_deputy_record(session, ids["D1"], YEAR, TZ, NOW)
        other = await load_deputy_record(session, ids["D2"], YEAR, TZ, NOW)
    assert record is not None and other is not None and other.row["evaluation"] is None
    for locale in ("zh", "en"):
        line = t(locale, "record.evaluation", evaluations=1, asked=5, votes=4, satisfied=2,
                 basically_satisfied=1, dissatisfied=1, satisfaction_rate="75.0%")
        text, _ = docx_text(annual_report_docx(locale, record))
        assert t(locale, "annual.h.evaluation") in text and line in text
        assert line in record_summary(locale, record)
        assert NAME not in text and PHONE not in text  # comments are not shown
