"""Bot API methods that put messages into chats: send*, forward, copy, media groups."""

from __future__ import annotations

import mimetypes
import time
from typing import Any

from .entities import EntityParseError, parse, utf16_len
from .errors import ApiError, bad_request, too_many_requests
from .limits import FloodControl, Limits
from .markup import check_markup
from .spec import UploadedFile
from .state import ChatRecord, Json, StoredFile, StoredMessage, World

# kind -> (fields every such object carries besides the file's own)
_MEDIA_SHAPES: dict[str, Json] = {
    "document": {},
    "voice": {"duration": 1},
    "audio": {"duration": 1},
    "video": {"duration": 1, "width": 640, "height": 360},
    "animation": {"duration": 1, "width": 320, "height": 240},
    "video_note": {"duration": 1, "length": 240},
    "sticker": {"type": "regular", "width": 512, "height": 512, "is_animated": False,
                "is_video": False},
}


class MessageMethods:
    """sendMessage, sendPhoto, ... : check like Telegram, store, return the Message."""

    def __init__(self, world: World, flood: FloodControl, limits: Limits) -> None:
        self.world = world
        self.flood = flood
        self.limits = limits

    # -- shared steps ---------------------------------------------------------------------

    def chat(self, chat_id: Any) -> ChatRecord:
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            found = [c for c in self.world.chats.values() if c.username == chat_id[1:]]
            if found:
                return found[0]
        elif isinstance(chat_id, int) and chat_id in self.world.chats:
            return self.world.chats[chat_id]
        raise bad_request("chat not found")

    def writable_chat(self, params: Json) -> ChatRecord:
        chat = self.chat(params["chat_id"])
        if not chat.is_group:
            user = self.world.users[chat.id]
            if user.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user", expected=True)
            if not user.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user",
                               expected=True)
        thread = params.get("message_thread_id")
        if thread is not None and (not chat.is_group or chat.is_forum and thread not in chat.topics):
            raise bad_request("message thread not found")
        check_markup(params.get("reply_markup"), private=not chat.is_group,
                     callback_data_bytes=self.limits.callback_data_bytes)
        return chat

    def admit(self, chat: ChatRecord, count: int = 1) -> None:
        retry_after = self.flood.admit(chat.id, is_group=chat.is_group, count=count)
        if retry_after:
            raise too_many_requests(retry_after)

    def formatted(self, text: str, params: Json, entities_key: str) -> tuple[str, list[Json]]:
        """Plain text and entities from `text` + `parse_mode` / explicit entities."""
        try:
            plain, entities = parse(text, params.get("parse_mode"))
        except EntityParseError as error:
            raise bad_request(str(error).removeprefix("Bad Request: ")) from None
        except ValueError as error:
            raise bad_request(str(error).removeprefix("Bad Request: ")) from None
        explicit = params.get(entities_key)
        if explicit:
            entities = explicit
        for entity in entities:
            user = self.world.users.get(entity.get("user", {}).get("id", 0))
            if entity["type"] == "text_mention" and user is not None:
                entity["user"] = user.json()
        return plain, entities

    def text_content(self, params: Json) -> Json:
        text, entities = self.formatted(params["text"], params, "entities")
        if not text.strip():
            raise bad_request("message text is empty")
        if utf16_len(text) > self.limits.text_length:
            raise bad_request("message is too long")
        content: Json = {"text": text}
        if entities:
            content["entities"] = entities
        return content

    def caption_content(self, params: Json) -> Json:
        if not params.get("caption"):
            return {}
        caption, entities = self.formatted(params["caption"], params, "caption_entities")
        if utf16_len(caption) > self.limits.caption_length:
            raise bad_request("message caption is too long")
        content: Json = {"caption": caption}
        if entities:
            content["caption_entities"] = entities
        return content

    def deliver(self, chat: ChatRecord, params: Json, content: Json) -> Json:
        """Store a bot message built from `content` and return it as a Message object."""
        data: Json = {
            "message_id": self.world.new_message_id(chat.id),
            "from": self.world.bot_json(),
            "chat": chat.json(),
            "date": int(time.time()),
        }
        thread = params.get("message_thread_id")
        if thread is not None:
            data["message_thread_id"] = thread
            if chat.is_forum:
                data["is_topic_message"] = True
        replied = self._replied(chat, params)
        if replied is not None:
            data["reply_to_message"] = replied
        data.update(content)
        markup = params.get("reply_markup")
        keyboard = None
        if markup and "inline_keyboard" in markup:
            data["reply_markup"] = markup
        elif markup and ("keyboard" in markup or "remove_keyboard" in markup):
            keyboard = markup
            chat.reply_keyboard = markup if "keyboard" in markup else None
        stored = self.world.store(data, from_bot=True)
        stored.reply_keyboard = keyboard
        return data

    def _replied(self, chat: ChatRecord, params: Json) -> Json | None:
        reply = params.get("reply_parameters")
        if not reply:
            return None
        target_chat = reply.get("chat_id", chat.id)
        stored = self.world.messages.get((target_chat, reply["message_id"]))
        if stored is None or stored.deleted:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return {k: v for k, v in stored.data.items() if k != "reply_to_message"}

    # -- methods --------------------------------------------------------------------------

    def send_message(self, params: Json) -> Json:
        chat = self.writable_chat(params)
        content = self.text_content(params)
        self.admit(chat)
        return self.deliver(chat, params, content)

    def send_location(self, params: Json) -> Json:
        chat = self.writable_chat(params)
        location = _location(params)
        self.admit(chat)
        return self.deliver(chat, params, {"location": location})

    def send_venue(self, params: Json) -> Json:
        chat = self.writable_chat(params)
        location = _location(params)
        venue = {"location": location, "title": params["title"], "address": params["address"]}
        self.admit(chat)
        return self.deliver(chat, params, {"venue": venue, "location": location})

    def send_contact(self, params: Json) -> Json:
        chat = self.writable_chat(params)
        contact = {k: params[k] for k in ("phone_number", "first_name", "last_name") if k in params}
        self.admit(chat)
        return self.deliver(chat, params, {"contact": contact})

    def send_photo(self, params: Json) -> Json:
        return self.send_file(params, "photo")

    def send_file(self, params: Json, kind: str) -> Json:
        chat = self.writable_chat(params)
        content = self.caption_content(params)
        content.update(self.media_content(kind, params[kind]))
        self.admit(chat)
        return self.deliver(chat, params, content)

    def media_content(self, kind: str, source: Any) -> Json:
        stored = self.file(kind, source)
        if kind == "photo":
            small = stored.json() | {"width": 90, "height": 90}
            return {"photo": [small, stored.json() | {"width": 1280, "height": 960}]}
        return {kind: stored.json() | _MEDIA_SHAPES[kind]}

    def file(self, kind: str, source: Any) -> StoredFile:
        if isinstance(source, UploadedFile):
            if not source.data:
                raise bad_request("file must be non-empty")
            mime = source.content_type
            if mime in ("", "application/octet-stream"):
                mime = mimetypes.guess_type(source.filename)[0] or mime
            return self.world.add_file(source.data, kind, file_name=source.filename or None,
                                       mime_type=mime or None)
        if source in self.world.files:
            return self.world.files[source]
        if isinstance(source, str) and source.startswith(("http://", "https://")):
            name = source.rsplit("/", 1)[-1] or None
            return self.world.add_file(b"", kind, file_name=name)
        raise bad_request("wrong file identifier/HTTP URL specified")

    def send_media_group(self, params: Json, files: dict[str, UploadedFile]) -> list[Json]:
        chat = self.writable_chat(params)
        media = params["media"]
        if not 2 <= len(media) <= 10:
            raise bad_request("media group must include 2-10 items")
        contents = []
        for item in media:
            source: Any = item["media"]
            if isinstance(source, str) and source.startswith("attach://"):
                source = files.get(source[len("attach://") :])
                if source is None:
                    raise bad_request(f"file \"{item['media']}\" not found in the request")
            content = self.caption_content(item)
            content.update(self.media_content(item["type"], source))
            contents.append(content)
        self.admit(chat, count=len(media))
        group_id = str(int(time.time() * 1000))
        return [self.deliver(chat, params, c | {"media_group_id": group_id}) for c in contents]

    def forward_message(self, params: Json) -> Json:
        source = self.source_message(params)
        chat = self.writable_chat(params)
        self.admit(chat)
        content = _content_of(source)
        content["forward_origin"] = {"type": "user", "date": source.data["date"],
                                     "sender_user": source.data.get("from", {})}
        return self.deliver(chat, params, content)

    def copy_message(self, params: Json) -> Json:
        source = self.source_message(params)
        chat = self.writable_chat(params)
        content = _content_of(source)
        if "caption" in params:
            content.pop("caption_entities", None)
            content.update(self.caption_content(params))
        self.admit(chat)
        return {"message_id": self.deliver(chat, params, content)["message_id"]}

    def source_message(self, params: Json) -> StoredMessage:
        from_chat = self.chat(params["from_chat_id"])
        stored = self.world.messages.get((from_chat.id, params["message_id"]))
        if stored is None or stored.deleted:
            raise bad_request("message to forward not found", expected=True)
        return stored


_CONTENT_KEYS = ("text", "entities", "caption", "caption_entities", "photo", "document", "voice",
                 "audio", "video", "animation", "sticker", "location", "venue", "contact",
                 "video_note")


def _content_of(message: StoredMessage) -> Json:
    return {k: v for k, v in message.data.items() if k in _CONTENT_KEYS}


def _location(params: Json) -> Json:
    lat, lon = params["latitude"], params["longitude"]
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise bad_request("wrong coordinates")
    return {"latitude": float(lat), "longitude": float(lon)}
