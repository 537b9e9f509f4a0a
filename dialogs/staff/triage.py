"""The staff card's buttons in the staff group: menus shown on the card itself (assign, category,
priority, reject reason, confirmations) and the actions they lead to.

Every press is checked server-side: the presser must be staff now, the ticket must exist, the
action must be allowed in the ticket's current status, and a menu opens only on the ticket's own
card. Anything else gets a polite alert and changes nothing. Replies to the card are in
:mod:`.triage_replies`; this module also gathers the staff group's other handlers and jobs.
"""

from __future__ import annotations

from sqlalchemy import select
from telegram import InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler

from dialogs.everyone import on_stale_button
from dialogs.kernel.callbacks import encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers, Job
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import Reply, Turn
from dialogs.kernel.unit import Dispatcher, wrap
from dialogs.staff import binding, figures, invitations, timeline
from dialogs.staff import replies as triage_replies
from dialogs.staff import roles as staff_roles
from dialogs.staff import templates as answer_templates
from dialogs.staff.actions import PUBLIC_NOTICE, ActionArgs, run_action
from dialogs.staff.card_triage import FLOW, card_payload
from dialogs.staff.cards import preview_for_resident
from dialogs.staff.roles import group_locale, staff_of
from locales import t
from storage.assignees import station_deputies
from storage.lifecycle import TRANSITIONS, LifecycleError
from storage.models import Category, Priority, Resident, Station, Suggestion
from storage.roles import Actor
from storage.staff_chats import chat_serves_suggestion

__all__ = ["handlers", "jobs", "FLOW", "REJECT_REASONS"]

REJECT_REASONS = ("scope", "litigation", "unclear", "improper")
# menu action -> the lifecycle action it leads to
_MENUS = {"as": "assign", "ca": "set_category", "pr": "set_priority", "rj": "reject",
          "es": "escalate", "rs": "resolve", "cl": "close", "re": "reopen", "m": "",
          "rr": "reject"}  # rr: a canned reason, shown as the resident will get it (ry sends it)
_CONFIRMS = {"es": "esc", "rs": "res", "cl": "cls", "re": "reo"}
_HINTS = {"af": ("assign", "triage.hint.find"), "du": ("mark_duplicate", "triage.hint.duplicate"),
          "hl": ("set_hotline", "triage.hint.hotline"), "rx": ("reject", "triage.hint.reject")}
_CONFIRMED = {"esc": "escalate", "res": "resolve", "cls": "close", "reo": "reopen"}


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


def _back(turn: Turn, sid: int) -> tuple[str, str]:
    return turn.t("triage.button.back"), encode(FLOW, "m", sid)


async def _assign_menu(turn: Turn, s: Suggestion) -> list[list[tuple[str, str]]]:
    deputies = list(await station_deputies(turn.session, s.station_id))
    if s.addressed_deputy_id is not None:
        deputies.sort(key=lambda d: d.id != s.addressed_deputy_id)
    rows = [[(turn.t("triage.deputy_label" if d.telegram_user_id else "triage.deputy_unlinked",
                     name=d.name), encode(FLOW, "ad", s.id, d.id))] for d in deputies]
    rows.append([(turn.t("triage.button.find"), encode(FLOW, "af", s.id)), _back(turn, s.id)])
    return rows


async def _menu_rows(turn: Turn, s: Suggestion, menu: str) -> list[list[tuple[str, str]]]:
    if menu == "as":
        return await _assign_menu(turn, s)
    if menu == "ca":
        cats = (await turn.session.scalars(select(Category).order_by(Category.position))).all()
        buttons = [(c.name_en if turn.locale == "en" else c.name_zh,
                    encode(FLOW, "cc", s.id, c.code))
                   for c in cats if c.code != s.category_code]
        return [buttons[i:i + 3] for i in range(0, len(buttons), 3)] + [[_back(turn, s.id)]]
    if menu == "pr":
        return [[(turn.t(f"lifecycle.priority.{p.value}"), encode(FLOW, "pp", s.id, p.value))
                 for p in Priority if p is not s.priority], [_back(turn, s.id)]]
    if menu == "rj":
        rows = [[(turn.t(f"triage.reject_button.{code}"), encode(FLOW, "rr", s.id, code))]
                for code in REJECT_REASONS]
        return rows + [[(turn.t("triage.button.reject_other"), encode(FLOW, "rx", s.id)),
                        _back(turn, s.id)]]
    code = _CONFIRMS[menu]
    label = turn.t(f"triage.confirm.{code}")
    return [[(label, encode(FLOW, "ok", s.id, code))], [_back(turn, s.id)]]


async def _preview(turn: Turn, s: Suggestion, action: str, text: str | None) -> str:
    """The card's text while staff decide: what the resident will receive, word for word."""
    resident = await turn.session.get(Resident, s.resident_id) if s.resident_id else None
    locale = resident.locale if resident is not None and resident.locale else turn.locale
    station = await turn.session.get(Station, s.station_id)
    status = next(iter(TRANSITIONS[action].targets), s.status)
    body = preview_for_resident(s, PUBLIC_NOTICE.get(action) or "status", status, text, locale,
                                station.name if station is not None else "")
    lines = [turn.t("triage.preview.head", ticket=s.ticket,
                    action=turn.t(f"lifecycle.action.{action}")),
             turn.t("triage.preview.quote", text=body)]
    if action == "resolve":
        lines.append(turn.t("triage.preview.resolve_words"))
    return "\n\n".join(lines)


