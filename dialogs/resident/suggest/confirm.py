"""Confirming a suggestion: one unit of work records it, numbers it, sets its deadlines and
queues the staff card; only after that commits does the resident see the ticket number (the
kernel sends replies after commit). A refusal keeps the draft and says why."""

from __future__ import annotations

from dialogs.everyone import on_stale_button
from dialogs.kernel.callbacks import TRACKING, encode
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import Turn
from dialogs.resident.suggest.gate import (
    has_station,
    over_daily_limit,
    send_to_onboarding,
)
from dialogs.resident.suggest.intake import offer_rest
from dialogs.resident.suggest.steps import (
    FLOW,
    ask,
    load_draft,
    preview_text,
    show_preview,
)
from dialogs.staff.card import queue_card
from dialogs.ticket_text import due_day, format_day
from storage import lifecycle
from storage.deadlines import Deadlines
from storage.drafts import Draft
from storage.models import Suggestion

__all__ = ["on_confirm", "deadlines_of"]


def deadlines_of(turn: Turn) -> Deadlines:
    config = turn.config
    return Deadlines(first_response_days=config.first_response_days,
                     resolution_days=config.resolution_days, tz=config.tz)


async def on_confirm(turn: Turn) -> None:
    draft = load_draft(turn) if turn.in_flow(FLOW, "preview") else None
    if draft is None:
        await on_stale_button(turn)
        return
    if not has_station(turn):
        send_to_onboarding(turn)
        return
    if draft.missing() is not None or draft.over_by(turn.config.max_suggestion_chars):
        await ask(turn, draft, "preview")
        return
    if await over_daily_limit(turn):  # the draft stays for tomorrow
        return
    try:
        suggestion = await _create(turn, draft)
    except lifecycle.LifecycleError as refused:
        turn.send(refused.render(turn.locale))
        await show_preview(turn, draft)
        return
    staffed = await queue_card(turn.session, turn.config, suggestion.id, turn.now)
    turn.drop_kept()
    turn.clear_state()
    turn.edit(await preview_text(turn, draft) + "\n\n" + turn.t("suggest.submitted_mark"))
    due = format_day(turn.locale, due_day(suggestion.first_response_due, turn.config.tz))
    # Nobody receives suggestions yet: no answer date is promised that nobody would keep.
    turn.say("suggest.submitted" if staffed else "suggest.submitted_unstaffed", inline([
        [(turn.t("suggest.button_view_ticket"), encode(TRACKING, "open", suggestion.id))],
        [(turn.t("suggest.button_my"), encode(TRACKING, "list"))],
    ]), ticket=suggestion.ticket, due=due)
    offer_rest(turn, draft)  # the second part of a split text, if any


async def _create(turn: Turn, draft: Draft) -> Suggestion:
    assert turn.resident is not None and draft.category is not None
    return await lifecycle.create_suggestion(
        turn.session,
        resident_id=turn.resident.id,
        station_id=draft.station_id,
        category_code=draft.category,
        text=draft.text or turn.t("suggest.voice_only_text"),
        now=turn.now,
        deadlines=deadlines_of(turn),
        community_code=draft.community_code,
        latitude=draft.latitude,
        longitude=draft.longitude,
        addressed_deputy_id=draft.deputy_id,
        share_identity=bool(draft.share_identity),
        contact_name=draft.contact_name,
        contact_phone=draft.contact_phone,
        contact_phone_typed=draft.contact_phone_typed,
        attachments=draft.attachments(),
    )
