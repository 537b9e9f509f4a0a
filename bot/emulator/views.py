"""What a person sees of a message: `ChatMessage`, the same in-process and over HTTP."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .markup import inline_labels, reply_labels
from .state import StoredMessage

_MEDIA = ("photo", "document", "voice", "audio", "video", "animation", "sticker", "video_note",
          "venue", "location", "contact")


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """A bot message as shown in the chat now (edits applied).

    `buttons` are the inline keyboard's labels by row; `keyboard` the reply keyboard sent with
    the message; `remove_keyboard` whether the message removed the reply keyboard.
    """

    message_id: int
    text: str | None
    buttons: list[list[str]] = field(default_factory=list)
    keyboard: list[list[str]] = field(default_factory=list)
    remove_keyboard: bool = False
    media: str | None = None
    thread_id: int | None = None
    reply_to: int | None = None
    edited: bool = False
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, stored: StoredMessage) -> ChatMessage:
        data = stored.data
        keyboard = stored.reply_keyboard
        return cls(
            message_id=stored.message_id,
            text=data.get("text", data.get("caption")),
            buttons=inline_labels(data.get("reply_markup")),
            keyboard=reply_labels(keyboard),
            remove_keyboard=bool(keyboard and keyboard.get("remove_keyboard")),
            media=next((kind for kind in _MEDIA if kind in data), None),
            thread_id=data.get("message_thread_id"),
            reply_to=(data.get("reply_to_message") or {}).get("message_id"),
            edited="edit_date" in data,
            raw=data,
        )

    @property
    def labels(self) -> list[str]:
        """Every button label, inline first, flattened."""
        return [label for row in (*self.buttons, *self.keyboard) for label in row]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChatMessage:
        return cls(**data)
