"""Keyboard builders. Labels come from the catalogue; data from dialogs.kernel.callbacks.encode."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

__all__ = ["inline", "inline_column", "reply_keyboard", "remove_keyboard"]

Button = tuple[str, str]  # (label, callback data)


def inline(rows: Iterable[Sequence[Button]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def inline_column(buttons: Iterable[Button]) -> InlineKeyboardMarkup:
    return inline([[b] for b in buttons])


def reply_keyboard(
    rows: Iterable[Sequence[str | KeyboardButton]], *, one_time: bool = True
) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[b if isinstance(b, KeyboardButton) else KeyboardButton(b) for b in row] for row in rows],
        resize_keyboard=True,
        one_time_keyboard=one_time,
    )


def remove_keyboard() -> ReplyKeyboardRemove:
    return ReplyKeyboardRemove()