async def _show_menu(turn: Turn, s: Suggestion, menu: str, arg: str) -> None:
    if not _pressed_card(turn, s):
        await on_stale_button(turn)
        return
    payload = await card_payload(turn.session, turn.config, s.id, turn.now)
    assert payload is not None
    text = payload["text"]
    if menu == "m":
        markup = InlineKeyboardMarkup.de_json(payload["reply_markup"], None)
    elif menu == "rr":
        reason = await _reject_reason(turn, s, arg)
        if reason is None:
            await on_stale_button(turn)
            return
        text = await _preview(turn, s, "reject", reason)
        markup = inline([[(turn.t("triage.confirm.rej"), encode(FLOW, "ry", s.id, arg))],
                         [(turn.t("triage.button.back"), encode(FLOW, "rj", s.id))]])
    else:
        if menu in _CONFIRMS:
            text = await _preview(turn, s, _MENUS[menu], None)
        markup = inline(await _menu_rows(turn, s, menu))
    turn.edit(text, markup)


async def _reject_reason(turn: Turn, s: Suggestion, code: str) -> str | None:
    if code not in REJECT_REASONS:
        return None
    resident = await turn.session.get(Resident, s.resident_id) if s.resident_id else None
    locale = resident.locale if resident is not None and resident.locale else turn.locale
    return t(locale, f"triage.reject_reason.{code}")


async def _final(turn: Turn, actor: Actor, s: Suggestion, action: str, arg: str) -> None:
    kwargs: ActionArgs = {}
    if action == "assign":
        if not arg.isdigit():
            await on_stale_button(turn)
            return
        kwargs["deputy_id"] = int(arg)
    elif action in ("set_category", "set_priority"):
        kwargs["code"] = arg
    elif action == "reject":
        reason = await _reject_reason(turn, s, arg)
        if reason is None:
            await on_stale_button(turn)
            return
        kwargs["text"] = reason
    done = await run_action(turn, actor, s.id, action, **kwargs)
    await _confirm(turn, done, action)


async def _confirm(turn: Turn, s: Suggestion, action: str) -> None:
    name = ""
    if action == "assign" and s.assignee_deputy_id is not None:
        from dialogs.staff.actions import deputy_name

        name, linked = await deputy_name(turn.session, s.assignee_deputy_id)
        turn.toast("triage.done.assigned" if linked else "triage.done.assigned_unlinked",
                   alert=not linked, name=name, ticket=s.ticket)
    else:
        turn.toast("triage.done.action", action=turn.t(f"lifecycle.action.{action}"),
                   ticket=s.ticket)
    if not _pressed_card(turn, s):  # a search result message: it has served its purpose
        turn.edit(turn.t("triage.done.elsewhere", ticket=s.ticket,
                         action=turn.t(f"lifecycle.action.{action}")))


_FINALS = {"ad": "assign", "cc": "set_category", "pp": "set_priority", "ry": "reject"}


async def on_button(turn: Turn) -> None:
    group_locale(turn)
    cb = turn.callback
    actor = await staff_of(turn)
    if actor is None:
        turn.toast("triage.not_staff", alert=True)
        return
    sid = cb.int_arg(0) if cb is not None else None
    suggestion = await turn.session.get(Suggestion, sid) if sid is not None else None
    if cb is None or suggestion is None:
        await on_stale_button(turn)
        return
    if not await chat_serves_suggestion(turn.session, turn.chat_id, suggestion,
                                        turn.config.staff_chat_id):
        turn.toast("staff_chats.not_yours", alert=True)
        return
    if cb.action in _MENUS or cb.action in _HINTS:
        needed = _MENUS[cb.action] if cb.action in _MENUS else _HINTS[cb.action][0]
        refused = _allowed(suggestion, needed)
        if refused is not None:
            turn.replies.append(_alert(refused.render(turn.locale)))
        elif cb.action in _HINTS:
            turn.toast(_HINTS[cb.action][1], alert=True, ticket=suggestion.ticket)
        else:
            await _show_menu(turn, suggestion, cb.action, cb.arg(1))
        return
    action = _FINALS.get(cb.action) or (_CONFIRMED.get(cb.arg(1)) if cb.action == "ok" else None)
    if action is None:
        await on_stale_button(turn)
        return
    try:
        await _final(turn, actor, suggestion, action, cb.arg(1))
    except LifecycleError as err:
        turn.replies.append(_alert(err.render(turn.locale)))


def _alert(text: str) -> Reply:
    """An alert with a rendered text (answerCallbackQuery allows 200 characters)."""
    return Reply("toast", text=text[:190], alert=True)


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    if services.config.staff_chat_id is None:
        return []
    return [
        CallbackQueryHandler(wrap(services, on_button, "triage_button"), pattern=f"^{FLOW}:"),
        *staff_roles.handlers(services, dispatcher),
        *invitations.handlers(services, dispatcher),
        *figures.handlers(services, dispatcher),
        *timeline.handlers(services, dispatcher),
        *answer_templates.handlers(services, dispatcher),
        *triage_replies.handlers(services, dispatcher),
        *binding.handlers(services, dispatcher),
    ]


def jobs(services: Services) -> list[Job]:
    from dialogs.staff.jobs import jobs as staff_jobs

    return staff_jobs(services)
