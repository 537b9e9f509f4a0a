"""Waiting until a service has nothing left to do: used by the sandbox, tests and benchmarks."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from storage.broadcasts import in_quiet_hours
from storage.models import Broadcast, Delivery, OutboxMessage, OutboxStatus

from .service import Service

__all__ = ["outbox_due", "broadcast_due", "wait_idle"]


async def outbox_due(service: Service, horizon: float = 0.0) -> int:
    """Outbox rows due now, or within ``horizon`` seconds (a message paced by Telegram's
    per-chat limits waits a second or two; one waiting for a retry_after or a deadline longer)."""
    async with service.db.reading() as session:
        query = select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.not_before <= service.clock() + timedelta(seconds=horizon),
        )
        return int(await session.scalar(query) or 0)


async def broadcast_due(service: Service) -> int:
    """Recipients of broadcasts being sent whose turn it is (quiet hours hold non-urgent ones)."""
    async with service.db.reading() as session:
        query = select(func.count()).select_from(Delivery).join(
            Broadcast, Broadcast.id == Delivery.broadcast_id).where(
            Delivery.status == "pending", Broadcast.status == "sending",
            Delivery.not_before.is_(None) | (Delivery.not_before <= service.clock()))
        if in_quiet_hours(service.clock(), service.settings.tz):
            query = query.where(Broadcast.urgent.is_(True))
        return int(await session.scalar(query) or 0)


async def wait_idle(emulator: Any, service: Service, timeout: float = 10.0,
                    quiet_rounds: int = 3, pause: float = 0.03, horizon: float = 0.0) -> bool:
    """True once every update is handled and every outbox row due (within ``horizon`` seconds)
    sent, several checks running."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        app = service.app
        busy = (
            not await emulator.drained(timeout=max(0.05, deadline - time.monotonic()))
            or app.update_queue.qsize() > 0
            or app.update_processor.current_concurrent_updates > 0
            or await outbox_due(service, horizon) > 0
            or await broadcast_due(service) > 0
        )
        quiet = 0 if busy else quiet + 1
        if quiet >= quiet_rounds:
            return True
        await asyncio.sleep(pause)
    return False
