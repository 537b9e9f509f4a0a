"""Data commands: db upgrade, demo load, import, export, stats, invite deputy."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from locales import t
from storage import Database
from storage.db import needs_initial_data

from .settings import Settings

__all__ = [
    "open_database",
    "cmd_db_upgrade",
    "cmd_demo_load",
    "cmd_import",
    "cmd_export",
    "cmd_stats",
    "cmd_invite_deputy",
]


async def open_database(settings: Settings) -> Database:
    """Every command migrates a new (or old) database itself."""
    db = Database(settings.database_url)
    await db.upgrade()
    return db


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    async def go() -> None:
        db = await open_database(settings)
        await db.dispose()

    asyncio.run(go())
    print("ok")
    return 0


def cmd_demo_load(args: argparse.Namespace, settings: Settings) -> int:
    from storage.demo import DemoAreaUnknown, demo_divisions, load_demo

    area = getattr(args, "area", None)
    try:
        demo_divisions(area)
    except DemoAreaUnknown:
        print(t(settings.locale, "cli.demo_area_unknown", area=area), file=sys.stderr)
        return 2

    async def go() -> int:
        db = await open_database(settings)
        try:
            if not args.force and not await needs_initial_data(db):
                print(t(settings.locale, "cli.demo_not_empty"), file=sys.stderr)
                return 1
            async with db.unit_of_work() as session:
                summary = await load_demo(session, tz=settings.tz, area=area)
        finally:
            await db.dispose()
        print(json.dumps(summary, ensure_ascii=False))
        return 0

    return asyncio.run(go())


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from storage.transfer import ImportRejected, Problem, import_path

    async def go() -> int:
        db = await open_database(settings)
        notes: list[Problem] = []
        try:
            async with db.unit_of_work() as session:
                counts = await import_path(session, Path(args.path), tz=settings.tz, notes=notes)
        except ImportRejected as rejected:
            for problem in rejected.problems:
                print(problem.describe(settings.locale), file=sys.stderr)
            print(t(settings.locale, "cli.import_refused", count=len(rejected.problems)), file=sys.stderr)
            return 1
        finally:
            await db.dispose()
        for note in notes:
            print(t(settings.locale, "cli.import_warning", text=note.describe(settings.locale)),
                  file=sys.stderr)
        _print_counts(args, settings, "cli.imported", counts, Path(args.path))
        return 0

    return asyncio.run(go())


def _print_counts(
    args: argparse.Namespace, settings: Settings, key: str, counts: dict[str, int], path: Path
) -> None:
    """Rows per sheet: one JSON object with ``--json``, else one sentence a person reads."""
    if args.json:
        print(json.dumps(counts, ensure_ascii=False))
        return
    locale = settings.locale
    parts = [t(locale, "cli.sheet_count", sheet=t(locale, f"cli.sheet.{name}"), count=count)
             for name, count in counts.items()]
    form = t(locale, "cli.form_xlsx" if path.suffix.lower() == ".xlsx" else "cli.form_csv")
    print(t(locale, key, path=str(path), form=form, counts=t(locale, "cli.list_sep").join(parts)))


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from storage.transfer import export_path

    async def go() -> int:
        db = await open_database(settings)
        try:
            async with db.reading() as session:
                counts = await export_path(session, Path(args.path), tz=settings.tz)
        finally:
            await db.dispose()
        _print_counts(args, settings, "cli.exported", counts, Path(args.path))
        return 0

    return asyncio.run(go())


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    from storage.stats import collect_stats, render_stats

    async def go() -> int:
        db = await open_database(settings)
        try:
            async with db.reading() as session:
                stats = await collect_stats(session, tz=settings.tz)
        finally:
            await db.dispose()
        if args.json:
            print(json.dumps(stats, ensure_ascii=False, sort_keys=True))
        else:
            print(render_stats(stats, settings.locale))
        return 0

    return asyncio.run(go())


async def bot_username(settings: Settings) -> str | None:
    """The bot's username as Telegram knows it (getMe), or None without a token or an answer."""
    import aiohttp

    if settings.bot_token is None:
        return None
    url = f"{settings.api_base_url}{settings.bot_token.get_secret_value()}/getMe"
    try:
        async with aiohttp.ClientSession() as http, http.get(
            url, timeout=aiohttp.ClientTimeout(total=10)
        ) as resp:
            body = await resp.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return None
    result = body.get("result") if isinstance(body, dict) and body.get("ok") else None
    username = result.get("username") if isinstance(result, dict) else None
    return str(username) if username else None


def cmd_invite_deputy(args: argparse.Namespace, settings: Settings) -> int:
    from storage.invites import InviteError, create_deputy_invite

    async def go() -> int:
        username = args.bot_username or await bot_username(settings)
        if username is None:  # a link to no bot in particular is no use to a deputy
            print(t(settings.locale, "cli.no_bot_username"), file=sys.stderr)
            return 2
        db = await open_database(settings)
        try:
            async with db.unit_of_work() as session:
                invite = await create_deputy_invite(session, args.deputy, created_by=None)
        except InviteError as err:
            print(t(settings.locale, err.key, **err.fields), file=sys.stderr)
            return 1
        finally:
            await db.dispose()
        print(f"https://t.me/{username.lstrip('@')}?start={invite.code}")
        return 0

    return asyncio.run(go())
