"""`python -m bot.emulator --port N`: run the emulator standalone until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from .limits import Limits
from .server import BotApiEmulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.emulator",
                                     description="A strict Telegram Bot API emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST")
    parser.add_argument("--bot-username", default="jiazhan_test_bot")
    parser.add_argument("--no-limits", action="store_true",
                        help="no flood limits (for benchmarks of the bot itself)")
    parser.add_argument("--lenient", action="store_true",
                        help="ignore unknown parameters instead of refusing them (still recorded)")
    return parser


async def _serve(args: argparse.Namespace) -> None:
    emulator = BotApiEmulator(args.token, bot_username=args.bot_username,
                              strict=not args.lenient,
                              limits=Limits.unlimited() if args.no_limits else Limits())
    root = await emulator.start(args.host, args.port)
    print(f"Bot API emulator at {root} (bot base_url {root}/bot, token {args.token})",
          flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await emulator.stop()
        if emulator.violations:
            print(f"{len(emulator.violations)} protocol violation(s):", file=sys.stderr)
            for line in emulator.violations:
                print(f"  {line}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        asyncio.run(_serve(args))
    except OSError as exc:
        print(f"Cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
