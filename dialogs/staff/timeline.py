"""📜 on the staff card: the ticket's whole timeline (public and internal entries, in order, with
who and when), a page at a time. The first page goes beside the card as a reply to it (through
the outbox, so the group's 20 messages a minute hold); ◀ ▶ turn the pages of that message in
place. Staff only."""

from __future__ import annotations

from typing import Any

from telegram.ext import CallbackQueryHandler

from dialogs.everyone import on_stale_button
from dialogs.kernel.callbacks import TIMELINE, encode
from dialogs.kernel.context import DialogConfig, Services
from dialogs.kernel.flow import Handlers
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import Turn
from dialogs.kernel.unit import Dispatcher, wrap
from dialogs.staff.roles import group_locale, staff_of
from dialogs.ticket_text import entry_body, entry_label, entry_who, format_moment
from locales import t
from storage.models import OutboxPurpose
from storage.staff_chats import chat_serves_suggestion
from storage.timeline_pages import StaffLine, TimelinePage, staff_timeline_page

__all__ = ["FLOW", "handlers", "timeline_button", "render_page"]

FLOW = TIMELINE  # tl:open:<suggestion id> (on the card), tl:p:<id>:<page>
ENTRY_CHARS = 300  # a long text is clipped here; the card and the resident's /my have it whole


def timeline_button(locale: str, suggestion_id: int) -> tuple[str, str]:
    """The card's 📜 button."""
    return t(locale, "triage.button.timeline"), encode(FLOW, "open", suggestion_id)


def _line(locale: str, config: DialogConfig, page: TimelinePage, line: StaffLine) -> str:
    label = entry_label(locale, line.kind, line.text, page.suggestion.level.value)
    out = t(locale, "triage.timeline.entry", when=format_moment(locale, line.at, config.tz),
            who=entry_who(locale, line.author, line.actor_kind), label=label)
    if line.internal:
        out += " " + t(locale, "triage.timeline.internal")
    return out + entry_body(locale, line.kind, line.text, ENTRY_CHARS, "inbox.timeline_text")


def render_page(locale: str, config: DialogConfig, page: TimelinePage) -> tuple[str, Any]:
    """The page's text and its ◀ ▶ buttons (none when there is one page)."""
    head = t(locale, "triage.timeline.head", ticket=page.suggestion.ticket, page=page.page + 1,
             pages=page.pages, total=page.total)
    text = "\n\n".join([head, *(_line(locale, config, page, x) for x in page.lines)])
    sid = page.suggestion.id
    buttons = []
    if page.page > 0:
        buttons.append((t(locale, "triage.timeline.prev"), encode(FLOW, "p", sid, page.page - 1)))
    if page.page + 1 < page.pages:
        buttons.append((t(locale, "triage.timeline.next"), encode(FLOW, "p", sid, page.page + 1)))
    return text, inline([buttons]) if buttons else None


async def on_button(turn: Turn) -> None:
    group_locale(turn)
    if await staff_of(turn) is None:
        turn.toast("triage.not_staff", alert=True)
        return
    cb = turn.callback
    sid = cb.int_arg(0) if cb is not None else None
    number = (cb.int_arg(1) or 0) if cb is not None else 0
    page = await staff_timeline_page(turn.session, sid, number) if sid is not None else None
    if cb is None or page is None or cb.action not in ("open", "p"):
        await on_stale_button(turn)
        return
    if not await chat_serves_suggestion(turn.session, turn.chat_id, page.suggestion,
                                        turn.config.staff_chat_id):
        turn.toast("staff_chats.not_yours", alert=True)  # another area's ticket
        return
    text, markup = render_page(turn.locale, turn.config, page)
    if cb.action == "p":
        turn.edit(text, markup)
        return
    await _post_beside_card(turn, page, text, markup)
    turn.toast("triage.timeline.posted", ticket=page.suggestion.ticket)


async def _post_beside_card(turn: Turn, page: TimelinePage, text: str, markup: Any) -> None:
    s = page.suggestion
    chat_id = s.card_chat_id or turn.chat_id  # beside the card, else where 📜 was pressed
    payload: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": "HTML"}
    if markup is not None:
        payload["reply_markup"] = markup.to_dict()
    if s.card_message_id is not None:
        payload["reply_parameters"] = {"message_id": s.card_message_id,
                                       "allow_sending_without_reply": True}
    if s.card_thread_id is not None:
        payload["message_thread_id"] = s.card_thread_id
    await turn.enqueue(chat_id, "sendMessage", payload, purpose=OutboxPurpose.STAFF_NOTICE,
                       suggestion_id=s.id)


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    return [CallbackQueryHandler(wrap(services, on_button, "staff_timeline"), pattern=f"^{FLOW}:")]
