"""Every flow's handlers in the order PTB should try them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from . import common
from .kernel import Dispatcher, wrap
from .services import Services

__all__ = ["FLOWS", "Job", "build_handlers", "build_jobs"]

# Modules with `handlers(services, dispatcher) -> list[BaseHandler]`, tried in this order.
FLOWS: tuple[str, ...] = (
    "dialogs.common",
    "dialogs.onboarding", "dialogs.station", "dialogs.privacy",
    "dialogs.suggest", "dialogs.tracking",
    "dialogs.triage", "dialogs.inbox",
)


def build_handlers(services: Services) -> list[BaseHandler]:  # type: ignore[type-arg]
    dispatcher = Dispatcher(fallback=common.on_unknown)
    result: list[BaseHandler] = []  # type: ignore[type-arg]
    for name in FLOWS:
        result.extend(import_module(name).handlers(services, dispatcher))
    private = filters.ChatType.PRIVATE
    result.append(
        MessageHandler(private & filters.COMMAND, wrap(services, common.on_unknown_command, "command"))
    )
    result.append(MessageHandler(private & ~filters.COMMAND, wrap(services, dispatcher, "message")))
    result.append(CallbackQueryHandler(wrap(services, common.on_stale_button, "stale_button")))
    return result


@dataclass(frozen=True)
class Job:
    """A periodic job: `run` is called every `interval` seconds by the service's scheduler."""

    name: str
    interval: float
    run: Callable[[], Awaitable[None]]


async def _prune_updates(services: Services) -> None:
    from storage.updates import prune_processed

    async with services.db.unit_of_work() as session:
        await prune_processed(session, services.clock(), timedelta(days=7))


def build_jobs(services: Services) -> list[Job]:
    """Jobs of every flow module that has `jobs(services) -> list[Job]`, plus housekeeping."""
    jobs = [Job("prune_updates", 3600.0, lambda: _prune_updates(services))]
    for name in FLOWS:
        module = import_module(name)
        if hasattr(module, "jobs"):
            jobs.extend(module.jobs(services))
    return jobs
