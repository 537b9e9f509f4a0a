"""Messages about a suggestion sent to someone other than the person talking: the staff card
(the one place it is rendered), its media follow-up, and what is pushed to the resident when
staff or a deputy acts on their ticket.

Rendering is pure (``render_*``); ``enqueue_staff_card`` and ``notify_resident`` write outbox
rows in the caller's unit of work, so the message goes out only if the change it reports commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup

from dialogs.kernel.callbacks import encode
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import Turn, escape
from dialogs.staff.card_triage import refresh_card, triage_keyboard, triage_section
from dialogs.staff.mirror import beside_card
from locales import t
from storage import outbox
from storage.deadlines import DEFAULT_TZ
from storage.models import (
    ActorKind,
    Attachment,
    Category,
    Community,
    Deputy,
    Resident,
    Station,
    Suggestion,
    SuggestionStatus,
    TimelineEntry,
    Visibility,
)
from storage.outbox import OutboxPurpose
from storage.staff_chats import staff_chat_for_suggestion
from storage.staff_topics import topic_for_station
from storage.ticket_view import TicketView

__all__ = [
    "CardContext",
    "load_card_context",
    "render_staff_card",
    "staff_media_calls",
    "enqueue_staff_card",
    "render_staff_notice",
    "enqueue_staff_notice",
    "render_answer_to_resident",
    "preview_for_resident",
    "notify_resident",
    "format_day",
    "due_day",
    "format_moment",
    "category_name",
    "TRACKING_FLOW",
]

TRACKING_FLOW = "my"  # callback prefix of dialogs.resident.tracking (buttons on pushed answers)
CARD_TEXT_CHARS = 3000  # the suggestion's text shown on the card; the rest follows in parts
PART_CHARS = 3900
# Headers for what is pushed to a resident; other kinds get the generic status header.
_ANSWER_KINDS = frozenset({"reply", "request_info", "resolved", "rejected", "duplicate"})
RATINGS = (("s", "satisfied"), ("b", "basic"), ("u", "unsatisfied"))


# ---- dates ------------------------------------------------------------------------------------
def due_day(moment: datetime, tz: ZoneInfo) -> date:
    """The local day a deadline falls due at the end of (deadlines are 00:00 of the next day)."""
    return (moment - timedelta(microseconds=1)).astimezone(tz).date()


def format_day(locale: str, day: date) -> str:
    weekday = t(locale, f"cards.weekday.{day.weekday()}")
    return t(locale, "cards.day", year=day.year, month=day.month, day=day.day, weekday=weekday)


def format_moment(locale: str, moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return t(locale, "cards.moment", month=local.month, day=local.day,
             time=local.strftime("%H:%M"))


def category_name(category: Category | None, locale: str) -> str:
    if category is None:
        return "—"
    return category.name_en if locale == "en" else category.name_zh


# ---- the staff card ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CardContext:
    """What the card shows besides the suggestion row itself."""

    station_name: str
    community_name: str | None
    category: Category | None
    deputy: Deputy | None
    photos: int
    voices: int


async def load_card_context(session: AsyncSession, suggestion: Suggestion) -> CardContext:
    station = await session.get(Station, suggestion.station_id)
    community = (
        await session.get(Community, suggestion.community_code)
        if suggestion.community_code else None
    )
    deputy = (
        await session.get(Deputy, suggestion.addressed_deputy_id)
        if suggestion.addressed_deputy_id else None
    )
    kinds = (await session.scalars(
        select(Attachment.kind).where(Attachment.suggestion_id == suggestion.id)
    )).all()
    return CardContext(
        station_name=station.name if station else "—",
        community_name=community.name if community else None,
        category=await session.get(Category, suggestion.category_code),
        deputy=deputy,
        photos=sum(1 for k in kinds if k == "photo"),
        voices=sum(1 for k in kinds if k == "voice"),
    )


def _recipient(context: CardContext, locale: str) -> str:
    if context.deputy is None:
        return t(locale, "cards.to_all")
    level = t(locale, f"cards.level.{context.deputy.level.value}")
    return t(locale, "cards.to_one", name=escape(context.deputy.name), level=level)


def _who(suggestion: Suggestion, locale: str) -> str:
    """The resident exactly as far as they consented: name and phone, or nobody."""
    if not suggestion.share_identity or not (suggestion.contact_name or suggestion.contact_phone):
        return t(locale, "cards.anonymous")
    phone = escape(suggestion.contact_phone or "—")
    if suggestion.contact_phone_typed:  # typed by the resident: not verified by Telegram
        phone += t(locale, "suggest.phone_typed_mark")
    return t(locale, "cards.identified", name=escape(suggestion.contact_name or "—"), phone=phone)


def _extras(suggestion: Suggestion, context: CardContext, locale: str) -> str:
    bits = []
    if context.photos:
        bits.append(t(locale, "cards.photos", count=context.photos))
    if context.voices:
        bits.append(t(locale, "cards.voices", count=context.voices))
    if suggestion.latitude is not None and suggestion.longitude is not None:
        bits.append(t(locale, "cards.location", lat=f"{suggestion.latitude:.5f}",
                      lon=f"{suggestion.longitude:.5f}"))
    return " · ".join(bits) if bits else t(locale, "cards.no_extras")


def render_staff_card(
    suggestion: Suggestion,
    context: CardContext,
    locale: str = "zh",
    tz: ZoneInfo = DEFAULT_TZ,
    *,
    now: datetime | None = None,
    view: TicketView | None = None,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The staff group's card of a suggestion (also used for edits of it), with the triage
    state and buttons of :mod:`.triage_card` (``now`` marks an overdue ticket)."""
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
        station=escape(context.station_name),
        community=escape(context.community_name or "—"),
        category=escape(category_name(context.category, locale)),
        recipient=_recipient(context, locale),
        who=_who(suggestion, locale),
        extras=_extras(suggestion, context, locale),
        text=escape(body),
    )
    text += triage_section(suggestion, locale, tz, now, view)
    return text, triage_keyboard(suggestion, locale)


