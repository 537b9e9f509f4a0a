"""The meeting card in the staff group, and what the calendar dialogs share: prompts that staff
answer by replying (their text starts with 🗓, which is how the reply handler knows them), the
staff chat of a station, and one sentence for every refusal."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import ForceReply, Message
from telegram.ext import filters

from dialogs.kernel.callbacks import encode
from dialogs.kernel.context import DialogConfig
from dialogs.kernel.keyboards import Button, inline
from dialogs.kernel.turn import Reply, Turn, escape
from dialogs.resident.station_render import when
from locales import t
from storage.checkins import checkin_payload
from storage.meeting_rules import MeetingError
from storage.meeting_views import MeetingDetail, meeting_detail
from storage.models import DeputyResponse, MeetingStatus
from storage.staff_chats import staff_chat_for_station
from storage.staff_topics import topic_for_station

__all__ = [
    "show_card",
    "FLOW",
    "PROMPT_MARK",
    "CalendarPrompt",
    "prompt",
    "refuse",
    "error_text",
    "staff_target",
    "checkin_link",
    "render_card",
    "card_rows",
]

FLOW = "mt"
PROMPT_MARK = "🗓"
_ANSWER = {DeputyResponse.ATTENDING: "✅", DeputyResponse.DECLINED: "❌", None: "⏳"}
_SHOWN_BOOKINGS = 15


class CalendarPrompt(filters.MessageFilter):
    """A reply to one of our calendar prompts (a bot message starting with 🗓)."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return (replied is not None and replied.from_user is not None and replied.from_user.is_bot
                and (replied.text or "").startswith(PROMPT_MARK))


def prompt(turn: Turn, key: str, /, **fields: object) -> None:
    """Ask staff for text: they answer by replying to this message."""
    turn.send(f"{PROMPT_MARK} " + turn.t(key, **fields),
              ForceReply(selective=True, input_field_placeholder=turn.t("calendar.reply_here")))


def error_text(locale: str, error: MeetingError) -> str:
    return t(locale, f"calendar.errors.{error.reason}", **error.fields)


def refuse(turn: Turn, error: MeetingError) -> None:
    """One sentence: an alert on a button press, else a message."""
    if turn.update.callback_query is not None:
        turn.replies.append(Reply("toast", text=error_text(turn.locale, error), alert=True))
    else:
        turn.send(escape(error_text(turn.locale, error)))


async def staff_target(
    session: AsyncSession, config: DialogConfig, station_id: int
) -> tuple[int, int | None] | None:
    """The staff chat (and forum topic) that serves a station (``storage.staff_chats``, the same
    lookup as suggestion cards); None without a staff group."""
    chat_id = await staff_chat_for_station(session, station_id, config.staff_chat_id)
    if chat_id is None:
        return None
    return chat_id, await topic_for_station(session, chat_id, station_id)


def checkin_link(config: DialogConfig, token: str) -> str:
    return f"https://t.me/{config.bot_username or 'bot'}?start={checkin_payload(token)}"


def _deputy_lines(locale: str, detail: MeetingDetail) -> str:
    lines = [t(locale, "calendar.card.deputy", name=escape(d.name), answer=_ANSWER[answer],
               signed=" 🟢" if signed else "") for d, answer, signed in detail.deputies]
    return "\n".join(lines) or t(locale, "calendar.card.no_deputies")


def _booking_lines(locale: str, detail: MeetingDetail) -> str:
    lines = [t(locale, "calendar.card.booking", n=i + 1,
               name=escape(r.display_name or t(locale, "calendar.card.someone")),
               topic=escape(b.topic) if b.topic else "")
             for i, (b, r) in enumerate(detail.confirmed[:_SHOWN_BOOKINGS])]
    return "\n".join(lines)


def render_card(locale: str, tz: ZoneInfo, config: DialogConfig, detail: MeetingDetail) -> str:
    m, s = detail.meeting, detail.station
    parts = [
        t(locale, "calendar.card.head", mark=PROMPT_MARK, kind=t(locale, f"station.kind.{m.kind}"),
          station=escape(s.name), code=m.code),
        t(locale, "calendar.card.when", when=when(locale, tz, m.starts_at, m.ends_at)),
        t(locale, "calendar.card.place", place=escape(m.place or s.address)),
    ]
    if m.topic:
        parts.append(t(locale, "calendar.card.topic", topic=escape(m.topic)))
    parts.append(t(locale, "calendar.card.status", status=t(locale, f"calendar.status.{m.status}")))
    parts.append(t(locale, "calendar.card.deputies") + "\n" + _deputy_lines(locale, detail))
    if m.kind == "reception":
        parts.append(t(locale, "calendar.card.bookings", confirmed=len(detail.confirmed),
                       capacity=m.capacity, waiting=len(detail.waiting)))
        if detail.confirmed:
            parts.append(_booking_lines(locale, detail))
    signed = sum(1 for _, _, s_in in detail.deputies if s_in)
    parts.append(t(locale, "calendar.card.attendance", deputies=signed,
                   residents=detail.resident_check_ins, walk_ins=m.walk_ins))
    if detail.suggestions:
        parts.append(t(locale, "calendar.card.suggestions",
                       tickets=" ".join(x.ticket for x in detail.suggestions)))
    if m.status == MeetingStatus.HELD:
        parts.append(t(locale, "calendar.card.minutes", minutes=escape(m.minutes[:600]),
                       photos=detail.photos))
    elif m.status == MeetingStatus.PLANNED and m.checkin_token:
        parts.append(t(locale, "calendar.card.link", link=checkin_link(config, m.checkin_token)))
    return "\n".join(parts)


def card_rows(locale: str, detail: MeetingDetail, now: datetime) -> list[list[Button]]:
    m = detail.meeting
    rows: list[list[Button]] = []

    def b(key: str, action: str) -> Button:
        return t(locale, f"calendar.btn.{key}"), encode(FLOW, action, m.id)

    if m.status == MeetingStatus.PLANNED and m.ends_at > now:
        rows += [[b("move", "mv"), b("place", "pl"), b("topic", "tp")],
                 [b("walk_ins", "wi"), b("on_behalf", "ob")], [b("cancel", "cx")]]
    elif m.status == MeetingStatus.PLANNED:
        rows += [[b("close", "cl"), b("not_held", "nh")], [b("walk_ins", "wi"), b("on_behalf", "ob")]]
    rows.append([b("refresh", "v"), (t(locale, "calendar.btn.list"), encode(FLOW, "pg", 0))])
    return rows


async def show_card(turn: Turn, meeting_id: int, *, in_place: bool = True) -> None:
    detail = await meeting_detail(turn.session, meeting_id)
    if detail is None:
        refuse(turn, MeetingError("unknown_meeting"))
        return
    text = render_card(turn.locale, turn.config.tz, turn.config, detail)
    markup = inline(card_rows(turn.locale, detail, turn.now))
    if in_place:
        turn.edit(text, markup)
    else:
        turn.send(text, markup)
