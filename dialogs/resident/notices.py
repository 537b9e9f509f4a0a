"""What a resident is told when staff or a deputy acts on their ticket: the answer, a request
for more, the outcome, with the buttons to reply, rate or open the ticket. Written to the outbox
in the actor's unit of work, in the resident's language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup

from dialogs.kernel.callbacks import TRACKING, encode
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import escape
from dialogs.ticket_text import RATINGS
from locales import t
from storage import outbox
from storage.models import OutboxPurpose, Suggestion, SuggestionStatus, TimelineEntry
from storage.ticket_view import resident_notice

__all__ = ["render_answer_to_resident", "preview_for_resident", "notify_resident"]

# Headers for what is pushed to a resident; other kinds get the generic status header.
_ANSWER_KINDS = frozenset({"reply", "request_info", "resolved", "rejected", "duplicate"})


def _resident_buttons(suggestion: Suggestion, locale: str) -> InlineKeyboardMarkup:
    rows: list[list[tuple[str, str]]] = []
    if suggestion.status is SuggestionStatus.RESOLVED:
        rows.append([(t(locale, f"lifecycle.satisfaction.{name}"),
                      encode(TRACKING, "rate", suggestion.id, code))
                     for code, name in RATINGS])
    elif suggestion.status in (SuggestionStatus.ANSWERED, SuggestionStatus.ASSIGNED,
                               SuggestionStatus.NEW, SuggestionStatus.REOPENED,
                               SuggestionStatus.ESCALATED):
        rows.append([(t(locale, "cards.button_reply"),
                      encode(TRACKING, "reply", suggestion.id))])
    rows.append([(t(locale, "cards.button_timeline"),
                  encode(TRACKING, "open", suggestion.id))])
    return inline(rows)


def render_answer_to_resident(
    suggestion: Suggestion,
    entry: TimelineEntry,
    locale: str,
    author: str | None = None,
    station: str = "",
) -> tuple[str, InlineKeyboardMarkup]:
    """What the resident gets when staff or a deputy acts on their ticket: a header naming the
    ticket, who answered (a deputy by name; staff under the station's name), the words, and the
    next step."""
    kind = entry.kind if entry.kind in _ANSWER_KINDS else "status"
    status = t(locale, f"lifecycle.status.{suggestion.status.value}")
    header = t(locale, f"cards.answer.{kind}", ticket=suggestion.ticket, status=status,
               original=escape(entry.text or ""))
    lines = [header]
    if entry.text and kind in ("reply", "request_info", "resolved", "rejected"):
        by = (t(locale, "cards.by_deputy", name=escape(author)) if author
              else t(locale, "cards.by_staff", station=escape(station)))
        lines.append(f"{by}\n{escape(entry.text)}")
    if suggestion.status is SuggestionStatus.RESOLVED:
        lines.append(t(locale, "cards.please_rate"))
    elif kind in ("reply", "request_info"):
        lines.append(t(locale, "cards.you_may_reply"))
    return "\n\n".join(lines), _resident_buttons(suggestion, locale)


def preview_for_resident(
    suggestion: Suggestion, kind: str, status: SuggestionStatus, text: str | None, locale: str,
    station: str,
) -> str:
    """What the resident would be told if staff took an action that leads to ``status`` with a
    public entry of ``kind`` (and words ``text``): the same message, shown before it is sent."""
    after = Suggestion(id=suggestion.id, ticket=suggestion.ticket, status=status)
    entry = TimelineEntry(kind=kind, text=text)
    body, _ = render_answer_to_resident(after, entry, locale, None, station)
    return body


async def notify_resident(
    session: AsyncSession, suggestion: Suggestion, kind: str | None, *, now: datetime
) -> bool:
    """Queue, in the caller's unit of work, a message telling the resident about the newest
    public timeline entry of their ticket (of ``kind``: reply, request_info, resolved, rejected,
    duplicate, … when given), in the resident's language.

    Returns False, queuing nothing, when there is no such entry or no reachable resident
    (forgotten, or blocked the bot).
    """
    notice = await resident_notice(session, suggestion, kind)
    if notice is None:
        return False
    text, markup = render_answer_to_resident(suggestion, notice.entry, notice.locale,
                                             notice.author, notice.station_name)
    payload = {"chat_id": notice.chat_id, "text": text, "parse_mode": "HTML",
               "reply_markup": markup.to_dict()}
    row = await outbox.enqueue(session, chat_id=notice.chat_id, method="sendMessage",
                               payload=payload, purpose=OutboxPurpose.TO_RESIDENT,
                               suggestion_id=suggestion.id, resident_id=notice.resident_id,
                               now=now)
    return row is not None
