"""The running service: PTB application, delivery worker, scheduled jobs and the HTTP side."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import functools
import gc
import logging
import secrets
import signal
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from aiohttp import web
from telegram import Update
from telegram.error import InvalidToken, NetworkError

from dialogs.kernel.context import Services, system_clock
from dialogs.registry import build_jobs
from dialogs.staff.topics import ensure_town_topics
from locales import t
from storage import Database, outbox
from storage.db import needs_initial_data
from storage.sqlite_file import DatabaseInUse
from storage.staff_chats import bound_chat_ids

from .app import build_application
from .broadcaster import BroadcastWorker
from .delivery import DeliveryWorker
from .http import AiohttpRequest
from .jobs import Scheduler
from .log_privacy import install_log_privacy
from .metrics import Metrics
from .pacing import Limits, pace_direct_reply
from .settings import Settings
from .update_inbox import InboxPump
from .web import WEBHOOK_PATH, BadUpdate, WebState, build_web_app

__all__ = ["Service", "cmd_run"]

log = logging.getLogger("jiazhan.service")
STOP_GRACE = 5.0  # seconds the worker and jobs get to finish their round on stop
MENU = ("start", "station", "suggest", "my", "bookings", "subscribe", "privacy", "language", "help",
        "cancel")


class Service:
    """One bot process. `start()` then `stop()`; tests and the sandbox drive it the same way."""

    def __init__(
        self,
        settings: Settings,
        *,
        db: Database | None = None,
        clock: Callable[[], datetime] = system_clock,
        limits: Limits | None = None,
        serve_http: bool = True,
    ) -> None:
        self.settings, self.clock, self.limits = settings, clock, limits
        self.db = db or Database(settings.database_url)
        self.serve_http = serve_http
        self.metrics = Metrics()
        self.app: Any = None
        self.services: Services | None = None
        self.worker: DeliveryWorker | None = None
        self.broadcaster: BroadcastWorker | None = None
        self.scheduler: Scheduler | None = None
        self.http_port: int | None = None
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._watcher: asyncio.Task[None] | None = None
        self.pump: InboxPump | None = None
        self._poller: asyncio.Task[None] | None = None
        self.webhook = False
        self.receiving = False  # taking updates; False once the database file is lost
        self.webhook_secret = ""
        self._requests: tuple[AiohttpRequest, AiohttpRequest] | None = None

    async def start(self, *, webhook: bool = False, receive: bool = True) -> None:
        """Start; ``receive=False`` runs only the delivery worker and the jobs (a second
        process beside one that receives updates, sharing a PostgreSQL database)."""
        self.webhook = webhook
        token = self.settings.bot_token
        install_log_privacy(token.get_secret_value() if token else None)
        configured = self.settings.webhook_secret
        self.webhook_secret = configured.get_secret_value() if configured else ""
        if webhook and not self.webhook_secret:
            # Never a webhook anyone can post to: Telegram is told this secret by setWebhook.
            self.webhook_secret = secrets.token_urlsafe(32)
            log.info("JIAZHAN_WEBHOOK_SECRET is not set: registering a generated secret token")
        guard = self.db.file_guard
        if guard is not None:
            guard.lock()  # DatabaseInUse: another service has this SQLite file
        await self.db.upgrade()
        if guard is not None:
            guard.remember()
        self._requests = (AiohttpRequest(24), AiohttpRequest(2))
        self.app, self.services = build_application(
            self.settings, self.db, clock=self.clock, requests=self._requests
        )
        self.services.on_handled = self.metrics.handled
        try:
            await self.app.initialize()  # getMe: a bad token or an unreachable API fails here
        except Exception:
            for request in self._requests:
                await request.shutdown()
            raise
        self.services.config = dataclasses.replace(
            self.services.config, bot_username=self.app.bot.username or ""
        )
        await self.app.start()
        if receive:
            await self._set_commands()
        self.worker = DeliveryWorker(
            self.db, self.app.bot, signal=self.services.outbox_signal, clock=self.clock,
            metrics=self.metrics, limits=self.limits,
        )
        pacer = self.worker.pacer  # ONE pacer: replies, outbox and broadcasts share the budget
        self.services.pace_direct = functools.partial(pace_direct_reply, pacer)
        self.broadcaster = BroadcastWorker(
            self.db, self.app.bot, pacer=pacer, clock=self.clock, tz=self.settings.tz,
            render_card=self._render_card, on_outbox=self.services.outbox_signal.set,
            busy=lambda: bool(getattr(self.app.update_processor, "busy", False)),
        )
        self.scheduler = Scheduler(build_jobs(self.services))
        self._tasks = [asyncio.create_task(self.worker.run()), asyncio.create_task(self.scheduler.run()),
                       asyncio.create_task(self.broadcaster.run())]
        self._watcher = asyncio.create_task(self._watch_database_file())
        if self.serve_http or webhook:
            await self._start_http(webhook)
        if not receive:
            return
        if self.settings.staff_chat_id is None and not await self._bound_groups():
            log.warning("no staff group is configured (JIAZHAN_STAFF_CHAT_ID): suggestions are "
                        "recorded but nobody receives them, and residents are told so")
        self.receiving = True
        self._tasks.append(asyncio.create_task(self._town_topics()))
        self.pump = InboxPump(self.db, self.app, clock=self.clock, receiving=lambda: self.receiving,
                              on_queued=self.services.outbox_signal.set)
        self.app.update_processor.after = self.pump.processed
        await self.pump.recover()  # what a crash left, before anything new
        self._tasks.append(asyncio.create_task(self.pump.forget_done()))
        if webhook:
            await self.app.bot.set_webhook(
                url=self.settings.webhook_url or "",
                secret_token=self.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            await self.app.bot.delete_webhook()
            self._poller = asyncio.create_task(self.pump.poll())

    async def _finish_tasks(self, grace: float) -> None:
        """Let the worker, the jobs and the broadcaster end their round (``grace`` seconds in
        all), then cancel what is still running — a long job such as a city's first
        announcements, or a task waiting behind it for the database: its transaction is rolled
        back as a whole and the next start does the work again. Never raises: a stop must
        finish."""
        tasks = [task for task in self._tasks if not task.done()]
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=grace)
            for task in late:
                task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception as exc:  # noqa: BLE001 - logged; the stop goes on
                log.error("a service task ended with %s", type(exc).__name__)
        if self.scheduler is not None and self.scheduler.current is not None:
            log.warning("stopped during the job %s; it runs again at the next start",
                        self.scheduler.current)

    def _render_card(self, broadcast: Any, progress: Any, final: bool) -> dict[str, Any]:
        from dialogs.staff.announce import render_card

        return render_card(broadcast, progress, final, self.settings.locale)

    async def _watch_database_file(self, every: float = 1.0) -> None:
        """A deleted or replaced SQLite file: stop taking updates and say so (once)."""
        guard = self.db.file_guard
        if guard is None:
            return
        while guard.intact():
            await asyncio.sleep(every)
        log.error("the database file %s was deleted or replaced: stopped taking updates and "
                  "sending; restart the service on the right file", guard.path)
        self.receiving = False
        if self.worker is not None:
            self.worker.stop()
        if self.broadcaster is not None:
            self.broadcaster.stop()
        if self.scheduler is not None:
            self.scheduler.stop()
        await self._stop_polling()

    async def _town_topics(self) -> None:
        """A staff group with forum topics gets one per town (in the background: Telegram paces
        topic creation, and cards go to the general topic until theirs exists)."""
        assert self.services is not None
        try:
            await ensure_town_topics(self.services, self.app.bot)
        except Exception as exc:  # noqa: BLE001 - topics are a convenience, never a failure
            log.warning("town topics not created: %s", type(exc).__name__)

    async def _set_commands(self) -> None:
        """The command menu residents see, in Chinese (the default) and English."""
        from telegram import BotCommand

        for language in ("zh", "en"):
            commands = [BotCommand(name, t(language, f"common.cmd_{name}")) for name in MENU]
            await self.app.bot.set_my_commands(
                commands, language_code=None if language == "zh" else language
            )

    async def _start_http(self, webhook: bool) -> None:
        state = WebState(
            metrics=self.metrics,
            health=self.health,
            enqueue_update=self._enqueue_update if webhook else None,
            accepting=lambda: self.receiving,
            secret=self.webhook_secret if webhook else None,
            refresh_metrics=self._refresh_metrics,
        )
        path = urlparse(self.settings.webhook_url or "").path or WEBHOOK_PATH
        app = build_web_app(state, path if webhook else WEBHOOK_PATH)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.listen_host, self.settings.listen_port)
        await site.start()
        server = site._server  # noqa: SLF001 - aiohttp offers no public getter for the bound port
        sockets = getattr(server, "sockets", None) or []
        self.http_port = sockets[0].getsockname()[1] if sockets else self.settings.listen_port

    async def _stop_polling(self) -> None:
        """No more getUpdates: nothing further is acknowledged to Telegram."""
        if self.pump is not None:
            self.pump.stop()
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None

    async def _enqueue_update(self, data: dict[str, Any]) -> None:
        """A webhook update: committed to the inbox before the 200 (then handled at once)."""
        assert self.pump is not None
        if not await self.pump.accept(data):
            raise BadUpdate("not readable as an Update")

    async def _refresh_metrics(self) -> None:
        async with self.db.reading() as session:
            self.metrics.outbox_depth.set(await outbox.depth(session))

    async def health(self) -> dict[str, bool]:
        guard = self.db.file_guard
        return {
            "database": await self.db.ping(),
            "database_file": guard is None or guard.intact(),
            "delivery_worker": bool(self.worker and self.worker.alive),
            "staff_group": self.settings.staff_chat_id is not None or await self._bound_groups(),
        }

    async def _bound_groups(self) -> bool:
        """Whether any group is bound to an area (a deployment may have only those)."""
        try:
            async with self.db.reading() as session:
                return bool(await bound_chat_ids(session))
        except Exception:  # noqa: BLE001 - health reports the database separately
            return False

    async def stop(self) -> None:
        if self.app is None:
            return
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        self.receiving = False
        await self._stop_polling()
        if self.worker is not None:
            self.worker.stop()
        if self.broadcaster is not None:
            self.broadcaster.stop()
        if self.scheduler is not None:
            self.scheduler.stop()
        await self._finish_tasks(STOP_GRACE)
        if self.app.running:
            await self.app.stop()
        if self.pump is not None:
            await self.pump.flush()
        await self.app.shutdown()
        if self._runner is not None:
            await self._runner.cleanup()
        await self.db.dispose()
        if self.db.file_guard is not None:
            self.db.file_guard.release()
        self.app = None


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    locale = settings.locale
    if settings.bot_token is None:
        print(t(locale, "cli.missing_token"), file=sys.stderr)
        return 2
    if args.webhook and not settings.webhook_url:
        print(t(locale, "cli.missing_webhook_url"), file=sys.stderr)
        return 2
    return asyncio.run(_run(args, settings))


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    locale = settings.locale
    db = Database(settings.database_url)
    try:
        if db.file_guard is not None:
            db.file_guard.lock()  # before anything touches the file
    except DatabaseInUse as exc:
        print(t(locale, "cli.database_in_use", path=exc.database, lock=exc.lock_file),
              file=sys.stderr)
        await db.dispose()
        return 2
    await db.upgrade()
    if await needs_initial_data(db):
        if not args.demo:
            print(t(locale, "cli.empty_database"), file=sys.stderr)
            await db.dispose()
            return 1
        from storage.demo import load_demo

        async with db.unit_of_work() as session:
            await load_demo(session, tz=settings.tz)
        print(t(locale, "cli.demo_loaded"))
    service = Service(settings, db=db)
    try:
        await service.start(webhook=args.webhook, receive=not args.worker)
    except InvalidToken as exc:
        print(t(locale, "cli.bad_token", reason=type(exc).__name__), file=sys.stderr)
        await _quiet_stop(service)
        return 2
    except NetworkError:
        print(t(locale, "cli.api_unreachable", url=settings.bot_api_url), file=sys.stderr)
        await _quiet_stop(service)
        return 2
    except OSError:
        print(t(locale, "cli.port_busy", host=settings.listen_host, port=settings.listen_port),
              file=sys.stderr)
        await service.stop()
        return 2
    # What start-up built (the routing index, the application) lives as long as the process:
    # out of the collector's way, so a full collection scans only what is new (0.3-0.5 s on a
    # loaded 2-core machine, during which every reply waited). Here, not in Service.start: a
    # test process starts many services and must not keep their garbage.
    gc.collect()
    gc.freeze()
    mode = "worker" if args.worker else "webhook" if args.webhook else "polling"
    print(t(locale, "cli.running", mode=mode), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await service.stop()
    print(t(locale, "cli.stopped"), flush=True)
    return 0


async def _quiet_stop(service: Service) -> None:
    with contextlib.suppress(Exception):
        if service.app is not None:
            await service.app.shutdown()
    await service.db.dispose()
    if service.db.file_guard is not None:
        service.db.file_guard.release()
