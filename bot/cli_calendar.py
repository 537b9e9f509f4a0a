"""Calendar commands: ``plan`` (the year's meetings from each station's rhythm, and the 计划表
workbook), ``archive`` (履职档案) and ``poster`` (sign-in QR posters)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locales import t
from storage.models import MeetingKind, utcnow

from .cli_data import open_database
from .settings import Settings

__all__ = ["cmd_plan", "cmd_archive", "cmd_poster", "add_calendar_parsers"]

COUNTS = ("meetings_held", "deputy_attendances", "voter_contacts", "bookings", "on_behalf")


def add_calendar_parsers(sub: argparse._SubParsersAction) -> None:
    plan = sub.add_parser("plan", help="the year's meetings from every station's rhythm (计划表)")
    plan.add_argument("--year", type=int, required=True)
    plan.add_argument("--json", action="store_true", help="print one JSON object")
    plan.add_argument("--xlsx", metavar="PATH", help="also write the plan workbook")
    archive = sub.add_parser("archive", help="the year's meetings as a workbook (履职档案)")
    archive.add_argument("--year", type=int, required=True)
    scope = archive.add_mutually_exclusive_group()
    scope.add_argument("--station", metavar="CODE", help="one station or home")
    scope.add_argument("--town", metavar="CODE", help="the stations of one town (9 digits)")
    archive.add_argument("--json", action="store_true", help="print the counts as one JSON object")
    archive.add_argument("path", metavar="OUT.xlsx")
    poster = sub.add_parser("poster", help="a sign-in QR poster (PNG)").add_subparsers(
        dest="poster_cmd", required=True)
    for what, help_text in (("meeting", "a meeting's sign-in code (签到)"),
                            ("station", "a station's permanent code (站码): starts onboarding")):
        one = poster.add_parser(what, help=help_text)
        one.add_argument("code", metavar="CODE")
        one.add_argument("path", metavar="OUT.png")
        one.add_argument("--bot-username", default=None,
                         help="bot username for the t.me link (default: getMe with the token)")


def cmd_plan(args: argparse.Namespace, settings: Settings) -> int:
    from storage.plan_workbook import PLAN_COLUMNS, plan_rows, write_plan_xlsx
    from storage.planning import plan_year

    loc = settings.locale
    topics = {kind: t(loc, f"calendar.plan_topic_{kind.value}") for kind in MeetingKind}

    async def go() -> int:
        db = await open_database(settings)
        try:
            async with db.unit_of_work() as session:
                result = await plan_year(session, args.year, settings.tz, utcnow(), topics)
            if args.xlsx:
                async with db.reading() as session:
                    rows = await plan_rows(session, args.year, settings.tz)
                headers = {c: t(loc, f"calendar.plan_column.{c}") for c in PLAN_COLUMNS}
                kinds = {k.value: t(loc, f"station.kind.{k.value}") for k in MeetingKind}
                write_plan_xlsx(Path(args.xlsx), t(loc, "calendar.plan_title", year=args.year),
                                headers, kinds, rows)
        finally:
            await db.dispose()
        if args.json:
            print(json.dumps(result.as_json(), ensure_ascii=False))
        else:
            print(t(loc, "calendar.plan_summary", year=args.year, created=result.created,
                    updated=result.updated, unchanged=result.unchanged, skipped=result.skipped,
                    stations=len(result.stations)))
            if args.xlsx:
                print(t(loc, "calendar.plan_written", path=args.xlsx, rows=len(rows)))
        return 0

    return asyncio.run(go())


def cmd_archive(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import asdict

    from storage.archive import (
        ARCHIVE_COLUMNS,
        archive_counts,
        archive_rows,
        archive_scope,
        write_archive_xlsx,
    )
    from storage.models import MeetingStatus

    loc = settings.locale
    labels = {f"kind.{k.value}": t(loc, f"station.kind.{k.value}") for k in MeetingKind}
    labels |= {f"status.{s.value}": t(loc, f"calendar.status.{s.value}") for s in MeetingStatus}

    async def go() -> int:
        db = await open_database(settings)
        try:
            async with db.reading() as session:
                scope = await archive_scope(session, station_code=args.station,
                                            town_code=args.town)
                if scope == []:
                    print(t(loc, "calendar.archive_unknown_scope"), file=sys.stderr)
                    return 1
                rows = await archive_rows(session, args.year, settings.tz, scope, labels)
                counts = asdict(await archive_counts(session, args.year, settings.tz, scope))
        finally:
            await db.dispose()
        headers = {c: t(loc, f"calendar.archive_column.{c}") for c in ARCHIVE_COLUMNS}
        totals = [(t(loc, f"calendar.archive_total.{k}"), counts[k]) for k in COUNTS]
        write_archive_xlsx(Path(args.path), (t(loc, "calendar.archive_title", year=args.year),
                                             t(loc, "calendar.archive_totals")),
                           headers, rows, totals)
        if args.json:
            print(json.dumps({"year": args.year, "meetings": len(rows), **counts}))
        else:
            print(t(loc, "calendar.archive_written", path=args.path, rows=len(rows),
                    **{k: counts[k] for k in COUNTS}))
        return 0

    return asyncio.run(go())


async def _poster_for(session: AsyncSession, settings: Settings, what: str, code: str
                      ) -> tuple[str, list[str], str, str] | None:
    """(title, lines, start payload, footer) of a meeting's or a station's poster."""
    from dialogs.resident.checkin import station_payload
    from dialogs.resident.station_render import when
    from storage.checkins import checkin_payload
    from storage.meeting_rules import ensure_checkin_token
    from storage.models import Meeting, Station

    loc = settings.locale
    if what == "station":
        station = await session.scalar(select(Station).where(Station.code == code))
        if station is None:
            return None
        return (t(loc, "calendar.poster.station_title"), [station.name, station.address],
                station_payload(station.code), t(loc, "calendar.poster.station_footer"))
    meeting = await session.scalar(select(Meeting).where(Meeting.code == code))
    if meeting is None:
        return None
    station = await session.get(Station, meeting.station_id)
    assert station is not None
    token = ensure_checkin_token(meeting)
    lines = [f"{t(loc, f'station.kind.{meeting.kind}')} · {station.name}",
             when(loc, settings.tz, meeting.starts_at, meeting.ends_at), meeting.place]
    return (t(loc, "calendar.poster.meeting_title"), [x for x in lines if x],
            checkin_payload(token), t(loc, "calendar.poster.meeting_footer"))


def cmd_poster(args: argparse.Namespace, settings: Settings) -> int:
    from .cli_data import bot_username
    from .poster import render_poster

    async def go() -> int:
        username = args.bot_username or await bot_username(settings)
        if username is None:
            print(t(settings.locale, "cli.no_bot_username"), file=sys.stderr)
            return 2
        db = await open_database(settings)
        try:
            async with db.unit_of_work() as session:
                found = await _poster_for(session, settings, args.poster_cmd, args.code)
        finally:
            await db.dispose()
        if found is None:
            print(t(settings.locale, "calendar.poster.unknown", code=args.code), file=sys.stderr)
            return 1
        title, lines, payload, footer = found
        link = f"https://t.me/{username.lstrip('@')}?start={payload}"
        Path(args.path).write_bytes(render_poster(title, lines, link, footer))
        print(link)
        return 0

    return asyncio.run(go())
