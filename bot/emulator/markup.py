"""Keyboards: the checks Telegram makes on `reply_markup`, and the labels a person sees."""

from __future__ import annotations

from typing import Any

from .errors import bad_request

Json = dict[str, Any]

_INLINE_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)


def check_markup(markup: Json | None, *, private: bool, callback_data_bytes: int) -> None:
    """Refuse a keyboard the real server would refuse (raises ApiError)."""
    if not markup:
        return
    if "inline_keyboard" in markup:
        for row in markup["inline_keyboard"]:
            for button in row:
                _check_inline_button(button, callback_data_bytes)
    elif "keyboard" in markup:
        if not markup["keyboard"] or not any(markup["keyboard"]):
            raise bad_request("keyboard must be non-empty")
        for row in markup["keyboard"]:
            for button in row:
                if not button.get("text"):
                    raise bad_request("keyboard button text must be non-empty")
                if not private and (button.get("request_contact") or
                                    button.get("request_location")):
                    raise bad_request("contact and location buttons are allowed only in "
                                      "private chats")
    elif "remove_keyboard" in markup and markup["remove_keyboard"] is not True:
        raise bad_request("remove_keyboard must be True")


def _check_inline_button(button: Json, callback_data_bytes: int) -> None:
    if not button.get("text"):
        raise bad_request("inline keyboard button text must be non-empty")
    actions = [key for key in _INLINE_ACTIONS if key in button]
    if not actions:
        raise bad_request("text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise bad_request(f"inline keyboard button must have exactly one of {actions}")
    if "callback_data" in button:
        size = len(button["callback_data"].encode("utf-8"))
        if not 1 <= size <= callback_data_bytes:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not str(button["url"]).startswith(("http://", "https://", "tg://")):
        raise bad_request(f"inline keyboard button URL '{button['url']}' is invalid: "
                          "Wrong HTTP URL")


def inline_labels(markup: Json | None) -> list[list[str]]:
    if not markup or "inline_keyboard" not in markup:
        return []
    return [[button["text"] for button in row] for row in markup["inline_keyboard"]]


def reply_labels(markup: Json | None) -> list[list[str]]:
    if not markup or "keyboard" not in markup:
        return []
    return [[_text(button) for button in row] for row in markup["keyboard"]]


def find_inline(markup: Json | None, label: str) -> Json | None:
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            if button["text"] == label:
                return dict(button)
    return None


def find_reply(markup: Json | None, label: str) -> Json | None:
    for row in (markup or {}).get("keyboard", []):
        for button in row:
            if _text(button) == label:
                return button if isinstance(button, dict) else {"text": button}
    return None


def _text(button: Json | str) -> str:
    return button if isinstance(button, str) else str(button["text"])
