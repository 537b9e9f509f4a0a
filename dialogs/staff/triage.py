"""The staff card's buttons in the staff group: menus shown on the card itself (assign, category,
priority, reject reason, confirmations) and the actions they lead to; what each press does is
the table :data:`dialogs.staff.card.PRESSES`.

Every press is checked server-side: the presser must be staff now, the ticket must exist, the
action must be allowed in the ticket's current status, and a menu opens only on the ticket's own
card. Anything else gets a polite alert and changes nothing. Replies to the card are in
:mod:`.replies`; this module also gathers the staff group's other handlers and jobs.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler

from dialogs.everyone import on_stale_button
from dialogs.kernel.callbacks import encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers, Job
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import Reply, Turn
from dialogs.kernel.unit import Dispatcher, wrap
from dialogs.resident.notices import preview_for_resident
from dialogs.staff import binding, figures, invitations, replies, roles, templates, timeline
from dialogs.staff import jobs as staff_jobs
from dialogs.staff.card import FLOW, PRESSES, Press, card_payload
from dialogs.staff.roles import group_locale, staff_of
from dialogs.ticket_actions import ACTIONS, Inputs, run_action
from dialogs.ticket_text import category_name
from locales import t
from storage.assignees import assign_choices
from storage.categories import list_categories
from storage.deputies import deputy_name
from storage.lifecycle import TRANSITIONS, LifecycleError
from storage.models import Priority, Suggestion
from storage.residents import resident_locale
from storage.roles import Actor
from storage.staff_chats import chat_serves_suggestion
from storage.ticket_view import get_suggestion, load_ticket_view

__all__ = ["handlers", "jobs", "FLOW", "REJECT_REASONS"]

REJECT_REASONS = ("scope", "litigation", "unclear", "improper")
Rows = list[list[tuple[str, str]]]


def _allowed(suggestion: Suggestion, action: str) -> LifecycleError | None:
    if not action or suggestion.status in TRANSITIONS[action].sources:
        return None
    return LifecycleError("not_allowed", ticket=suggestion.ticket, action=action,
                          status=suggestion.status)


def _pressed_card(turn: Turn, suggestion: Suggestion) -> bool:
    query = turn.update.callback_query
    message = query.message if query is not None else None
    return (message is not None and suggestion.card_message_id == message.message_id
            and suggestion.card_chat_id == message.chat.id)


def _back(turn: Turn, suggestion_id: int) -> tuple[str, str]:
    return turn.t("triage.button.back"), encode(FLOW, "m", suggestion_id)


# ---- menus on the card ------------------------------------------------------------------------
async def _assign_menu(turn: Turn, suggestion: Suggestion) -> Rows:
    deputies = list(await assign_choices(turn.session, suggestion.station_id))
    if suggestion.addressed_deputy_id is not None:
        deputies.sort(key=lambda d: d.id != suggestion.addressed_deputy_id)
    rows = [[(turn.t("triage.deputy_label" if d.telegram_user_id else "triage.deputy_unlinked",
                     name=d.name), encode(FLOW, "ad", suggestion.id, d.id))] for d in deputies]
    rows.append([(turn.t("triage.button.find"), encode(FLOW, "af", suggestion.id)),
                 _back(turn, suggestion.id)])
    return rows


async def _category_menu(turn: Turn, suggestion: Suggestion) -> Rows:
    buttons = [(category_name(c, turn.locale), encode(FLOW, "cc", suggestion.id, c.code))
               for c in await list_categories(turn.session) if c.code != suggestion.category_code]
    return [buttons[i:i + 3] for i in range(0, len(buttons), 3)] + [[_back(turn, suggestion.id)]]


async def _priority_menu(turn: Turn, suggestion: Suggestion) -> Rows:
    return [[(turn.t(f"lifecycle.priority.{p.value}"), encode(FLOW, "pp", suggestion.id, p.value))
             for p in Priority if p is not suggestion.priority], [_back(turn, suggestion.id)]]


async def _reject_menu(turn: Turn, suggestion: Suggestion) -> Rows:
    rows = [[(turn.t(f"triage.reject_button.{code}"), encode(FLOW, "rr", suggestion.id, code))]
            for code in REJECT_REASONS]
    return rows + [[(turn.t("triage.button.reject_other"), encode(FLOW, "rx", suggestion.id)),
                    _back(turn, suggestion.id)]]


_MENUS = {"as": _assign_menu, "ca": _category_menu, "pr": _priority_menu, "rj": _reject_menu}


async def _show_menu(turn: Turn, suggestion: Suggestion, press: Press, arg: str) -> None:
    if not _pressed_card(turn, suggestion):
        await on_stale_button(turn)
        return
    payload = await card_payload(turn.session, turn.config, suggestion.id, turn.now)
    assert payload is not None
    text = payload["text"]
    if press.does == "main":
        markup = InlineKeyboardMarkup.de_json(payload["reply_markup"], None)
    elif press.does == "confirm":
        text = await _preview(turn, suggestion, press.action, None)
        markup = inline([[(turn.t(f"triage.confirm.{press.arg}"),
                           encode(FLOW, "ok", suggestion.id, press.arg))],
                         [_back(turn, suggestion.id)]])
    elif press.does == "reason":
        inputs = await _inputs(turn, suggestion, "reject", arg)
        if inputs is None:
            await on_stale_button(turn)
            return
        text = await _preview(turn, suggestion, "reject", inputs.text)
        markup = inline([[(turn.t("triage.confirm.rej"), encode(FLOW, "ry", suggestion.id, arg))],
                         [(turn.t("triage.button.back"), encode(FLOW, "rj", suggestion.id))]])
    else:
        markup = inline(await _MENUS[press.code](turn, suggestion))
    turn.edit(text, markup)


async def _preview(turn: Turn, suggestion: Suggestion, action: str, text: str | None) -> str:
    """The card's text while staff decide: what the resident will receive, word for word."""
    locale = await resident_locale(turn.session, suggestion.resident_id) or turn.locale
    view = await load_ticket_view(turn.session, suggestion.id)
    status = next(iter(TRANSITIONS[action].targets), suggestion.status)
    body = preview_for_resident(suggestion, ACTIONS[action].tells_resident or "status", status,
                                text, locale, view.station_name if view is not None else "")
    lines = [turn.t("triage.preview.head", ticket=suggestion.ticket,
                    action=turn.t(f"lifecycle.action.{action}")),
             turn.t("triage.preview.quote", text=body)]
    if action == "resolve":
        lines.append(turn.t("triage.preview.resolve_words"))
    return "\n\n".join(lines)


