"""The staff card: one message per suggestion in the staff group, rendered in one place from the
ticket's read model (:class:`storage.ticket_view.TicketView`), kept up to date in place.

``queue_card`` writes a new suggestion's card (and its media) to the outbox; ``refresh_card``
queues one coalesced ``editMessageText`` of it after any change (never a new message). Both run
in the caller's unit of work, so the card says only what was committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup

from dialogs.kernel.callbacks import TRIAGE, encode
from dialogs.kernel.context import DialogConfig
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import escape
from dialogs.staff.timeline import timeline_button
from dialogs.ticket_text import format_due
from locales import t
from storage import outbox
from storage.card_sync import card_chat
from storage.lifecycle import TRANSITIONS
from storage.models import Attachment, OutboxPurpose, Suggestion, SuggestionStatus
from storage.staff_chats import card_posted_to, staff_chat_for_suggestion
from storage.staff_topics import topic_for_station
from storage.ticket_view import (
    TicketView,
    current_deadline,
    is_overdue,
    load_ticket_view,
)

__all__ = [
    "FLOW", "Press", "PRESSES", "render_card", "media_calls", "card_payload", "queue_card",
    "refresh_card",
]

FLOW = TRIAGE  # callback prefix of the card's buttons (dialogs.staff.triage handles them)
CARD_TEXT_CHARS = 3000  # the suggestion's text shown on the card; the rest follows in parts
PART_CHARS = 3900


@dataclass(frozen=True, slots=True)
class Press:
    """One kind of press on a card's buttons: ``tri:<code>:<suggestion id>[:<arg>]``.

    ``does``: ``menu`` shows a menu on the card, ``hint`` explains in an alert what to reply to
    the card, ``confirm`` shows what the resident will receive and asks to confirm (``arg`` is
    its confirmation code), ``reason`` does the same for a canned rejection reason, ``do`` takes
    the action with the press's argument, ``confirmed`` takes the action confirmed (by its
    confirmation code), ``main`` goes back to the card's own buttons. The action, when there is
    one, must be allowed in the ticket's current status for the press to work.
    """

    code: str
    action: str  # a ticket action (dialogs.ticket_actions.ACTIONS), or "" for none
    does: str
    label: str = ""  # the main button's label (triage.button.*), for the ones on the card
    arg: str = ""  # the hint's catalogue key, or the confirmation code


PRESSES: dict[str, Press] = {p.code: p for p in (
    Press("as", "assign", "menu", "assign"),
    Press("ca", "set_category", "menu", "category"),
    Press("pr", "set_priority", "menu", "priority"),
    Press("du", "mark_duplicate", "hint", "duplicate", "triage.hint.duplicate"),
    Press("rj", "reject", "menu", "reject"),
    Press("es", "escalate", "confirm", "escalate", "esc"),
    Press("hl", "set_hotline", "hint", "hotline", "triage.hint.hotline"),
    Press("rs", "resolve", "confirm", "resolve", "res"),
    Press("cl", "close", "confirm", "close", "cls"),
    Press("re", "reopen", "confirm", "reopen", "reo"),
    Press("af", "assign", "hint", arg="triage.hint.find"),
    Press("rx", "reject", "hint", arg="triage.hint.reject"),
    Press("m", "", "main"),
    Press("ad", "assign", "do"),
    Press("cc", "set_category", "do"),
    Press("pp", "set_priority", "do"),
    Press("rr", "reject", "reason"),
    Press("ry", "reject", "do"),
    Press("ok", "", "confirmed"),
)}
# The card's own buttons, row by row.
_MAIN_ROWS = (("as", "ca", "pr"), ("du", "rj", "es"), ("hl", "rs", "cl"), ("re",))


# ---- the card's text ------------------------------------------------------------------------
def _recipient(view: TicketView, locale: str) -> str:
    if view.addressed_name is None or view.addressed_level is None:
        return t(locale, "cards.to_all")
    level = t(locale, f"cards.level.{view.addressed_level.value}")
    return t(locale, "cards.to_one", name=escape(view.addressed_name), level=level)


def _who(suggestion: Suggestion, locale: str) -> str:
    """The resident exactly as far as they consented: name and phone, or nobody."""
    if not suggestion.share_identity or not (suggestion.contact_name or suggestion.contact_phone):
        return t(locale, "cards.anonymous")
    phone = escape(suggestion.contact_phone or "—")
    if suggestion.contact_phone_typed:  # typed by the resident: not verified by Telegram
        phone += t(locale, "suggest.phone_typed_mark")
    return t(locale, "cards.identified", name=escape(suggestion.contact_name or "—"), phone=phone)


def _extras(view: TicketView, locale: str) -> str:
    suggestion, bits = view.suggestion, []
    if photos := view.count("photo"):
        bits.append(t(locale, "cards.photos", count=photos))
    if voices := view.count("voice"):
        bits.append(t(locale, "cards.voices", count=voices))
    if suggestion.latitude is not None and suggestion.longitude is not None:
        bits.append(t(locale, "cards.location", lat=f"{suggestion.latitude:.5f}",
                      lon=f"{suggestion.longitude:.5f}"))
    return " · ".join(bits) if bits else t(locale, "cards.no_extras")


def _deadline_line(suggestion: Suggestion, locale: str, tz: ZoneInfo, now: datetime) -> str:
    kind, due = current_deadline(suggestion)
    line = t(locale, "triage.card.deadline", which=t(locale, f"triage.deadline.{kind}"),
             due=format_due(due, tz))
    if is_overdue(suggestion, now):
        line += " " + t(locale, "triage.card.overdue")
    return line


def _assignee_line(view: TicketView, locale: str) -> str:
    if view.suggestion.assignee_deputy_id is None:
        return t(locale, "triage.card.unassigned")
    if view.assignee_name is None:
        return t(locale, "triage.card.assigned_id", id=view.suggestion.assignee_deputy_id)
    key = "triage.card.assignee" if view.assignee_linked else "triage.card.assignee_unlinked"
    return t(locale, key, name=escape(view.assignee_name))


def _outcome_lines(view: TicketView, locale: str) -> list[str]:
    suggestion, lines = view.suggestion, []
    if suggestion.hotline_ticket:
        lines.append(t(locale, "triage.card.hotline", number=escape(suggestion.hotline_ticket)))
    if view.duplicate_of_ticket:
        lines.append(t(locale, "triage.card.duplicate", ticket=view.duplicate_of_ticket))
    if suggestion.reject_reason:
        lines.append(t(locale, "triage.card.rejected", reason=escape(suggestion.reject_reason)))
    if suggestion.satisfaction is not None:
        lines.append(t(locale, "triage.card.rating", rating=t(
            locale, f"lifecycle.satisfaction.{suggestion.satisfaction.value}")))
    return lines


def _triage_section(view: TicketView, locale: str, tz: ZoneInfo, now: datetime) -> str:
    """The lines under the card's body: status, priority and level, assignee, the current
    deadline (marked when overdue), 12345 number, duplicate, rejection, rating, timeline size."""
    suggestion = view.suggestion
    lines = [
        t(locale, "triage.card.state",
          status=t(locale, f"lifecycle.status.{suggestion.status.value}"),
          priority=t(locale, f"lifecycle.priority.{suggestion.priority.value}"),
          level=t(locale, f"lifecycle.level.{suggestion.level.value}")),
        _assignee_line(view, locale),
    ]
    if suggestion.status in TRANSITIONS["reply"].sources:
        lines.append(_deadline_line(suggestion, locale, tz, now))
    lines.extend(_outcome_lines(view, locale))
    lines.append(t(locale, "triage.card.timeline", count=view.timeline_count))
    return "\n\n" + "\n".join(lines)


def _keyboard(suggestion: Suggestion, locale: str) -> InlineKeyboardMarkup:
    """The buttons that can work in the ticket's current status (the handler checks again),
    and 📜 the timeline, always."""
    rows = []
    for row in _MAIN_ROWS:
        buttons = [
            (t(locale, f"triage.button.{PRESSES[code].label}"), encode(FLOW, code, suggestion.id))
            for code in row
            if suggestion.status in TRANSITIONS[PRESSES[code].action].sources
        ]
        if buttons:
            rows.append(buttons)
    rows.append([timeline_button(locale, suggestion.id)])
    return inline(rows)


def render_card(
    view: TicketView, locale: str, tz: ZoneInfo, now: datetime
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The staff group's card of a suggestion, its triage state and its buttons (``now``
    marks an overdue ticket)."""
    suggestion = view.suggestion
    body = suggestion.text
    if len(body) > CARD_TEXT_CHARS:
        more = t(locale, "cards.text_continues", total=len(suggestion.text))
        body = body[:CARD_TEXT_CHARS] + more
    text = t(
        locale, "cards.staff_card",
        ticket=suggestion.ticket,
        # 🆕 only while nobody has looked at it; the deadline that matters is in the section below
        mark=t(locale, "cards.new_mark") if suggestion.status is SuggestionStatus.NEW else "",
        status=t(locale, f"lifecycle.status.{suggestion.status.value}"),
        station=escape(view.station_name or "—"),
        community=escape(view.community_name or "—"),
        category=escape(view.category(locale)),
        recipient=_recipient(view, locale),
        who=_who(suggestion, locale),
        extras=_extras(view, locale),
        text=escape(body),
    )
    return text + _triage_section(view, locale, tz, now), _keyboard(suggestion, locale)


