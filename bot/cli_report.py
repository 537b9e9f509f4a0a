"""``jiazhan report``: the district's figures for a period (``storage.report``), as one JSON
object, a workbook (``--xlsx``) and charts (``--png``)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from locales import t
from storage.models import utcnow

from .cli_data import open_database
from .settings import Settings

__all__ = ["add_report_parser", "cmd_report", "report_labels"]


def add_report_parser(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="a period's figures: activities, contacts, suggestions"
                                           " and the three rates per home, station, town, deputy")
    report.add_argument("--from", dest="first", type=date.fromisoformat, required=True,
                        metavar="DATE", help="first day (YYYY-MM-DD, the district's zone)")
    report.add_argument("--to", dest="last", type=date.fromisoformat, required=True,
                        metavar="DATE", help="last day, included")
    scope = report.add_mutually_exclusive_group()
    scope.add_argument("--district", metavar="CODE", help="one district (6 digits)")
    scope.add_argument("--town", metavar="CODE", help="one town (9 digits)")
    scope.add_argument("--station", metavar="CODE", help="one station or home")
    scope.add_argument("--deputy", metavar="CODE", help="one deputy and their stations")
    report.add_argument("--json", action="store_true", help="print one JSON object")
    report.add_argument("--xlsx", metavar="PATH", help="write the workbook (lists and ledger)")
    report.add_argument("--png", metavar="DIR", help="write the charts into this folder")
    report.add_argument("--with-personal-data", action="store_true",
                        help="the ledger also gets each resident's name, phone and text "
                             "(administrators only, with --xlsx and --actor; audited)")
    report.add_argument("--actor", type=int, metavar="TELEGRAM_ID",
                        help="the administrator asking (a staff member in JIAZHAN_ADMIN_IDS)")


def report_labels(locale: str) -> dict[str, str]:
    from storage.report_render import report_labels as labels

    return labels(locale)


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from storage.report import build_report, ledger_batches, report_scope

    loc = settings.locale
    if args.first > args.last:
        print(t(loc, "report.bad_period"), file=sys.stderr)
        return 2
    personal = bool(getattr(args, "with_personal_data", False))
    if personal and not args.xlsx:
        print(t(loc, "report.personal.xlsx_only"), file=sys.stderr)
        return 2

    async def go() -> int:
        from storage.report_render import ReportWorkbook

        labels = report_labels(loc)
        book: ReportWorkbook | None = None
        db = await open_database(settings)
        try:
            async with db.reading() as session:
                scope = await report_scope(session, district=args.district, town=args.town,
                                           station=args.station, deputy=args.deputy)
                if scope is None:
                    print(t(loc, "report.unknown_scope"), file=sys.stderr)
                    return 1
                if personal:
                    refused = await _refuse_personal(session, args, settings)
                    if refused is not None:
                        print(t(loc, refused), file=sys.stderr)
                        return 1
                report = await build_report(session, args.first, args.last, settings.tz,
                                            utcnow(), scope)
                if args.xlsx and not personal:  # the ledger streams into the workbook
                    book = ReportWorkbook(report, labels)
                    async for batch in ledger_batches(session, args.first, args.last,
                                                      settings.tz, scope):
                        book.add_ledger(batch)
            if personal:
                book = await _personal_workbook(db, args, settings, report, labels, scope)
        finally:
            await db.dispose()
        out = sys.stderr if args.json else sys.stdout
        if book is not None:
            Path(args.xlsx).parent.mkdir(parents=True, exist_ok=True)
            book.save(Path(args.xlsx))
            print(t(loc, "report.xlsx_written", path=args.xlsx, rows=book.ledger_rows), file=out)
        if args.png:
            from storage.report_render import write_report_charts

            for path in write_report_charts(Path(args.png), report, labels):
                print(t(loc, "report.png_written", path=path), file=out)
        if args.json:
            print(json.dumps(report, ensure_ascii=False))
        else:
            print(t(loc, "report.summary", first=args.first, last=args.last, **report["totals"]))
        return 0

    return asyncio.run(go())


async def _refuse_personal(session: Any, args: argparse.Namespace, settings: Settings
                           ) -> str | None:
    """Why personal data is refused (a catalogue key), or None for an administrator."""
    from storage.report_personal import ExportRefused, export_actor

    try:
        await export_actor(session, args.actor, frozenset(settings.admin_ids))
    except ExportRefused as refused:
        return refused.key
    return None


async def _personal_workbook(db: Any, args: argparse.Namespace, settings: Settings,
                             report: dict[str, Any], labels: dict[str, str], scope: Any) -> Any:
    """The workbook whose ledger has names, phones and texts, and the export's audit entry, in
    one unit of work: nothing personal is read without its entry committed."""
    from storage.report import ledger_rows
    from storage.report_personal import (
        add_personal_columns,
        audit_personal_export,
        export_actor,
        scope_label,
    )
    from storage.report_render import ReportWorkbook

    book = ReportWorkbook(report, labels, personal=True)
    async with db.unit_of_work() as session:
        actor = await export_actor(session, args.actor, frozenset(settings.admin_ids))
        # Read whole, not streamed: the personal columns are read on the same connection.
        ledger = await ledger_rows(session, args.first, args.last, settings.tz, scope)
        book.add_ledger(await add_personal_columns(session, ledger))
        label = scope_label(district=args.district, town=args.town, station=args.station,
                            deputy=args.deputy)
        audit_personal_export(session, actor, first=args.first, last=args.last, scope=label,
                              path=str(Path(args.xlsx).resolve()), rows=book.ledger_rows,
                              now=utcnow())
    print(t(settings.locale, "report.personal.warning", path=args.xlsx), file=sys.stderr)
    return book
