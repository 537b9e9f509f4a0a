"""``jiazhan annual-report``: a deputy's annual report to voters (年述职) drafted from their record,
as a DOCX (``storage.annual_report``), in Chinese or English."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from locales import LOCALES, t
from storage.models import utcnow

from .cli_data import open_database
from .settings import Settings

__all__ = ["add_annual_parser", "cmd_annual_report"]


def add_annual_parser(sub: argparse._SubParsersAction) -> None:
    annual = sub.add_parser("annual-report",
                            help="a deputy's annual report to voters (年述职), drafted as DOCX")
    annual.add_argument("--deputy", metavar="CODE", required=True, help="the deputy's code")
    annual.add_argument("--year", type=int, required=True, metavar="YYYY",
                        help="the year (this year: up to today)")
    annual.add_argument("--locale", choices=LOCALES, default=None,
                        help="language of the draft (default: JIAZHAN_LOCALE)")
    annual.add_argument("--out", metavar="PATH", required=True, help="the .docx file to write")


def cmd_annual_report(args: argparse.Namespace, settings: Settings) -> int:
    from storage.annual_report import annual_report_docx
    from storage.deputy_record import deputy_id_by_code, load_deputy_record

    loc = settings.locale
    locale = args.locale or loc

    async def go() -> int:
        db = await open_database(settings)
        try:
            async with db.reading() as session:
                deputy_id = await deputy_id_by_code(session, args.deputy)
                if deputy_id is None:
                    print(t(loc, "annual.cli.unknown_deputy", code=args.deputy), file=sys.stderr)
                    return 1
                record = await load_deputy_record(session, deputy_id, args.year, settings.tz,
                                                  utcnow())
        finally:
            await db.dispose()
        if record is None:
            print(t(loc, "annual.cli.bad_year", year=args.year), file=sys.stderr)
            return 2
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(annual_report_docx(locale, record))
        print(t(loc, "annual.cli.written", path=out, name=record.name, year=record.year,
                first=record.first.isoformat(), last=record.last.isoformat()))
        return 0

    return asyncio.run(go())
