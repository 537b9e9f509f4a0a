"""How updates reach the bot: long polling with offsets, or webhook POSTs with retries."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time

import aiohttp

from .errors import ApiError, bad_request
from .limits import Limits
from .state import Json, World

_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
WEBHOOK_CONFLICT = ("Conflict: can't use getUpdates method while webhook is active; use "
                    "deleteWebhook to delete the webhook first")
POLL_CONFLICT = ("Conflict: terminated by other getUpdates request; make sure that only one bot "
                 "instance is running")


def update_kind(update: Json) -> str:
    return next(key for key in update if key != "update_id")


def update_chat(update: Json) -> int:
    """The chat an update belongs to (webhook deliveries keep each chat in order)."""
    body = update[update_kind(update)]
    chat = body.get("chat") or (body.get("message") or {}).get("chat") or body.get("from") or {}
    return int(chat.get("id", 0))


class UpdateFeed:
    """getUpdates, setWebhook, deleteWebhook, getWebhookInfo and the webhook sender."""

    def __init__(self, world: World, limits: Limits) -> None:
        self.world = world
        self.limits = limits
        self.closing = False
        self._poll_generation = 0
        self._workers: list[asyncio.Task[None]] = []
        self._in_flight: set[int] = set()  # update ids being POSTed
        self._busy_chats: set[int] = set()
        self._session: aiohttp.ClientSession | None = None

    # -- long polling ---------------------------------------------------------------------

    def _confirm(self, offset: int | None) -> None:
        pending = self.world.pending
        if offset is not None and offset < 0:
            del pending[: max(0, len(pending) + offset)]
        elif offset:
            pending[:] = [u for u in pending if u["update_id"] >= offset]

    async def get_updates(self, params: Json) -> list[Json]:
        world = self.world
        if world.webhook.url:
            raise ApiError(409, WEBHOOK_CONFLICT)
        if "allowed_updates" in params:
            world.allowed_updates = list(params["allowed_updates"]) or None
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        timeout = min(max(float(params.get("timeout", 0)), 0.0), self.limits.max_long_poll)
        self._poll_generation += 1
        generation = self._poll_generation
        world.updates_changed.fire()  # an older long poll ends with 409
        self._confirm(params.get("offset"))
        await world.updates_changed.wait_until(
            lambda: bool(world.pending or world.redeliver) or self.closing
            or generation != self._poll_generation,
            timeout,
        )
        if generation != self._poll_generation:
            raise ApiError(409, POLL_CONFLICT, expected=True)
        result = world.redeliver[:limit] + world.pending[: limit - len(world.redeliver[:limit])]
        del world.redeliver[:limit]
        return result

    # -- webhook --------------------------------------------------------------------------

    async def set_webhook(self, params: Json) -> bool:
        url = params["url"]
        if url and not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET.match(secret):
            raise bad_request("secret token contains unallowed characters")
        await self._stop_workers()
        hook = self.world.webhook
        hook.url, hook.secret_token = url, secret
        hook.max_connections = min(max(int(params.get("max_connections", 40)), 1), 100)
        if "allowed_updates" in params:
            self.world.allowed_updates = list(params["allowed_updates"]) or None
        if params.get("drop_pending_updates"):
            self.world.pending.clear()
        if url:
            self._start_workers()
        return True

    async def delete_webhook(self, params: Json) -> bool:
        await self._stop_workers()
        self.world.webhook.url, self.world.webhook.secret_token = "", None
        if params.get("drop_pending_updates"):
            self.world.pending.clear()
        return True

    def webhook_info(self, params: Json) -> Json:
        hook = self.world.webhook
        info: Json = {"url": hook.url, "has_custom_certificate": False,
                      "pending_update_count": len(self.world.pending)}
        if hook.url:
            info["max_connections"] = hook.max_connections
        if hook.last_error_date:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
        if self.world.allowed_updates:
            info["allowed_updates"] = self.world.allowed_updates
        return info

    def _start_workers(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        count = min(self.world.webhook.max_connections, 16)
        self._workers = [asyncio.create_task(self._deliver_forever()) for _ in range(count)]

    async def _stop_workers(self) -> None:
        workers, self._workers = self._workers, []
        for task in workers:
            task.cancel()
        for task in workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._in_flight.clear()
        self._busy_chats.clear()

    async def close(self) -> None:
        self.closing = True
        self.world.updates_changed.fire()
        await self._stop_workers()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _next_for_webhook(self) -> tuple[Json, bool] | None:
        if self.world.redeliver:
            return self.world.redeliver.pop(0), True
        for update in self.world.pending:
            if update["update_id"] in self._in_flight:
                continue
            if update_chat(update) in self._busy_chats:
                continue
            return update, False
        return None

    async def _deliver_forever(self) -> None:
        while True:
            await self.world.updates_changed.wait_until(
                lambda: self._next_for_webhook() is not None, 3600.0
            )
            picked = self._next_for_webhook()
            if picked is None:
                continue
            update, duplicate = picked
            chat = update_chat(update)
            self._in_flight.add(update["update_id"])
            self._busy_chats.add(chat)
            try:
                delivered = await self._post(update)
            finally:
                self._in_flight.discard(update["update_id"])
                self._busy_chats.discard(chat)
            if delivered and not duplicate:
                with contextlib.suppress(ValueError):
                    self.world.pending.remove(update)
            elif not delivered:
                if duplicate:
                    self.world.redeliver.insert(0, update)
                await asyncio.sleep(self.limits.webhook_retry_delay)
            self.world.updates_changed.fire()

    async def _post(self, update: Json) -> bool:
        hook = self.world.webhook
        headers = {"X-Telegram-Bot-Api-Secret-Token": hook.secret_token} if hook.secret_token \
            else {}
        assert self._session is not None
        error: str
        try:
            async with self._session.post(hook.url, json=update, headers=headers) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return True
                error = f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"Connection error: {type(exc).__name__}"
        hook.last_error_date, hook.last_error_message = int(time.time()), error
        return False

