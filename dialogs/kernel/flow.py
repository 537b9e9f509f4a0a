"""What a flow gives the registry: its handlers, in the order PTB should try them, and its
periodic jobs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import BaseHandler

from dialogs.kernel.unit import PtbContext

if TYPE_CHECKING:
    from dialogs.kernel.context import Services
    from dialogs.kernel.unit import Dispatcher

__all__ = ["Flow", "Job", "Handler", "Handlers", "HandlerFactory", "JobFactory"]

Handler = BaseHandler[Update, PtbContext, None]
Handlers = list[Handler]
HandlerFactory = Callable[["Services", "Dispatcher"], Handlers]


@dataclass(frozen=True)
class Job:
    """A periodic job: `run` is called every `interval` seconds by the service's scheduler."""

    name: str
    interval: float
    run: Callable[[], Awaitable[None]]


JobFactory = Callable[["Services"], list[Job]]


def no_jobs(services: Services) -> list[Job]:
    return []


@dataclass(frozen=True)
class Flow:
    """One flow: a name (for logs and metrics), its handlers and its jobs."""

    name: str
    handlers: HandlerFactory
    jobs: JobFactory = no_jobs
