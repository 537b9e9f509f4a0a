"""How a resident sees their suggestions: the list with statuses, and one ticket's public
timeline (internal notes never reach this module: it is given public entries only)."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup

from dialogs.kernel.callbacks import SUGGEST, TRACKING, encode
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import Turn, escape
from dialogs.ticket_text import (
    RATINGS,
    category_name,
    clip,
    due_day,
    entry_body,
    entry_label,
    format_day,
    format_moment,
)
from storage.lifecycle import allowed_actions
from storage.models import Category, Suggestion, SuggestionStatus, TimelineEntry
from storage.roles import Actor

__all__ = ["render_list", "render_timeline", "LIST_LIMIT"]

LIST_LIMIT = 20
ORIGINAL_CHARS = 1200  # the suggestion's own text shown on the timeline
ENTRY_CHARS = 600
MESSAGE_CHARS = 3900  # keep under Telegram's 4096 with room for the frame


def _status(turn: Turn, suggestion: Suggestion) -> str:
    return turn.t(f"lifecycle.status.{suggestion.status.value}")


def render_list(
    turn: Turn, suggestions: Sequence[Suggestion], categories: dict[str, Category]
) -> tuple[str, InlineKeyboardMarkup]:
    if not suggestions:
        return turn.t("tracking.none"), inline(
            [[(turn.t("tracking.button_suggest"), encode(SUGGEST, "start"))]])
    lines = [turn.t("tracking.list_title", count=len(suggestions))]
    buttons = []
    for s in suggestions:
        when = format_moment(turn.locale, s.created_at, turn.config.tz)
        category = category_name(categories.get(s.category_code), turn.locale)
        lines.append(turn.t("tracking.list_line", ticket=s.ticket, category=escape(category),
                            status=_status(turn, s), when=when))
        buttons.append([(turn.t("tracking.list_button", ticket=s.ticket, status=_status(turn, s)),
                         encode(TRACKING, "open", s.id))])
    buttons.append([(turn.t("tracking.button_suggest"), encode(SUGGEST, "start"))])
    return "\n".join(lines), inline(buttons)


def _entry_line(turn: Turn, suggestion: Suggestion, entry: TimelineEntry,
                authors: dict[int, str]) -> str:
    label = entry_label(turn.locale, entry.kind, entry.text, suggestion.level.value)
    if entry.kind == "rating":
        label = turn.t("tracking.rating_label", label=label,
                       verdict=_verdict(turn, suggestion, entry))
    author = authors.get(entry.id)
    if author:
        label = turn.t("tracking.entry_by", label=label, name=escape(author))
    line = turn.t("tracking.entry", when=format_moment(turn.locale, entry.at, turn.config.tz),
                  label=label)
    return line + entry_body(turn.locale, entry.kind, entry.text, ENTRY_CHARS, "tracking.entry_text")


def _verdict(turn: Turn, suggestion: Suggestion, entry: TimelineEntry) -> str:
    if entry.to_status == SuggestionStatus.REOPENED.value:
        return turn.t("lifecycle.satisfaction.unsatisfied")
    if suggestion.satisfaction is not None:
        return turn.t(f"lifecycle.satisfaction.{suggestion.satisfaction.value}")
    return "—"


def render_timeline(
    turn: Turn,
    suggestion: Suggestion,
    category: Category | None,
    entries: Sequence[TimelineEntry],
    authors: dict[int, str],
) -> tuple[str, InlineKeyboardMarkup]:
    tz = turn.config.tz
    head = turn.t(
        "tracking.timeline_head",
        ticket=suggestion.ticket,
        category=escape(category_name(category, turn.locale)),
        status=_status(turn, suggestion),
        first_due=format_day(turn.locale, due_day(suggestion.first_response_due, tz)),
        resolution_due=format_day(turn.locale, due_day(suggestion.resolution_due, tz)),
        text=escape(clip(suggestion.text, ORIGINAL_CHARS)),
    )
    lines = [_entry_line(turn, suggestion, e, authors) for e in entries]
    while lines and len(head) + sum(len(x) + 2 for x in lines) > MESSAGE_CHARS:
        lines.pop(0)  # the oldest go first; the newest matter most
    if len(lines) < len(entries):
        lines.insert(0, turn.t("tracking.earlier_left_out", count=len(entries) - len(lines)))
    return head + "\n\n" + "\n\n".join(lines), _timeline_buttons(turn, suggestion)


def _timeline_buttons(turn: Turn, suggestion: Suggestion) -> InlineKeyboardMarkup:
    rows: list[list[tuple[str, str]]] = []
    allowed = allowed_actions(suggestion, Actor.resident(suggestion.resident_id or 0))
    if "add_followup" in allowed:
        rows.append([(turn.t("tracking.button_followup"),
                      encode(TRACKING, "add", suggestion.id))])
    if "rate" in allowed:
        rows.append([(turn.t(f"lifecycle.satisfaction.{name}"),
                      encode(TRACKING, "rate", suggestion.id, code))
                     for code, name in RATINGS])
    rows.append([(turn.t("tracking.button_back"), encode(TRACKING, "list"))])
    return inline(rows)
