"""The aiohttp side of the service: webhook endpoint, /healthz and /metrics."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .metrics import Metrics

__all__ = ["WebState", "STATE", "build_web_app", "WEBHOOK_PATH"]

log = logging.getLogger("jiazhan.web")
WEBHOOK_PATH = "/telegram"


class WebState:
    def __init__(
        self,
        *,
        metrics: Metrics,
        health: Callable[[], Awaitable[dict[str, bool]]],
        enqueue_update: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
        secret: str | None = None,
        refresh_metrics: Callable[[], Awaitable[None]] | None = None,
        accepting: Callable[[], bool] = lambda: True,
    ) -> None:
        self.metrics, self.health, self.enqueue_update = metrics, health, enqueue_update
        self.secret, self.refresh_metrics = secret, refresh_metrics
        self.accepting = accepting


STATE: web.AppKey[WebState] = web.AppKey("state", WebState)


# Reported by /healthz but not a reason for 503: the service runs, something is missing.
ADVISORY = frozenset({"staff_group"})


async def healthz(request: web.Request) -> web.Response:
    checks = await request.app[STATE].health()
    ok = all(value for name, value in checks.items() if name not in ADVISORY)
    return web.json_response({"ok": ok, **checks}, status=200 if ok else 503)


async def metrics(request: web.Request) -> web.Response:
    state = request.app[STATE]
    if state.refresh_metrics is not None:
        await state.refresh_metrics()
    return web.Response(body=state.metrics.render(), content_type="text/plain")


async def webhook(request: web.Request) -> web.Response:
    state = request.app[STATE]
    if state.enqueue_update is None:
        raise web.HTTPNotFound()
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if state.secret and not hmac.compare_digest(given, state.secret):
        log.warning("webhook call with a wrong secret token refused")
        raise web.HTTPForbidden()
    if not state.accepting():  # the database file is lost: Telegram keeps the update for later
        raise web.HTTPServiceUnavailable()
    try:
        data = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise web.HTTPBadRequest() from None
    if not isinstance(data, dict) or "update_id" not in data:
        raise web.HTTPBadRequest()
    await state.enqueue_update(data)
    return web.Response(text="ok")


def build_web_app(state: WebState, webhook_path: str = WEBHOOK_PATH) -> web.Application:
    """Health, metrics and the webhook, at `WEBHOOK_PATH` and at the path of the configured webhook URL."""
    app = web.Application(client_max_size=2 * 1024 * 1024)
    app[STATE] = state
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_post(WEBHOOK_PATH, webhook)
    if webhook_path != WEBHOOK_PATH:
        app.router.add_post(webhook_path, webhook)
    return app

