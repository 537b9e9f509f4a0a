"""Every flow, listed explicitly, in the order PTB should try their handlers; and every job."""

from __future__ import annotations

from datetime import timedelta

from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from dialogs import edits, everyone
from dialogs.deputy import agenda, inbox, record
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Flow, Handlers, Job
from dialogs.kernel.unit import Dispatcher, wrap
from dialogs.resident import booking, checkin, followup, onboarding, privacy, station, tracking
from dialogs.resident import evaluation as evaluation_vote
from dialogs.resident.suggest import dialog as suggest
from dialogs.resident.suggest import intake
from dialogs.staff import announce, evaluate, meetings, publicity, triage
from dialogs.staff import report as staff_report

__all__ = ["FLOWS", "Job", "build_handlers", "build_jobs"]

# Tried in this order: the first handler that matches an update takes it.
FLOWS: tuple[Flow, ...] = (
    Flow("edits", edits.handlers),  # first: an edited message is never taken as a new one
    Flow("everyone", everyone.handlers),
    Flow("checkin", checkin.handlers),
    Flow("onboarding", onboarding.handlers, onboarding.jobs),
    Flow("station", station.handlers, station.jobs),
    Flow("booking", booking.handlers, booking.jobs),
    Flow("privacy", privacy.handlers),
    Flow("suggest", suggest.handlers),
    Flow("tracking", tracking.handlers),
    Flow("followup", followup.handlers, followup.jobs),
    Flow("meetings", meetings.handlers, meetings.jobs),
    # before triage: replies to its own prompts are not replies to a ticket
    Flow("evaluate", evaluate.handlers, evaluate.jobs),
    Flow("evaluation_vote", evaluation_vote.handlers),
    Flow("triage", triage.handlers, triage.jobs),
    Flow("announce", announce.handlers),
    Flow("publicity", publicity.handlers, publicity.jobs),  # after triage: its group handler takes only replies
    Flow("staff_report", staff_report.handlers, staff_report.jobs),
    Flow("inbox", inbox.handlers),
    Flow("agenda", agenda.handlers, agenda.jobs),
    Flow("record", record.handlers),  # /report in a private chat: the deputy's own record
)


def build_handlers(services: Services) -> Handlers:
    dispatcher = Dispatcher(fallback=intake.on_loose_message)
    result: Handlers = []
    for flow in FLOWS:
        result.extend(flow.handlers(services, dispatcher))
    private = filters.ChatType.PRIVATE
    result.append(
        MessageHandler(private & filters.COMMAND, wrap(services, everyone.on_unknown_command, "command"))
    )
    result.append(MessageHandler(private & ~filters.COMMAND, wrap(services, dispatcher, "message")))
    result.append(CallbackQueryHandler(wrap(services, everyone.on_stale_button, "stale_button")))
    return result


async def _prune_updates(services: Services) -> None:
    from storage.processed_updates import prune_processed

    async with services.db.unit_of_work() as session:
        await prune_processed(session, services.clock(), timedelta(days=7))


def build_jobs(services: Services) -> list[Job]:
    """Every flow's jobs, plus housekeeping."""
    jobs = [Job("prune_updates", 3600.0, lambda: _prune_updates(services))]
    for flow in FLOWS:
        jobs.extend(flow.jobs(services))
    return jobs
