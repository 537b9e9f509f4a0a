"""/suggest: a resident writes a suggestion to the deputies of their station.

Category → text (several messages, voice welcome) → up to 5 photos → optional location →
all the station's deputies or one → whether deputies may see their name and phone (phone only
through Telegram's contact button) → preview with edit → confirm. The draft lives in the dialog
state, so it survives restarts, /cancel and detours; coming back offers to continue or start over.
This module holds the entry points and the buttons; messages are in :mod:`.suggest_content`,
confirmation in :mod:`.suggest_confirm`.
"""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from dialogs.everyone import on_stale_button
from dialogs.kernel.callbacks import encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import Turn, escape
from dialogs.kernel.unit import Dispatcher, TurnHandler, wrap
from dialogs.resident.suggest import confirm as suggest_confirm
from dialogs.resident.suggest import content as suggest_content
from dialogs.resident.suggest import intake
from dialogs.resident.suggest.gate import (
    has_station,
    over_daily_limit,
    send_to_onboarding,
)
from dialogs.resident.suggest.steps import (
    FLOW,
    advance,
    ask,
    deputy_label,
    load_draft,
    show_preview,
)
from dialogs.ticket_text import category_name
from storage.categories import get_category
from storage.deputies import station_deputies
from storage.drafts import Draft

__all__ = ["handlers", "FLOW", "on_suggest"]

EDITABLE = ("category", "text", "photos", "location", "recipient", "identity")


async def on_suggest(turn: Turn) -> None:
    """/suggest, or the station card's button: start, or offer to continue the draft."""
    if not has_station(turn):
        send_to_onboarding(turn)
        return
    if await over_daily_limit(turn):
        return
    draft = load_draft(turn)
    if draft is not None and (draft.category or draft.has_content or draft.photos):
        turn.set_state(FLOW, "resume", {"draft": draft.to_json()})  # draft.step: where it was
        turn.say("suggest.resume", inline([
            [(turn.t("suggest.button_continue"), encode(FLOW, "resume"))],
            [(turn.t("suggest.button_start_over"), encode(FLOW, "new"))],
        ]), chars=len(draft.text), photos=len(draft.photos))
        return
    await _start_new(turn)


async def _start_new(turn: Turn) -> None:
    assert turn.resident is not None and turn.resident.station_id is not None
    draft = Draft(station_id=turn.resident.station_id, community_code=turn.resident.community_code)
    await ask(turn, draft, "category")


def _close_buttons(turn: Turn, chosen: str) -> None:
    """Take the buttons off the pressed message and show what was chosen."""
    message = turn.update.callback_query.message if turn.update.callback_query else None
    text = getattr(message, "text_html", None) if message is not None else None
    if text:
        turn.edit(f"{text}\n\n✓ {escape(chosen)}")


def _draft_in(turn: Turn, *steps: str) -> Draft | None:
    if turn.state is None or turn.state.flow != FLOW or turn.state.step not in steps:
        return None
    return load_draft(turn)


async def on_resume(turn: Turn) -> None:
    draft = _draft_in(turn, "resume")
    if draft is None or not has_station(turn):
        await on_stale_button(turn)
        return
    assert turn.resident is not None and turn.resident.station_id is not None
    if draft.station_id != turn.resident.station_id:  # they moved since: new station, new people
        draft.station_id = turn.resident.station_id
        draft.community_code = turn.resident.community_code
        draft.deputy_id, draft.recipient_done = None, False
    _close_buttons(turn, turn.t("suggest.button_continue"))
    await ask(turn, draft, draft.step)


async def on_start_over(turn: Turn) -> None:
    if _draft_in(turn, "resume") is None or not has_station(turn):
        await on_stale_button(turn)
        return
    _close_buttons(turn, turn.t("suggest.button_start_over"))
    await _start_new(turn)


async def on_category(turn: Turn) -> None:
    draft = _draft_in(turn, "category")
    code = turn.callback.arg(0) if turn.callback else ""
    category = await get_category(turn.session, code) if draft is not None else None
    if draft is None or category is None:
        await on_stale_button(turn)
        return
    draft.category = category.code
    _close_buttons(turn, category_name(category, turn.locale))
    await advance(turn, draft, "category")


async def on_text_done(turn: Turn) -> None:
    draft = _draft_in(turn, "text")
    if draft is None:
        await on_stale_button(turn)
        return
    if not draft.has_content:
        turn.toast("suggest.write_first", alert=True)
        return
    await advance(turn, draft, "text")


