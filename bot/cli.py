"""The `jiazhan` command line: `jiazhan --help` lists every command.

Each command lives in the module named in ``COMMANDS`` and is imported only when it runs, so
`jiazhan stats` does not pay for the Telegram client and nothing happens at import time.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

__all__ = ["main", "build_parser"]

# command name -> "module:function"; the function takes (args, settings) and returns an exit code.
COMMANDS: dict[str, str] = {
    "db upgrade": "bot.cli_data:cmd_db_upgrade",
    "demo load": "bot.cli_data:cmd_demo_load",
    "import": "bot.cli_data:cmd_import",
    "export": "bot.cli_data:cmd_export",
    "stats": "bot.cli_data:cmd_stats",
    "route": "bot.cli_route:cmd_route",
    "run": "bot.service:cmd_run",
    "sandbox": "bot.sandbox:cmd_sandbox",
    "invite deputy": "bot.cli_data:cmd_invite_deputy",
    "plan": "bot.cli_calendar:cmd_plan",
    "archive": "bot.cli_calendar:cmd_archive",
    "report": "bot.cli_report:cmd_report",
    "annual-report": "bot.cli_annual:cmd_annual_report",
    "poster meeting": "bot.cli_calendar:cmd_poster",
    "poster station": "bot.cli_calendar:cmd_poster",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jiazhan",
        description="家站 Jiazhan — residents and their people's congress deputies, on Telegram.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db_cmd", required=True)
    db.add_parser("upgrade", help="migrate the database to the newest schema")

    demo = sub.add_parser("demo", help="the fictional demo district").add_subparsers(
        dest="demo_cmd", required=True
    )
    load = demo.add_parser("load", help="load the demo: Miyun District, or --area 北京市 / any district")
    load.add_argument("--force", action="store_true", help="load even if the database has data")
    load.add_argument("--area", default=None,
                      help="北京市 (the whole city) or one district by name or code (default: 密云区)")

    imp = sub.add_parser("import", help="import a district from an XLSX workbook or a CSV folder")
    imp.add_argument("path")
    imp.add_argument("--json", action="store_true", help="print rows per sheet as one JSON object")
    exp = sub.add_parser("export", help="export the district to an XLSX workbook or a CSV folder")
    exp.add_argument("path", help="a file ending in .xlsx, or a folder for CSV files")
    exp.add_argument("--json", action="store_true", help="print rows per sheet as one JSON object")

    stats = sub.add_parser("stats", help="counts, and the three rates per station and deputy")
    stats.add_argument("--json", action="store_true", help="print one JSON object")

    route = sub.add_parser("route", help="find the community and station for addresses")
    route.add_argument("addresses", nargs="*", metavar="ADDRESS")
    route.add_argument("--json", action="store_true", help="one JSON object per address")
    route.add_argument("--batch", action="store_true", help="read addresses from stdin, one a line")

    run = sub.add_parser("run", help="run the bot (long polling, or --webhook)")
    run.add_argument("--webhook", action="store_true", help="serve a webhook instead of polling")
    run.add_argument("--demo", action="store_true", help="load the demo district into an empty db")
    run.add_argument("--worker", action="store_true",
                     help="only send the outbox and run jobs (beside a process that receives)")

    sandbox = sub.add_parser("sandbox", help="try the whole bot offline in this terminal")
    sandbox.add_argument("--database", help="database URL (default: a temporary SQLite file)")

    invite = sub.add_parser("invite", help="invitation links").add_subparsers(
        dest="invite_cmd", required=True
    )
    inv_dep = invite.add_parser("deputy", help="a single-use link that links a deputy's Telegram")
    inv_dep.add_argument("deputy", metavar="ID_OR_NAME")
    inv_dep.add_argument("--bot-username", default=None,
                         help="bot username for the t.me link (default: getMe with the token)")
    from .cli_calendar import add_calendar_parsers

    add_calendar_parsers(sub)
    from .cli_report import add_report_parser

    add_report_parser(sub)
    from .cli_annual import add_annual_parser

    add_annual_parser(sub)
    return parser


def _command_key(args: argparse.Namespace) -> str:
    for attr in ("db_cmd", "demo_cmd", "invite_cmd", "poster_cmd"):
        value = getattr(args, attr, None)
        if value:
            return f"{args.command} {value}"
    return str(args.command)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from pydantic import ValidationError

    from .settings import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]).upper()
            print(f"JIAZHAN_{where}: {err['msg']}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from .log_privacy import install_log_privacy

    # No token and no personal data in any record, at any level (DEBUG included).
    token = settings.bot_token.get_secret_value() if settings.bot_token else None
    install_log_privacy(token)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is noise
    logging.getLogger("alembic").setLevel(logging.WARNING)
    module_name, func_name = COMMANDS[_command_key(args)].split(":")
    func = getattr(importlib.import_module(module_name), func_name)
    try:
        return int(func(args, settings) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `jiazhan stats --json | head`: the reader left; end quietly
        _silence_stdout()
        return 1


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot complain again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