def staff_media_calls(
    suggestion: Suggestion, attachments: Sequence[Attachment], chat_id: int, locale: str = "zh"
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


async def enqueue_staff_card(turn: Turn, suggestion: Suggestion) -> bool:
    """Queue the new suggestion's card (and its media) for the staff group, in this unit of
    work: to the group serving its station (``/bind``), else the default staff group. False when
    no group serves it."""
    chat_id = await staff_chat_for_suggestion(turn.session, suggestion, turn.config.staff_chat_id)
    if chat_id is None:
        return False
    locale = turn.config.default_locale
    context = await load_card_context(turn.session, suggestion)
    text, markup = render_staff_card(suggestion, context, locale, turn.config.tz)
    payload: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": "HTML"}
    if markup is not None:
        payload["reply_markup"] = markup.to_dict()
    thread = await topic_for_station(turn.session, chat_id, suggestion.station_id)
    if thread is not None:  # the staff group is a forum: the town's topic
        payload["message_thread_id"] = thread
    await turn.enqueue(chat_id, "sendMessage", payload, purpose=OutboxPurpose.STAFF_CARD,
                       suggestion_id=suggestion.id)
    attachments = (await turn.session.scalars(
        select(Attachment).where(Attachment.suggestion_id == suggestion.id).order_by(Attachment.id)
    )).all()
    for method, call in staff_media_calls(suggestion, attachments, chat_id, locale):
        if thread is not None:
            call["message_thread_id"] = thread
        await turn.enqueue(chat_id, method, call, purpose=OutboxPurpose.STAFF_MEDIA,
                           suggestion_id=suggestion.id)
    return True


def render_staff_notice(
    suggestion: Suggestion, kind: str, locale: str = "zh", *, text: str | None = None,
    verdict: str | None = None,
) -> str:
    """A short line for staff (and the assigned deputy) when the resident adds to a ticket
    (``followup``) or rates it (``rating``)."""
    shown = t(locale, f"lifecycle.satisfaction.{verdict}") if verdict else ""
    notice = t(locale, f"cards.notice.{kind}", ticket=suggestion.ticket, verdict=shown,
               status=t(locale, f"lifecycle.status.{suggestion.status.value}"))
    if text:
        notice += "\n" + escape(text[:PART_CHARS - len(notice)])
    return notice


async def enqueue_staff_notice(
    turn: Turn, suggestion: Suggestion, kind: str, *, text: str | None = None,
    verdict: str | None = None,
) -> int:
    """Tell the staff group, and the deputy the ticket is assigned to (if they use the bot),
    what the resident did. Returns how many messages were queued."""
    chats: list[tuple[int, str]] = []
    group = suggestion.card_chat_id or await staff_chat_for_suggestion(
        turn.session, suggestion, turn.config.staff_chat_id)
    if group is not None:
        chats.append((group, turn.config.default_locale))
    if suggestion.assignee_deputy_id is not None:
        deputy = await turn.session.get(Deputy, suggestion.assignee_deputy_id)
        if deputy is not None and deputy.active and deputy.telegram_user_id:
            chats.append((deputy.telegram_user_id, turn.config.default_locale))
    for chat_id, locale in chats:
        body = render_staff_notice(suggestion, kind, locale, text=text, verdict=verdict)
        notice: dict[str, Any] = {"chat_id": chat_id, "text": body, "parse_mode": "HTML"}
        if chat_id == suggestion.card_chat_id:
            beside_card(suggestion, notice)  # a reply to the card, in its topic
        await turn.enqueue(chat_id, "sendMessage", notice, purpose=OutboxPurpose.STAFF_NOTICE,
                           suggestion_id=suggestion.id)
    await refresh_card(turn.session, turn.config, suggestion.id, turn.now)
    return len(chats)


# ---- what the resident is told ----------------------------------------------------------------
def _resident_buttons(suggestion: Suggestion, locale: str) -> InlineKeyboardMarkup:
    rows: list[list[tuple[str, str]]] = []
    if suggestion.status is SuggestionStatus.RESOLVED:
        rows.append([(t(locale, f"lifecycle.satisfaction.{name}"),
                      encode(TRACKING_FLOW, "rate", suggestion.id, code))
                     for code, name in RATINGS])
    elif suggestion.status in (SuggestionStatus.ANSWERED, SuggestionStatus.ASSIGNED,
                               SuggestionStatus.NEW, SuggestionStatus.REOPENED,
                               SuggestionStatus.ESCALATED):
        rows.append([(t(locale, "cards.button_reply"),
                      encode(TRACKING_FLOW, "reply", suggestion.id))])
    rows.append([(t(locale, "cards.button_timeline"),
                  encode(TRACKING_FLOW, "open", suggestion.id))])
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


async def _latest_public(
    session: AsyncSession, suggestion_id: int, kind: str | None
) -> TimelineEntry | None:
    query = select(TimelineEntry).where(
        TimelineEntry.suggestion_id == suggestion_id,
        TimelineEntry.visibility == Visibility.PUBLIC,
    )
    if kind is not None:
        query = query.where(TimelineEntry.kind == kind)
    query = query.order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc()).limit(1)
    return await session.scalar(query)


