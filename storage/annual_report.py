"""The annual report to voters (年述职) drafted from a deputy's record, as a DOCX the deputy
edits and presents (python-docx; Chinese or English from the catalogues).

The draft has a title, the period and the deputy's stations, a table of the record's figures
(the ``per_deputy`` row of ``jiazhan report``, shown as in the Telegram summary), paragraphs on
activities, contacts and suggestions with a few anonymised examples (``storage.deputy_record``),
voters' evaluation when there is one, and a section left for the deputy's own words.
"""

from __future__ import annotations

import io

from locales import t

from .deputy_record import DeputyRecord
from .record_render import evaluation_text, figure_values

__all__ = ["TABLE_KEYS", "annual_report_docx", "annual_report_filename"]

# The figures table, in order (keys of record_render.figure_values).
TABLE_KEYS = ("deputy_attendances", "receptions", "station_months", "home_quarters",
              "report_given", "voter_contacts", "bookings", "suggestions_collected",
              "suggestions_online", "suggestions_on_behalf", "answered", "resolved",
              "median_first_response_hours", "response_rate", "resolution_rate",
              "satisfaction_rate", "followup_asked", "followup_still_fixed", "followup_came_back",
              "followup_still_fixed_rate")
_EAST_ASIAN_FONT = "SimSun"  # 宋体: what Word and WPS show Chinese in by default


def annual_report_filename(locale: str, record: DeputyRecord) -> str:
    """An ASCII file name (Telegram clients and mail show it everywhere)."""
    suffix = "" if locale == "zh" else f"-{locale}"
    return f"annual-report-{record.code}-{record.year}{suffix}.docx"


def annual_report_docx(locale: str, record: DeputyRecord) -> bytes:
    """The draft as DOCX bytes."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    values = figure_values(locale, record)
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.size = Pt(11)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), _EAST_ASIAN_FONT)

    def say(key: str, **fields: object) -> None:
        doc.add_paragraph(t(locale, key, **fields))

    doc.add_heading(t(locale, "annual.title", name=record.name, year=record.year), level=0)
    say("annual.period", first=record.first.isoformat(), last=record.last.isoformat(),
        level=t(locale, f"annual.level.{record.level}"),
        stations=t(locale, "annual.separator").join(record.stations) or "—")
    say("annual.opening", year=record.year)

    numerals = t(locale, "annual.numerals").split(",")
    sections = 0

    def heading(key: str) -> None:
        nonlocal sections
        sections += 1
        doc.add_heading(t(locale, "annual.heading", n=numerals[sections - 1],
                          title=t(locale, f"annual.h.{key}")), level=1)

    heading("figures")
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for key in TABLE_KEYS:
        cells = table.add_row().cells
        cells[0].text = t(locale, f"annual.figure.{key}")
        cells[1].text = values[key]

    heading("activities")
    say("annual.activities", **values)
    heading("contacts")
    say("annual.contacts", **values)
    heading("suggestions")
    say("annual.suggestions", **values)
    say("annual.rates", **values)
    if record.row.get("followup_asked"):
        say("annual.followup", **values)
    if record.examples:
        say("annual.examples_head")
        for example in record.examples:
            doc.add_paragraph(t(
                locale, "annual.example",
                category=example.category_zh if locale == "zh" else example.category_en,
                place=example.place, month=example.month,
                status=t(locale, f"lifecycle.status.{example.status}"),
                done=example.done or t(locale, "annual.not_written")), style="List Bullet")
    evaluation = record.row.get("evaluation")
    if evaluation is not None:
        heading("evaluation")
        say("annual.evaluation", evaluation=evaluation_text(locale, evaluation))
    heading("own_words")
    say("annual.own_words")
    heading("next")
    say("annual.next")
    foot = doc.add_paragraph(t(locale, "annual.foot", last=record.last.isoformat()))
    for run in foot.runs:
        run.italic = True
        run.font.size = Pt(9)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
