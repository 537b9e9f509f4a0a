"""The control API under `/_emulator/`: simulated people and inspection, over HTTP (JSON).

    POST /_emulator/users      {"user_id", "first_name"?, "language_code"?, "username"?, "started"?}
    POST /_emulator/groups     {"chat_id", "title", "is_forum"?, "admins"?}
    POST /_emulator/act        {"user_id", "chat_id"?, "action", "args"?}  -> {"result", "mark"}
         actions: send, reply_to, send_photo, send_voice, send_sticker, send_location,
                  send_contact, press, press_data, block, unblock, duplicate_last_update
    GET  /_emulator/chats/{chat_id}/messages          -> {"messages", "sent_count", "version"}
    GET  /_emulator/chats/{chat_id}/wait?since=&n=&timeout=   new bot messages (408 if none)
    GET  /_emulator/chats/{chat_id}/changes?version=&timeout= -> after any change (edits too)
    GET  /_emulator/state      -> violations, refusals, pending updates, calls
    GET  /_emulator/calls?chat_id=
    POST /_emulator/faults     {"n", "kind", "methods"?, "chat_id"?}
    POST /_emulator/drained    {"timeout"?}
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .users import Actor, ChatView
from .views import ChatMessage

if TYPE_CHECKING:
    from .server import BotApiEmulator

ACTIONS = frozenset({
    "send", "reply_to", "send_photo", "send_voice", "send_sticker", "send_location",
    "send_contact", "press", "press_data", "block", "unblock", "duplicate_last_update",
})
_EMULATOR = web.AppKey["BotApiEmulator"]("emulator")


def add_control_routes(app: web.Application, emulator: BotApiEmulator) -> None:
    app[_EMULATOR] = emulator
    routes = [
        web.post("/_emulator/users", _create_user),
        web.post("/_emulator/groups", _create_group),
        web.post("/_emulator/act", _act),
        web.get("/_emulator/chats/{chat_id}/messages", _messages),
        web.get("/_emulator/chats/{chat_id}/wait", _wait),
        web.get("/_emulator/chats/{chat_id}/changes", _changes),
        web.get("/_emulator/state", _state),
        web.get("/_emulator/calls", _calls),
        web.post("/_emulator/faults", _faults),
        web.post("/_emulator/drained", _drained),
    ]
    app.add_routes(routes)


def _emulator(request: web.Request) -> BotApiEmulator:
    return request.app[_EMULATOR]


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json() if request.can_read_body else {}
    except ValueError:
        raise web.HTTPBadRequest(text="the body must be JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="the body must be a JSON object")
    return body


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def _create_user(request: web.Request) -> web.Response:
    body = await _body(request)
    try:
        user = _emulator(request).user(
            int(body["user_id"]), body.get("first_name"), body.get("language_code", "zh-hans"),
            body.get("username"), started=bool(body.get("started", True)))
    except (KeyError, ValueError, TypeError) as exc:
        return _error(400, f"bad user: {exc!r}")
    return web.json_response({"user": user.user.json()})


async def _create_group(request: web.Request) -> web.Response:
    body = await _body(request)
    try:
        group = _emulator(request).group(
            int(body["chat_id"]), str(body.get("title", "Group")),
            is_forum=bool(body.get("is_forum", False)),
            admins=[int(a) for a in body.get("admins", [])])
    except (KeyError, ValueError, TypeError) as exc:
        return _error(400, f"bad group: {exc!r}")
    return web.json_response({"chat": group.chat.json()})


def _actor(emulator: BotApiEmulator, user_id: int, chat_id: int | None) -> Actor:
    if chat_id is None or chat_id == user_id:
        return emulator.user(user_id)
    if chat_id not in emulator.world.chats or chat_id > 0:
        raise LookupError(f"no group {chat_id}")
    return emulator.group(chat_id).member(user_id)


async def _act(request: web.Request) -> web.Response:
    body = await _body(request)
    action, args = body.get("action"), body.get("args") or {}
    if action not in ACTIONS or not isinstance(args, dict):
        return _error(400, f"unknown action {action!r}; one of {sorted(ACTIONS)}")
    emulator = _emulator(request)
    try:
        user_id = int(body["user_id"])
        chat_id = None if body.get("chat_id") is None else int(body["chat_id"])
        actor = _actor(emulator, user_id, chat_id)
        method = getattr(actor, action, None)
        if method is None:
            return _error(400, f"{action} is only for a user in their private chat")
        result = method(**args)
        if hasattr(result, "__await__"):
            result = await result
    except (LookupError, TypeError, ValueError) as exc:
        return _error(400, str(exc))
    return web.json_response({"result": result, "mark": actor.view.mark})


def _view(request: web.Request) -> ChatView:
    emulator = _emulator(request)
    try:
        chat_id = int(request.match_info["chat_id"])
    except ValueError:
        raise web.HTTPBadRequest(text="chat_id must be an integer") from None
    if chat_id not in emulator.world.chats:
        raise web.HTTPNotFound(text=f"no chat {chat_id}")
    if chat_id > 0:
        return emulator.user(chat_id).view
    return emulator.group(chat_id)


def _snapshot(view: ChatView, since: int = 0) -> dict[str, Any]:
    world = view.world
    sent = world.bot_sent(view.chat_id)
    return {"messages": [ChatMessage.of(m).to_json() for m in sent[since:] if not m.deleted],
            "sent_count": len(sent), "version": world.chat_versions.get(view.chat_id, 0)}


def _number(request: web.Request, name: str, default: float) -> float:
    try:
        return float(request.query.get(name, default))
    except ValueError:
        raise web.HTTPBadRequest(text=f"{name} must be a number") from None


async def _messages(request: web.Request) -> web.Response:
    return web.json_response(_snapshot(_view(request)))


async def _wait(request: web.Request) -> web.Response:
    view = _view(request)
    since, n = int(_number(request, "since", 0)), int(_number(request, "n", 1))
    timeout = min(_number(request, "timeout", 5.0), 60.0)
    ok = await view.world.chat_signal(view.chat_id).wait_until(
        lambda: len(view.world.bot_messages.get(view.chat_id, [])) >= since + n, timeout)
    return web.json_response(_snapshot(view, since), status=200 if ok else 408)


async def _changes(request: web.Request) -> web.Response:
    view = _view(request)
    version = int(_number(request, "version", 0))
    timeout = min(_number(request, "timeout", 5.0), 60.0)
    world = view.world
    ok = await world.chat_signal(view.chat_id).wait_until(
        lambda: world.chat_versions.get(view.chat_id, 0) > version, timeout)
    return web.json_response(_snapshot(view), status=200 if ok else 408)


async def _state(request: web.Request) -> web.Response:
    emulator = _emulator(request)
    world = emulator.world
    return web.json_response({
        "violations": world.violations, "refusals": world.refusals,
        "pending_updates": len(world.pending), "calls": len(world.calls),
        "webhook": world.webhook.url, "root": emulator.root,
    })


async def _calls(request: web.Request) -> web.Response:
    calls = _emulator(request).calls
    chat = request.query.get("chat_id")
    return web.json_response([dataclasses.asdict(c) for c in calls
                              if chat is None or str(c.chat_id) == chat])


async def _faults(request: web.Request) -> web.Response:
    body = await _body(request)
    try:
        methods = body.get("methods")
        chat = body.get("chat_id")
        _emulator(request).fail_next(int(body.get("n", 1)), str(body.get("kind", "disconnect")),
                                     None if methods is None else set(methods),
                                     None if chat is None else int(chat))
    except (ValueError, TypeError) as exc:
        return _error(400, str(exc))
    return web.json_response({"ok": True})


async def _drained(request: web.Request) -> web.Response:
    body = await _body(request)
    ok = await _emulator(request).drained(min(float(body.get("timeout", 5.0)), 60.0))
    return web.json_response({"drained": ok}, status=200 if ok else 408)