async def notify_resident(
    target: Turn | AsyncSession,
    suggestion: Suggestion,
    kind: str | None = None,
    *,
    now: datetime | None = None,
) -> bool:
    """Queue, in the caller's unit of work, a message telling the resident about the newest
    public timeline entry of their ticket (of ``kind``: reply, request_info, resolved, rejected,
    duplicate, … when given), in the resident's language.

    Call it right after the lifecycle operation, with the Turn of the staff member or deputy
    (or a bare session from a job; the delivery worker then picks it up within a second).
    Returns False, queuing nothing, when there is no such entry or no reachable resident
    (forgotten, or blocked the bot).
    """
    session = target.session if isinstance(target, Turn) else target
    await session.flush()
    resident = (await session.get(Resident, suggestion.resident_id)
                if suggestion.resident_id else None)
    chat_id = (resident.chat_id or resident.telegram_user_id) if resident else None
    if resident is None or resident.forgotten_at is not None or not chat_id:
        return False
    entry = await _latest_public(session, suggestion.id, kind)
    if entry is None:
        return False
    author = None
    if entry.actor_kind is ActorKind.DEPUTY and entry.actor_id is not None:
        deputy = await session.get(Deputy, entry.actor_id)
        author = deputy.name if deputy else None
    station = await session.get(Station, suggestion.station_id) if author is None else None
    text, markup = render_answer_to_resident(suggestion, entry, resident.locale or "zh", author,
                                             station.name if station is not None else "")
    payload = {"chat_id": chat_id, "text": text, "parse_mode": "HTML",
               "reply_markup": markup.to_dict()}
    if isinstance(target, Turn):
        return await target.enqueue(chat_id, "sendMessage", payload, purpose=OutboxPurpose.TO_RESIDENT,
                                    suggestion_id=suggestion.id, resident_id=resident.id)
    row = await outbox.enqueue(session, chat_id=chat_id, method="sendMessage", payload=payload,
                               purpose=OutboxPurpose.TO_RESIDENT, suggestion_id=suggestion.id,
                               resident_id=resident.id, now=now)
    return row is not None
