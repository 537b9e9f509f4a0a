"""`BotApiEmulator`: an aiohttp server that speaks the Bot API as strictly as Telegram does."""

from __future__ import annotations

import inspect
import re
import time
from collections.abc import Callable, Collection
from typing import Any

from aiohttp import web

from .chats import ChatMethods
from .editing import EditMethods
from .errors import ApiError
from .limits import FloodControl, Limits
from .messages import MessageMethods
from .spec import SpecError, UploadedFile, load_spec
from .state import CallRecord, ChatRecord, Json, UserRecord, World
from .updates import UpdateFeed
from .users import ChatView, SimGroup, SimUser

_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_SENDING = re.compile(r"^(send(?!ChatAction)|forwardMessage|copyMessage)")
MAX_UPLOAD = 50 * 1024 * 1024
Handler = Callable[[Json, dict[str, UploadedFile]], Any]


class BotApiEmulator:
    """A strict, in-process Telegram Bot API for one bot. See `bot/emulator/__init__.py`."""

    def __init__(self, token: str = "123456:TEST", *, bot_username: str = "jiazhan_test_bot",
                 clock: Callable[[], float] = time.monotonic, strict: bool = True,
                 limits: Limits | None = None) -> None:
        self.token = token
        self.clock = clock
        self.strict = strict
        self.limits = limits or Limits()
        self.spec = load_spec()
        self.world = World(bot_username=bot_username)
        self.flood = FloodControl(self.limits, clock)
        self.feed = UpdateFeed(self.world, self.limits)
        messages = MessageMethods(self.world, self.flood, self.limits)
        self._handlers = _handlers(messages, EditMethods(messages), ChatMethods(messages),
                                   self.feed)
        self._faults: list[tuple[str, Collection[str] | None, int | None]] = []
        self._users: dict[int, SimUser] = {}
        self._groups: dict[int, SimGroup] = {}
        self._runner: web.AppRunner | None = None
        self.root = ""

    # -- what tests read ------------------------------------------------------------------

    @property
    def violations(self) -> list[str]:
        """Refusals caused by a bot bug (unknown field, bad markup, ...). Tests want []."""
        return self.world.violations

    @property
    def refusals(self) -> list[str]:
        """Refusals a correct bot meets too (429, 403 blocked, not modified, gone)."""
        return self.world.refusals

    @property
    def calls(self) -> list[CallRecord]:
        return self.world.calls

    def sent_times(self, chat_id: int | None = None) -> list[float]:
        """Clock times of the messages the bot sent successfully (to one chat, or all)."""
        return [c.at for c in self.world.calls if c.ok and _SENDING.match(c.method)
                and (chat_id is None or c.chat_id == chat_id)]

    async def drained(self, timeout: float = 5.0) -> bool:
        """Wait until the bot has confirmed every update; False on timeout."""
        world = self.world
        return await world.updates_changed.wait_until(
            lambda: not world.pending and not world.redeliver, timeout)

    # -- simulated people -----------------------------------------------------------------

    def _user_record(self, user_id: int, first_name: str | None = None,
                     language_code: str | None = "zh-hans", username: str | None = None,
                     started: bool = True) -> UserRecord:
        record = self.world.users.get(user_id)
        if record is None:
            record = UserRecord(user_id, first_name or f"User{user_id}", language_code,
                                username, started=started)
            self.world.users[user_id] = record
            self.world.chats[user_id] = ChatRecord(user_id, "private", first_name=record.first_name,
                                                   username=username)
        return record

    def user(self, user_id: int, first_name: str | None = None, language_code: str | None =
             "zh-hans", username: str | None = None, *, started: bool = True) -> SimUser:
        """A person in a private chat with the bot (the same object for the same id).

        `started=False`: the person never opened the bot, so the bot cannot write first (403).
        """
        if user_id <= 0:
            raise ValueError("a user id is positive")
        if user_id not in self._users:
            record = self._user_record(user_id, first_name, language_code, username, started)
            view = ChatView(self.world, self.world.chats[user_id])
            self._users[user_id] = SimUser(self.world, record, view)
        return self._users[user_id]

    def group(self, chat_id: int, title: str = "Group", *, is_forum: bool = False,
              admins: Collection[int] = ()) -> SimGroup:
        """A group with the bot in it; a forum or a `-100…` id makes it a supergroup."""
        if chat_id >= 0:
            raise ValueError("a group chat id is negative")
        if chat_id not in self._groups:
            kind = "supergroup" if is_forum or str(chat_id).startswith("-100") else "group"
            for admin in admins:
                self._user_record(admin)
            chat = ChatRecord(chat_id, kind, title=title, is_forum=is_forum,
                              admins=tuple(admins), members=set(admins))
            self.world.chats[chat_id] = chat
            self._groups[chat_id] = SimGroup(self.world, chat, self._user_record)
        return self._groups[chat_id]

    def duplicate_last_update(self, user_id: int) -> int:
        return self.user(user_id).duplicate_last_update()

    # -- faults ---------------------------------------------------------------------------

    def fail_next(self, n: int = 1, kind: str = "disconnect",
                  methods: Collection[str] | None = None, chat_id: int | None = None) -> None:
        """Make the next `n` Bot API calls (of `methods`; default every one but getUpdates) fail.

        kind: "disconnect" (connection dropped before anything happened), "500" (server error,
        nothing happened), "lost_response" (the call took effect, the connection then dropped).
        ``chat_id``: only calls for that chat.
        """
        if kind not in ("disconnect", "500", "lost_response"):
            raise ValueError(f"unknown fault kind {kind!r}")
        self._faults.extend([(kind, methods, chat_id)] * n)

    def _take_fault(self, method: str, raw: Json) -> str | None:
        for i, (kind, methods, chat_id) in enumerate(self._faults):
            if chat_id is not None and str(raw.get("chat_id")) != str(chat_id):
                continue
            if (method in methods) if methods is not None else method != "getUpdates":
                del self._faults[i]
                return kind
        return None

    # -- serving --------------------------------------------------------------------------

    def app(self) -> web.Application:
        from .control import add_control_routes

        app = web.Application(client_max_size=MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        add_control_routes(app, self)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve; returns the root URL (bot base_url = root + "/bot")."""
        self._runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        address = self._runner.addresses[0]
        self.root = f"http://{host}:{address[1]}"
        return self.root

    async def stop(self) -> None:
        await self.feed.close()
        self.world.wake_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        stored = self.world.files.get(file_id)
        if stored is None:
            return web.json_response({"ok": False, "error_code": 404,
                                      "description": "Not Found"}, status=404)
        return web.Response(body=stored.data, content_type=stored.mime_type or
                            "application/octet-stream")

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["method"]
        method = self.spec.method_name(name) or name
        raw: Json = {}
        try:
            raw, files = await _read_params(request)
        except ApiError as error:
            return self._refuse(method, raw, error)
        fault = self._take_fault(method, raw)
        if fault in ("disconnect", "500"):  # nothing happens; the client sees an error
            self._record(method, raw, 0 if fault == "disconnect" else 500, f"fault: {fault}")
            return _drop(request) if fault == "disconnect" else web.json_response(
                {"ok": False, "error_code": 500, "description": "Internal Server Error"},
                status=500)
        try:
            result = await self._call(request.match_info["token"], method, name, raw, files)
        except ApiError as error:
            return self._refuse(method, raw, error)
        self._record(method, raw, 200, None)
        if fault == "lost_response":
            return _drop(request)
        return web.json_response({"ok": True, "result": result})

    def _refuse(self, method: str, raw: Json, error: ApiError) -> web.Response:
        self._record(method, raw, error.status, error.description)
        (self.world.refusals if error.expected else self.world.violations).append(
            f"{method}: {error.description}")
        return web.json_response(error.body(), status=error.status)

    async def _call(self, token: str, method: str, name: str, raw: Json,
                    files: dict[str, UploadedFile]) -> Any:
        if token != self.token:
            if _TOKEN.match(token):
                raise ApiError(401, "Unauthorized")
            raise ApiError(404, "Not Found")
        if self.spec.method_name(name) is None:
            raise ApiError(404, "Not Found")
        try:
            params, unknown = self.spec.decode(method, raw, files)
        except SpecError as error:
            raise ApiError(400, error.description) from None
        if unknown:
            description = f"Bad Request: unknown parameter \"{unknown[0]}\" of method {method}"
            if self.strict:
                raise ApiError(400, description)
            self.world.violations.append(f"{method}: {description} (ignored, strict=False)")
        handler = self._handlers.get(method)
        if handler is None:
            if self.spec.returns(method) != ["Boolean"]:
                raise ApiError(400, f"Bad Request: method {method} is not emulated")
            return True
        result = handler(params, files)
        return await result if inspect.isawaitable(result) else result

    def _record(self, method: str, raw: Json, status: int, description: str | None) -> None:
        chat_id: Any = raw.get("chat_id")
        if isinstance(chat_id, str):
            chat_id = int(chat_id) if re.fullmatch(r"-?\d+", chat_id) else chat_id
        self.world.calls.append(CallRecord(self.clock(), method, chat_id, status, description))


def _drop(request: web.Request) -> web.StreamResponse:
    """Close the connection without an answer (the client sees a network error)."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=204)


async def _read_params(request: web.Request) -> tuple[Json, dict[str, UploadedFile]]:
    raw: Json = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.method != "POST" or not request.can_read_body:
        return raw, files
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON request body") from None
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: the JSON request body must be an object")
        raw.update(body)
        return raw, files
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            files[key] = UploadedFile(value.filename, value.content_type, value.file.read())
        else:
            raw[key] = value
    return raw, files


def _handlers(m: MessageMethods, e: EditMethods, c: ChatMethods, feed: UpdateFeed
              ) -> dict[str, Handler]:
    def plain(fn: Callable[[Json], Any]) -> Handler:
        return lambda params, files: fn(params)

    def media(kind: str) -> Handler:
        return lambda params, files: m.send_file(params, kind)

    table: dict[str, Handler] = {
        "getMe": plain(c.get_me), "getUpdates": plain(feed.get_updates),
        "setWebhook": plain(feed.set_webhook), "deleteWebhook": plain(feed.delete_webhook),
        "getWebhookInfo": plain(feed.webhook_info),
        "sendMessage": plain(m.send_message), "sendLocation": plain(m.send_location),
        "sendVenue": plain(m.send_venue), "sendContact": plain(m.send_contact),
        "sendMediaGroup": m.send_media_group,
        "forwardMessage": plain(m.forward_message), "copyMessage": plain(m.copy_message),
        "editMessageText": plain(e.edit_message_text),
        "editMessageCaption": plain(e.edit_message_caption),
        "editMessageReplyMarkup": plain(e.edit_message_reply_markup),
        "deleteMessage": plain(e.delete_message), "deleteMessages": plain(e.delete_messages),
        "answerCallbackQuery": plain(c.answer_callback_query),
        "sendChatAction": plain(c.send_chat_action), "getChat": plain(c.get_chat),
        "getChatAdministrators": plain(c.get_chat_administrators),
        "getChatMember": plain(c.get_chat_member),
        "getChatMemberCount": plain(c.get_chat_member_count),
        "setMyCommands": plain(c.set_my_commands), "getMyCommands": plain(c.get_my_commands),
        "deleteMyCommands": plain(c.delete_my_commands), "getFile": plain(c.get_file),
        "createForumTopic": plain(c.create_forum_topic),
    }
    for kind in ("photo", "document", "voice", "audio", "video", "animation", "sticker",
                 "video_note"):
        table["send" + "".join(p.title() for p in kind.split("_"))] = media(kind)
    return table