# ---- taking the action ------------------------------------------------------------------------
async def _inputs(turn: Turn, suggestion: Suggestion, action: str, arg: str) -> Inputs | None:
    """What the press gives the action; None when its argument is not one we offered."""
    if action == "assign":
        return Inputs(deputy_id=int(arg)) if arg.isdigit() else None
    if action in ("set_category", "set_priority"):
        return Inputs(code=arg)
    if action == "reject":
        if arg not in REJECT_REASONS:
            return None
        # The reason is written in the resident's language: it is what they are told.
        locale = await resident_locale(turn.session, suggestion.resident_id) or turn.locale
        return Inputs(text=t(locale, f"triage.reject_reason.{arg}"))
    return Inputs()


async def _act(turn: Turn, actor: Actor, suggestion: Suggestion, action: str, arg: str) -> None:
    inputs = await _inputs(turn, suggestion, action, arg)
    if inputs is None:
        await on_stale_button(turn)
        return
    done = await run_action(turn.session, turn.config, actor, suggestion.id, action, inputs,
                            turn.now)
    if action == "assign" and done.assignee_deputy_id is not None:
        name, linked = await deputy_name(turn.session, done.assignee_deputy_id)
        turn.toast("triage.done.assigned" if linked else "triage.done.assigned_unlinked",
                   alert=not linked, name=name, ticket=done.ticket)
    else:
        turn.toast("triage.done.action", action=turn.t(f"lifecycle.action.{action}"),
                   ticket=done.ticket)
    if not _pressed_card(turn, done):  # a search result message: it has served its purpose
        turn.edit(turn.t("triage.done.elsewhere", ticket=done.ticket,
                         action=turn.t(f"lifecycle.action.{action}")))


def _action_of(press: Press, arg: str) -> str | None:
    if press.does == "confirmed":
        return next((p.action for p in PRESSES.values()
                     if p.does == "confirm" and p.arg == arg), None)
    return press.action


async def on_button(turn: Turn) -> None:
    group_locale(turn)
    cb = turn.callback
    actor = await staff_of(turn)
    if actor is None:
        turn.toast("triage.not_staff", alert=True)
        return
    sid = cb.int_arg(0) if cb is not None else None
    suggestion = await get_suggestion(turn.session, sid)
    if cb is None or suggestion is None:
        await on_stale_button(turn)
        return
    if not await chat_serves_suggestion(turn.session, turn.chat_id, suggestion,
                                        turn.config.staff_chat_id):
        turn.toast("staff_chats.not_yours", alert=True)
        return
    press = PRESSES.get(cb.action)
    action = _action_of(press, cb.arg(1)) if press is not None else None
    if press is None or action is None:
        await on_stale_button(turn)
        return
    refused = _allowed(suggestion, action) if press.does not in ("do", "confirmed") else None
    if refused is not None:  # the action itself checks again (and refuses the same way)
        turn.replies.append(_alert(refused.render(turn.locale)))
    elif press.does == "hint":
        turn.toast(press.arg, alert=True, ticket=suggestion.ticket)
    elif press.does in ("menu", "confirm", "reason", "main"):
        await _show_menu(turn, suggestion, press, cb.arg(1))
    else:
        try:
            await _act(turn, actor, suggestion, action, cb.arg(1))
        except LifecycleError as err:
            turn.replies.append(_alert(err.render(turn.locale)))


def _alert(text: str) -> Reply:
    """An alert with a rendered text (answerCallbackQuery allows 200 characters)."""
    return Reply("toast", text=text[:190], alert=True)


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    """Registered in every deployment: a service with only bound groups (no
    ``JIAZHAN_STAFF_CHAT_ID``) works the same (``dialogs.staff.scope``)."""
    return [
        CallbackQueryHandler(wrap(services, on_button, "triage_button"), pattern=f"^{FLOW}:"),
        *roles.handlers(services, dispatcher),
        *invitations.handlers(services, dispatcher),
        *figures.handlers(services, dispatcher),
        *timeline.handlers(services, dispatcher),
        *templates.handlers(services, dispatcher),
        *replies.handlers(services, dispatcher),
        *binding.handlers(services, dispatcher),
    ]


def jobs(services: Services) -> list[Job]:
    return staff_jobs.jobs(services)