def media_calls(
    suggestion: Suggestion, attachments: tuple[Attachment, ...], chat_id: int, locale: str
) -> list[tuple[str, dict[str, Any]]]:
    """Bot API calls that follow the card: the rest of a long text, photos (one album), voices."""
    calls: list[tuple[str, dict[str, Any]]] = []
    rest = suggestion.text[CARD_TEXT_CHARS:]
    for start in range(0, len(rest), PART_CHARS):
        part = t(locale, "cards.text_part", ticket=suggestion.ticket,
                 text=escape(rest[start:start + PART_CHARS]))
        calls.append(("sendMessage", {"chat_id": chat_id, "text": part, "parse_mode": "HTML"}))
    caption = t(locale, "cards.media_caption", ticket=suggestion.ticket)
    photos = [a for a in attachments if a.kind == "photo"]
    if len(photos) == 1:
        calls.append(("sendPhoto", {"chat_id": chat_id, "photo": photos[0].file_id,
                                    "caption": caption}))
    elif photos:
        media = [{"type": "photo", "media": a.file_id} for a in photos]
        media[0]["caption"] = caption
        calls.append(("sendMediaGroup", {"chat_id": chat_id, "media": media}))
    for voice in (a for a in attachments if a.kind == "voice"):
        calls.append(("sendVoice", {"chat_id": chat_id, "voice": voice.file_id,
                                    "caption": caption}))
    return calls