async def on_split(turn: Turn) -> None:
    """A text over the limit: send the first part now, the rest as the next suggestion."""
    draft = _draft_in(turn, "text")
    limit = turn.config.max_suggestion_chars
    if draft is None or not draft.over_by(limit):
        await on_stale_button(turn)
        return
    rest = draft.split(limit)
    _close_buttons(turn, turn.t("suggest.button_split"))
    turn.say("suggest.split_done", first=len(draft.text), rest=len(rest))
    await advance(turn, draft, "text")


async def on_photos_done(turn: Turn) -> None:
    draft = _draft_in(turn, "photos")
    if draft is None:
        await on_stale_button(turn)
        return
    await advance(turn, draft, "photos")


async def on_photos_clear(turn: Turn) -> None:
    draft = _draft_in(turn, "photos")
    if draft is None:
        await on_stale_button(turn)
        return
    draft.photos = []
    turn.toast("suggest.photos_cleared")
    await ask(turn, draft, "photos")


async def on_recipient(turn: Turn) -> None:
    draft = _draft_in(turn, "recipient")
    choice = turn.callback.arg(0) if turn.callback else ""
    if draft is None:
        await on_stale_button(turn)
        return
    if choice == "all":
        draft.deputy_id, label = None, turn.t("suggest.button_all_deputies")
    else:
        deputies = {d.id: d for d in await station_deputies(turn.session, draft.station_id)}
        deputy = deputies.get(turn.callback.int_arg(0) or 0) if turn.callback else None
        if deputy is None:
            await on_stale_button(turn)
            return
        draft.deputy_id, label = deputy.id, deputy_label(turn, deputy)
    draft.recipient_done = True
    _close_buttons(turn, label)
    await advance(turn, draft, "recipient")


async def on_identity(turn: Turn) -> None:
    draft = _draft_in(turn, "identity")
    choice = turn.callback.arg(0) if turn.callback else ""
    if draft is None or choice not in ("share", "anon"):
        await on_stale_button(turn)
        return
    if choice == "share":
        _close_buttons(turn, turn.t("suggest.button_share"))
        await ask(turn, draft, "contact")
        return
    draft.share_identity, draft.contact_name, draft.contact_phone = False, None, None
    _close_buttons(turn, turn.t("suggest.button_anonymous"))
    await advance(turn, draft, "identity")


async def on_edit(turn: Turn) -> None:
    draft = _draft_in(turn, "preview")
    step = turn.callback.arg(0) if turn.callback else ""
    if draft is None or step not in EDITABLE:
        await on_stale_button(turn)
        return
    draft.editing = True
    await ask(turn, draft, step)


async def on_discard(turn: Turn) -> None:
    if _draft_in(turn, "preview") is None:
        await on_stale_button(turn)
        return
    turn.say("suggest.discard_sure", inline([
        [(turn.t("suggest.button_discard_yes"), encode(FLOW, "discardyes"))],
        [(turn.t("suggest.button_back_to_preview"), encode(FLOW, "preview"))],
    ]))


async def on_discard_yes(turn: Turn) -> None:
    if _draft_in(turn, "preview") is None:
        await on_stale_button(turn)
        return
    turn.drop_kept()
    turn.clear_state()
    turn.edit(turn.t("suggest.discarded"))


async def on_back_to_preview(turn: Turn) -> None:
    draft = _draft_in(turn, "preview")
    if draft is None:
        await on_stale_button(turn)
        return
    await show_preview(turn, draft)


_ACTIONS: dict[str, TurnHandler] = {
    "start": on_suggest,
    "resume": on_resume,
    "new": on_start_over,
    "cat": on_category,
    "textdone": on_text_done,
    "split": on_split,
    "take": intake.on_take,
    "phone": suggest_content.on_typed_phone,
    "notnow": intake.on_not_now,
    "photosdone": on_photos_done,
    "photosclear": on_photos_clear,
    "to": on_recipient,
    "id": on_identity,
    "edit": on_edit,
    "confirm": suggest_confirm.on_confirm,
    "discard": on_discard,
    "discardyes": on_discard_yes,
    "preview": on_back_to_preview,
}


async def on_button(turn: Turn) -> None:
    handler = _ACTIONS.get(turn.callback.action) if turn.callback else None
    await (handler or on_stale_button)(turn)


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    dispatcher.on_message(FLOW, suggest_content.on_message)
    return [
        CommandHandler("suggest", wrap(services, on_suggest, "suggest"),
                       filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(wrap(services, on_button, "suggest"), pattern=f"^{FLOW}:"),
    ]
