"""`jiazhan route`: the community and station for addresses, readable or as JSON lines.

The router is built once from the database; ``--batch`` then answers one stdin line after another
(one JSON object per line, in order), so thousands of lines cost no per-line start-up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterable
from typing import TextIO

from locales import t
from storage.area import area_of
from storage.routing import Candidate, Router, RouteResult, RouteStatus

from .cli_data import open_database
from .settings import Settings

__all__ = ["cmd_route", "render_result"]


async def _load_router(settings: Settings) -> Router:
    db = await open_database(settings)
    try:
        async with db.reading() as session:
            return await Router.load(session)
    finally:
        await db.dispose()


def _station_text(locale: str, candidate: Candidate) -> str:
    station = candidate.station
    if station is None:
        return t(locale, "routing.no_station")
    key = "routing.home" if station.kind == "home" else "routing.station"
    return t(locale, key, name=station.name)


def render_result(locale: str, result: RouteResult, area: str = "") -> str:
    """A few readable lines for one answer (``area``: the service area's name)."""
    reason = t(locale, f"routing.reason.{result.reason}", area=area) if result.reason else ""
    if result.status is RouteStatus.NONE:
        return t(locale, "routing.none", query=result.query, reason=reason)
    if result.status is RouteStatus.MATCHED:
        best = result.candidates[0]
        line = t(locale, "routing.matched", query=result.query, name=best.name, town=best.town)
        lines = [line + _station_text(locale, best)]
    else:
        lines = [t(locale, "routing.ambiguous", query=result.query)]
        lines += [
            t(locale, "routing.candidate", rank=rank, name=c.name, town=c.town,
              station=_station_text(locale, c))
            for rank, c in enumerate(result.candidates, 1)
        ]
    if reason:
        lines.append("  " + reason)
    return "\n".join(lines)


def _json_line(result: RouteResult) -> str:
    return json.dumps(result.to_json(), ensure_ascii=False)


def _answer_lines(router: Router, lines: Iterable[str], out: TextIO) -> int:
    count = 0
    for line in lines:
        out.write(_json_line(router.route(line.rstrip("\r\n"))))
        out.write("\n")
        count += 1
    out.flush()
    return count


def cmd_route(args: argparse.Namespace, settings: Settings) -> int:
    if not args.batch and not args.addresses:
        print(t(settings.locale, "routing.reason.empty"), file=sys.stderr)
        return 2
    router = asyncio.run(_load_router(settings))
    if not router.communities:
        print(t(settings.locale, "cli.empty_database"), file=sys.stderr)
    if args.batch:
        _answer_lines(router, sys.stdin, sys.stdout)
        return 0
    districts = [(d.code, d.name) for d in router.districts]
    area = area_of(districts, settings.area_name, settings.area_name_en).display(settings.locale)
    for address in args.addresses:
        result = router.route(address)
        print(_json_line(result) if args.json else render_result(settings.locale, result, area))
    return 0
