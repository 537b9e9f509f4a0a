"""Bot API methods about the bot, chats and members, commands, callback answers and files."""

from __future__ import annotations

import re
from typing import Any

from .errors import bad_request
from .messages import MessageMethods
from .state import BOT_ID, ChatRecord, Json, UserRecord

_CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
}
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_ADMIN_RIGHTS = (
    "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
    "can_manage_video_chats", "can_restrict_members", "can_promote_members", "can_change_info",
    "can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories",
)


class ChatMethods:
    def __init__(self, messages: MessageMethods) -> None:
        self.messages = messages
        self.world = messages.world

    def get_me(self, params: Json) -> Json:
        return self.world.bot_json() | {"can_join_groups": True,
                                        "can_read_all_group_messages": False,
                                        "supports_inline_queries": False}

    def get_chat(self, params: Json) -> Json:
        chat = self.messages.chat(params["chat_id"])
        return chat.json() | {"accent_color_id": 0, "max_reaction_count": 11,
                              "accepted_gift_types": {
                                  "unlimited_gifts": False, "limited_gifts": False,
                                  "unique_gifts": False, "premium_subscription": False,
                                  "gifts_from_channels": False}}

    def get_chat_administrators(self, params: Json) -> list[Json]:
        chat = self.group(params["chat_id"])
        return [self._member(chat, user_id) for user_id in (*chat.admins, BOT_ID)]

    def get_chat_member(self, params: Json) -> Json:
        chat = self.messages.chat(params["chat_id"])
        return self._member(chat, params["user_id"])

    def get_chat_member_count(self, params: Json) -> int:
        chat = self.messages.chat(params["chat_id"])
        return len(chat.members | set(chat.admins)) + 1 if chat.is_group else 2

    def create_forum_topic(self, params: Json) -> Json:
        chat = self.messages.chat(params["chat_id"])
        if not chat.is_forum:
            raise bad_request("the chat is not a forum")
        name = params["name"]
        if not 1 <= len(name) <= 128:
            raise bad_request("TOPIC_NAME_INVALID")
        thread_id = next(chat.message_ids)  # a topic's id is the id of its service message
        chat.topics[thread_id] = name
        return {"message_thread_id": thread_id, "name": name,
                "icon_color": int(params.get("icon_color", 7322096))}

    def group(self, chat_id: Any) -> ChatRecord:
        chat = self.messages.chat(chat_id)
        if not chat.is_group:
            raise bad_request("there are no administrators in the private chat")
        return chat

    def _member(self, chat: ChatRecord, user_id: int) -> Json:
        if user_id == BOT_ID:
            return {"status": "administrator", "user": self.world.bot_json()} | {
                right: right != "is_anonymous" for right in _ADMIN_RIGHTS} | {
                "can_be_edited": False}
        user = self.world.users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        if not chat.is_group:
            status = "member" if chat.id == user_id else "left"
            return {"status": status, "user": user.json()}
        if chat.admins and user_id == chat.admins[0]:
            return {"status": "creator", "user": user.json(), "is_anonymous": False}
        if user_id in chat.admins:
            rights = {right: right not in ("can_be_edited", "is_anonymous") for right in
                      _ADMIN_RIGHTS}
            return {"status": "administrator", "user": user.json()} | rights
        status = "member" if user_id in chat.members else "left"
        return {"status": status, "user": user.json()}

    def send_chat_action(self, params: Json) -> bool:
        self.messages.writable_chat(params)
        if params["action"] not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def set_my_commands(self, params: Json) -> bool:
        commands = params["commands"]
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            if not _COMMAND.match(command["command"]):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command["description"]) <= 256:
                raise bad_request("command description must be 1-256 characters")
        self.world.commands[_scope_key(params)] = list(commands)
        return True

    def get_my_commands(self, params: Json) -> list[Json]:
        return self.world.commands.get(_scope_key(params), [])

    def delete_my_commands(self, params: Json) -> bool:
        self.world.commands.pop(_scope_key(params), None)
        return True

    def answer_callback_query(self, params: Json) -> bool:
        record = self.world.callbacks.get(params["callback_query_id"])
        if record is None:
            raise bad_request("query is too old and response timeout expired or query ID is "
                              "invalid")
        if record.answered:
            raise bad_request("query is too old and response timeout expired or query ID is "
                              "invalid", expected=True)
        if len(params.get("text", "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        record.answered = True
        record.answer = {k: params[k] for k in ("text", "show_alert", "url") if k in params}
        self.world.touch(record.chat_id)
        return True

    def get_file(self, params: Json) -> Json:
        stored = self.world.files.get(params["file_id"])
        if stored is None:
            raise bad_request("wrong file_id or the file is temporarily unavailable")
        return stored.json() | {"file_path": f"{stored.kind}s/{stored.file_id}"}

    def user(self, user_id: int) -> UserRecord:
        user = self.world.users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        return user


def _scope_key(params: Json) -> str:
    scope = params.get("scope") or {"type": "default"}
    parts = [scope["type"], str(scope.get("chat_id", "")), str(scope.get("user_id", "")),
             params.get("language_code", "")]
    return "|".join(parts)
