"""Bot API methods that change or remove a message the bot sent."""

from __future__ import annotations

import time

from .errors import ApiError, bad_request
from .markup import check_markup
from .messages import MessageMethods
from .state import Json, StoredMessage

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


class EditMethods:
    """editMessageText, editMessageCaption, editMessageReplyMarkup, deleteMessage(s)."""

    def __init__(self, messages: MessageMethods) -> None:
        self.messages = messages
        self.world = messages.world

    def target(self, params: Json, *, action: str = "edit") -> StoredMessage:
        if "inline_message_id" in params:
            raise bad_request("inline messages are not supported by the emulator")
        if "chat_id" not in params or "message_id" not in params:
            raise bad_request("message identifier is not specified" if action == "edit"
                              else "chat_id and message_id are required")
        chat = self.messages.chat(params["chat_id"])
        stored = self.world.messages.get((chat.id, params["message_id"]))
        if stored is None or stored.deleted:
            raise bad_request(f"message to {action} not found", expected=True)
        if action == "edit" and not stored.from_bot:
            raise bad_request("message can't be edited")
        check_markup(params.get("reply_markup"), private=not chat.is_group,
                     callback_data_bytes=self.messages.limits.callback_data_bytes)
        markup = params.get("reply_markup")
        if markup is not None and "inline_keyboard" not in markup:
            raise bad_request("inline keyboard expected")
        return stored

    def _apply(self, stored: StoredMessage, changes: Json, markup: Json | None) -> Json:
        data = stored.data
        same = all(data.get(k) == v for k, v in changes.items()) and (
            data.get("reply_markup") == (markup or None)
        )
        if same:
            raise bad_request(NOT_MODIFIED, expected=True)
        for key, value in changes.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        if markup and markup.get("inline_keyboard"):
            data["reply_markup"] = markup
        else:
            data.pop("reply_markup", None)
        data["edit_date"] = int(time.time())
        self.world.touch(stored.chat_id)
        return data

    def edit_message_text(self, params: Json) -> Json:
        stored = self.target(params)
        if "text" not in stored.data:
            raise bad_request("there is no text in the message to edit")
        content = self.messages.text_content(params)
        changes = {"text": content["text"], "entities": content.get("entities")}
        return self._apply(stored, changes, params.get("reply_markup"))

    def edit_message_caption(self, params: Json) -> Json:
        stored = self.target(params)
        if "text" in stored.data:
            raise bad_request("there is no caption in the message to edit")
        content = self.messages.caption_content(params)
        changes = {"caption": content.get("caption"),
                   "caption_entities": content.get("caption_entities")}
        return self._apply(stored, changes, params.get("reply_markup"))

    def edit_message_reply_markup(self, params: Json) -> Json:
        stored = self.target(params)
        return self._apply(stored, {}, params.get("reply_markup"))

    def delete_message(self, params: Json) -> bool:
        stored = self.target(params, action="delete")
        stored.deleted = True
        self.world.touch(stored.chat_id)
        return True

    def delete_messages(self, params: Json) -> bool:
        ids = params["message_ids"]
        if not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must contain 1-100 identifiers")
        deleted = 0
        for message_id in ids:
            try:
                self.delete_message({"chat_id": params["chat_id"], "message_id": message_id})
                deleted += 1
            except ApiError:
                continue
        if not deleted:
            raise bad_request("message to delete not found", expected=True)
        return True
