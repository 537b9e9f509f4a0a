"""The aiohttp side of the service: webhook endpoint, /healthz and /metrics.

The webhook trusts nothing it has not checked: the secret token first (a service never serves a
webhook without one), then the body — at most ``MAX_UPDATE_BYTES``, JSON, an object with an
``update_id`` that fits the database, objects as its fields, no deeper than ``MAX_DEPTH``. Anything
else is a 400 (a 413 past the size) and one counter, never a traceback. Refused calls are logged
at most once a minute, with their count, so a flood cannot fill the log.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .metrics import Metrics

__all__ = ["WebState", "STATE", "build_web_app", "WEBHOOK_PATH", "BadUpdate", "parse_update",
           "MAX_UPDATE_BYTES", "RefusalLog"]

log = logging.getLogger("jiazhan.web")
WEBHOOK_PATH = "/telegram"
MAX_UPDATE_BYTES = 256 * 1024  # a real update (4096 characters, a quoted reply, entities) is far less
MAX_DEPTH = 32  # real updates nest about 8 deep
MAX_UPDATE_ID = 2**63 - 1  # the database column is a signed 64-bit integer


class BadUpdate(ValueError):
    """A webhook body that is not a Telegram update."""


class RefusalLog:
    """Logs refused webhook calls: the first at once, then at most one line per ``every``
    seconds saying how many there were."""

    def __init__(self, what: str, every: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.what, self.every, self.clock = what, every, clock
        self.count = 0
        self._last: float | None = None

    def note(self) -> None:
        self.count += 1
        now = self.clock()
        if self._last is None or now - self._last >= self.every:
            log.warning("refused %d webhook call(s): %s", self.count, self.what)
            self.count, self._last = 0, now


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
        if enqueue_update is not None and not secret:
            raise ValueError("a webhook is never served without a secret token")
        self.metrics, self.health, self.enqueue_update = metrics, health, enqueue_update
        self.secret, self.refresh_metrics = secret or "", refresh_metrics
        self.accepting = accepting
        self.wrong_secret = RefusalLog("wrong secret token")
        self.malformed = RefusalLog("not a Telegram update")


STATE: web.AppKey[WebState] = web.AppKey("state", WebState)


# Reported by /healthz but not a reason for 503: the service runs, something is missing.
ADVISORY = frozenset({"staff_group"})


def _depth(value: Any) -> int:
    """How deep objects and arrays nest (iteratively: a hostile body cannot exhaust the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_update(body: bytes) -> dict[str, Any]:
    """The update in a webhook body, or ``BadUpdate``."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise BadUpdate("not JSON") from None
    if not isinstance(data, dict):
        raise BadUpdate("not an object")
    update_id = data.get("update_id")
    if type(update_id) is not int or not 0 <= update_id <= MAX_UPDATE_ID:
        raise BadUpdate("no valid update_id")
    if len(data) < 2 or any(not isinstance(v, dict) for k, v in data.items() if k != "update_id"):
        raise BadUpdate("fields are not objects")
    if _depth(data) > MAX_DEPTH:
        raise BadUpdate("nested too deep")
    return data


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
    if not hmac.compare_digest(given.encode(), state.secret.encode()):
        state.metrics.webhook_refused.labels("secret").inc()
        state.wrong_secret.note()
        raise web.HTTPForbidden()
    if not state.accepting():  # the database file is lost: Telegram keeps the update for later
        raise web.HTTPServiceUnavailable()
    body = await request.read()  # past client_max_size: 413
    try:
        await state.enqueue_update(parse_update(body))
    except BadUpdate:
        state.metrics.webhook_refused.labels("malformed").inc()
        state.malformed.note()
        raise web.HTTPBadRequest(text="not a Telegram update") from None
    except Exception as exc:  # noqa: BLE001 - not stored, so not acknowledged: Telegram retries
        log.error("webhook update not stored: %s", type(exc).__name__)
        raise web.HTTPServiceUnavailable() from None
    return web.Response(text="ok")


def build_web_app(state: WebState, webhook_path: str = WEBHOOK_PATH) -> web.Application:
    """Health, metrics and the webhook, at `WEBHOOK_PATH` and at the path of the configured webhook URL."""
    app = web.Application(client_max_size=MAX_UPDATE_BYTES)
    app[STATE] = state
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_post(WEBHOOK_PATH, webhook)
    if webhook_path != WEBHOOK_PATH:
        app.router.add_post(webhook_path, webhook)
    return app