# ---- writing it -------------------------------------------------------------------------------
def _payload(view: TicketView, config: DialogConfig, now: datetime) -> dict[str, Any]:
    text, markup = render_card(view, config.default_locale, config.tz, now)
    return {"text": text, "parse_mode": "HTML",
            "reply_markup": (markup or InlineKeyboardMarkup([])).to_dict()}


async def card_payload(
    session: AsyncSession, config: DialogConfig, suggestion_id: int, now: datetime
) -> dict[str, Any] | None:
    """The card's current text and buttons as Bot API parameters (None: no such suggestion)."""
    view = await load_ticket_view(session, suggestion_id)
    return _payload(view, config, now) if view is not None else None


async def queue_card(
    session: AsyncSession, config: DialogConfig, suggestion_id: int, now: datetime
) -> bool:
    """Queue a new suggestion's card, then its media, for the staff group serving its station
    (``/bind``), else the default one (in its town's topic when the group is a forum). False
    when no group serves it."""
    view = await load_ticket_view(session, suggestion_id)
    if view is None:
        return False
    chat_id = await staff_chat_for_suggestion(session, view.suggestion, config.staff_chat_id)
    if chat_id is None:
        return False
    return await _post(session, config, view, chat_id, now, with_media=True)


async def _post(session: AsyncSession, config: DialogConfig, view: TicketView, chat_id: int,
                now: datetime, *, with_media: bool) -> bool:
    thread = await topic_for_station(session, chat_id, view.suggestion.station_id)
    where: dict[str, Any] = {"chat_id": chat_id}
    if thread is not None:
        where["message_thread_id"] = thread
    suggestion_id = view.suggestion.id
    row = await outbox.enqueue(session, chat_id=chat_id, method="sendMessage",
                               payload={**where, **_payload(view, config, now)},
                               purpose=OutboxPurpose.STAFF_CARD, suggestion_id=suggestion_id,
                               now=now)
    calls = media_calls(view.suggestion, view.attachments, chat_id, config.default_locale)
    for method, call in calls if with_media else ():
        await outbox.enqueue(session, chat_id=chat_id, method=method, payload={**call, **where},
                             purpose=OutboxPurpose.STAFF_MEDIA, suggestion_id=suggestion_id,
                             now=now)
    return row is not None


async def refresh_card(
    session: AsyncSession, config: DialogConfig, suggestion_id: int, now: datetime
) -> bool:
    """Queue an in-place edit of the suggestion's card with its current state; a burst of
    changes costs one edit. False when there is no card to edit. The card is edited where it
    is (or, not sent yet, where it was queued): a deployment with only bound groups and no
    ``JIAZHAN_STAFF_CHAT_ID`` refreshes its cards like any other."""
    queued_to = await card_chat(session, suggestion_id)
    if queued_to is None:
        return False
    view = await load_ticket_view(session, suggestion_id)
    if view is None:
        return False
    target = view.suggestion.card_chat_id or queued_to
    row = await outbox.enqueue_card_edit(
        session, suggestion_id=suggestion_id, chat_id=target,
        payload={"chat_id": target, **_payload(view, config, now)}, now=now,
    )
    # The card now shows the ticket as of ``now``: the card sync job compares against this.
    if row.created_at < now:
        row.created_at = now
    if view.suggestion.card_chat_id is not None:
        # Escalated to the district level: the district's own group gets the card too.
        serving = await staff_chat_for_suggestion(session, view.suggestion, config.staff_chat_id)
        if (serving is not None and serving != view.suggestion.card_chat_id
                and not await card_posted_to(session, suggestion_id, serving)):
            await _post(session, config, view, serving, now, with_media=False)
    return True
