"""A ticket as its deputy sees it, with the buttons to handle it; pushed to the deputy's private
chat when it is assigned to them (or comes back to them), and shown again from /inbox.

The resident's name and phone appear only when the resident agreed to share them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup

from dialogs.kernel.callbacks import DEPUTY, encode
from dialogs.kernel.context import DialogConfig
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import escape
from dialogs.ticket_text import entry_body, entry_label, entry_who, format_due, format_moment
from locales import t
from storage import outbox
from storage.deputies import deputy_locale
from storage.lifecycle import TRANSITIONS
from storage.models import Attachment, OutboxPurpose
from storage.ticket_view import (
    TicketView,
    TimelineLine,
    current_deadline,
    is_overdue,
    load_ticket_view,
    public_lines,
)

__all__ = [
    "FLOW",
    "render_for_deputy",
    "deputy_buttons",
    "push_to_deputy",
    "TEXT_CHARS",
    "media_calls",
]

FLOW = DEPUTY  # the deputy's buttons (dialogs.deputy.inbox handles them)
TEXT_CHARS = 2000  # the suggestion's own text; the public timeline follows it
MESSAGE_CHARS = 3900  # under Telegram's 4096, with room for HTML entities
ENTRY_CHARS = 300
# (button label, callback action, lifecycle action that must be allowed)
_BUTTONS = (
    (("reply", "rp", "reply"), ("info", "in", "request_info")),
    (("back", "hb", "hand_back"), ("resolve", "rs", "resolve")),
)


def _who(view: TicketView, locale: str) -> str:
    suggestion = view.suggestion
    if not suggestion.share_identity or not (suggestion.contact_name or suggestion.contact_phone):
        return t(locale, "inbox.anonymous")
    phone = escape(suggestion.contact_phone or "—")
    if suggestion.contact_phone_typed:
        phone += t(locale, "suggest.phone_typed_mark")
    return t(locale, "inbox.identified", name=escape(suggestion.contact_name or "—"),
             phone=phone)


def render_for_deputy(
    view: TicketView, locale: str, config: DialogConfig, now: datetime, headline: str,
    lines: Sequence[TimelineLine] = (),
) -> str:
    suggestion = view.suggestion
    kind, due = current_deadline(suggestion)
    body = suggestion.text if len(suggestion.text) <= TEXT_CHARS else suggestion.text[:TEXT_CHARS] + "…"
    overdue = t(locale, "triage.card.overdue") if is_overdue(suggestion, now) else ""
    location = ""
    if suggestion.latitude is not None and suggestion.longitude is not None:
        location = t(locale, "inbox.location", lat=f"{suggestion.latitude:.5f}", lon=f"{suggestion.longitude:.5f}")
    text = t(
        locale, "inbox.ticket",
        headline=t(locale, f"inbox.headline.{headline}", ticket=suggestion.ticket),
        status=t(locale, f"lifecycle.status.{suggestion.status.value}"),
        station=escape(view.station_name),
        community=escape(view.community_name or "—"),
        category=escape(view.category(locale)),
        who=_who(view, locale),
        which=t(locale, f"triage.deadline.{kind}"),
        due=format_due(due, config.tz),
        overdue=overdue,
        attachments=len(view.attachments),
        location=location,
        text=escape(body),
    )
    return text + _timeline(view, locale, config, lines, MESSAGE_CHARS - len(text))


def _timeline(view: TicketView, locale: str, config: DialogConfig,
              lines: Sequence[TimelineLine], room: int) -> str:
    """The public timeline (the resident's follow-ups, answers, the deputy's own questions),
    newest kept when it does not all fit."""
    if not lines:
        return ""
    rendered = [_line(view, locale, config, line) for line in lines]
    title = "\n\n" + t(locale, "inbox.timeline_title")
    kept = list(rendered)
    while kept and len(title) + sum(len(x) + 1 for x in kept) + 40 > room:
        kept.pop(0)
    if len(kept) < len(rendered):
        kept.insert(0, t(locale, "inbox.timeline_earlier", count=len(rendered) - len(kept)))
    return title + "\n" + "\n".join(kept) if kept else ""


def _line(view: TicketView, locale: str, config: DialogConfig, line: TimelineLine) -> str:
    label = entry_label(locale, line.kind, line.text, view.suggestion.level.value)
    out = t(locale, "inbox.timeline_entry", when=format_moment(locale, line.at, config.tz),
            label=label, who=entry_who(locale, line.author, line.actor_kind))
    return out + entry_body(locale, line.kind, line.text, ENTRY_CHARS, "inbox.timeline_text")


def deputy_buttons(view: TicketView, locale: str) -> InlineKeyboardMarkup | None:
    suggestion = view.suggestion
    rows = []
    count = len(view.attachments)
    if count:
        rows.append([(t(locale, "inbox.button.attachments", count=count), encode(FLOW, "at", suggestion.id))])
    for row in _BUTTONS:
        buttons = [(t(locale, f"inbox.button.{label}"), encode(FLOW, action, suggestion.id))
                   for label, action, needs in row if suggestion.status in TRANSITIONS[needs].sources]
        if buttons:
            rows.append(buttons)
    return inline(rows) if rows else None


async def push_to_deputy(
    session: AsyncSession, config: DialogConfig, suggestion_id: int, headline: str,
    now: datetime,
) -> bool:
    """Queue the ticket for its assigned deputy's private chat, in the caller's unit of work.
    False when nobody is assigned or the deputy has not linked a Telegram account yet."""
    view = await load_ticket_view(session, suggestion_id)
    if view is None or view.assignee_chat_id is None:
        return False
    chat_id = view.assignee_chat_id
    locale = await deputy_locale(session, chat_id, config.default_locale)
    payload: dict[str, Any] = {
        "chat_id": chat_id, "parse_mode": "HTML",
        "text": render_for_deputy(view, locale, config, now, headline,
                                  await public_lines(session, suggestion_id)),
        "link_preview_options": {"is_disabled": True},
    }
    markup = deputy_buttons(view, locale)
    if markup is not None:
        payload["reply_markup"] = markup.to_dict()
    row = await outbox.enqueue(session, chat_id=chat_id, method="sendMessage", payload=payload,
                               purpose=OutboxPurpose.TO_DEPUTY, suggestion_id=suggestion_id,
                               now=now)
    return row is not None


def media_calls(attachments: Sequence[Attachment], chat_id: int, caption: str
                ) -> list[tuple[str, dict[str, Any]]]:
    """Bot API calls that send a ticket's attachments again (Telegram file ids): the photos as
    one album (a single photo on its own), then each voice message and document."""
    calls: list[tuple[str, dict[str, Any]]] = []
    photos = [a for a in attachments if a.kind == "photo"]
    if len(photos) == 1:
        calls.append(("sendPhoto", {"chat_id": chat_id, "photo": photos[0].file_id,
                                    "caption": caption}))
    elif photos:
        media: list[dict[str, Any]] = [{"type": "photo", "media": a.file_id} for a in photos[:10]]
        media[0]["caption"] = caption
        calls.append(("sendMediaGroup", {"chat_id": chat_id, "media": media}))
    for a in attachments:
        if a.kind == "voice":
            calls.append(("sendVoice", {"chat_id": chat_id, "voice": a.file_id, "caption": caption}))
        elif a.kind == "document":
            calls.append(("sendDocument", {"chat_id": chat_id, "document": a.file_id,
                                           "caption": caption}))
    return calls
