"""`EmulatorClient`: drive an emulator running in another process through `/_emulator/`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp

from .views import ChatMessage


class EmulatorError(RuntimeError):
    """The control API refused a request (bad action, unknown button, timeout...)."""


class EmulatorClient:
    """An aiohttp client for the control API; use as `async with EmulatorClient(root) as c`."""

    def __init__(self, root_url: str) -> None:
        self.root = root_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> EmulatorClient:
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def request(self, method: str, path: str, *, json: Any = None,
                      params: dict[str, Any] | None = None, ok: tuple[int, ...] = (200,)
                      ) -> tuple[int, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        query = {k: str(v) for k, v in (params or {}).items()}
        async with self._session.request(method, f"{self.root}/_emulator{path}", json=json,
                                         params=query) as response:
            body = await response.json(content_type=None)
            if response.status not in ok:
                raise EmulatorError(f"{path}: {response.status} {body}")
            return response.status, body

    async def user(self, user_id: int, first_name: str | None = None,
                   language_code: str | None = "zh-hans", username: str | None = None, *,
                   started: bool = True) -> RemoteActor:
        await self.request("POST", "/users", json={
            "user_id": user_id, "first_name": first_name, "language_code": language_code,
            "username": username, "started": started})
        return RemoteActor(self, user_id, user_id)

    async def group(self, chat_id: int, title: str = "Group", *, is_forum: bool = False,
                    admins: tuple[int, ...] = ()) -> RemoteGroup:
        await self.request("POST", "/groups", json={
            "chat_id": chat_id, "title": title, "is_forum": is_forum, "admins": list(admins)})
        return RemoteGroup(self, chat_id)

    async def state(self) -> dict[str, Any]:
        return (await self.request("GET", "/state"))[1]

    async def violations(self) -> list[str]:
        return list((await self.state())["violations"])

    async def calls(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        params = {} if chat_id is None else {"chat_id": chat_id}
        return (await self.request("GET", "/calls", params=params))[1]

    async def fail_next(self, n: int = 1, kind: str = "disconnect",
                        methods: list[str] | None = None, chat_id: int | None = None) -> None:
        await self.request("POST", "/faults", json={"n": n, "kind": kind, "methods": methods,
                                                    "chat_id": chat_id})

    async def drained(self, timeout: float = 5.0) -> bool:
        status, _ = await self.request("POST", "/drained", json={"timeout": timeout},
                                       ok=(200, 408))
        return status == 200


class RemoteChat:
    """Reading a chat over HTTP; `mark` follows this client's last action in the chat."""

    def __init__(self, client: EmulatorClient, chat_id: int) -> None:
        self.client = client
        self.chat_id = chat_id
        self.mark = 0

    async def messages(self, thread_id: int | None = None) -> list[ChatMessage]:
        _, body = await self.client.request("GET", f"/chats/{self.chat_id}/messages")
        shown = [ChatMessage.from_json(m) for m in body["messages"]]
        return [m for m in shown if thread_id is None or m.thread_id == thread_id]

    async def last(self) -> ChatMessage:
        shown = await self.messages()
        if not shown:
            raise LookupError("the bot has sent nothing to this chat")
        return shown[-1]

    async def wait_for(self, n_new: int = 1, timeout: float = 5.0) -> list[ChatMessage]:
        status, body = await self.client.request(
            "GET", f"/chats/{self.chat_id}/wait",
            params={"since": self.mark, "n": n_new, "timeout": timeout}, ok=(200, 408))
        if status == 408:
            raise TimeoutError(f"waited {timeout}s for {n_new} new bot message(s)")
        self.mark = body["sent_count"]
        return [ChatMessage.from_json(m) for m in body["messages"]]

    async def wait_until(self, predicate: Callable[[list[ChatMessage]], bool],
                         timeout: float = 5.0) -> list[ChatMessage]:
        _, body = await self.client.request("GET", f"/chats/{self.chat_id}/messages")
        loop_budget = timeout
        while True:
            shown = [ChatMessage.from_json(m) for m in body["messages"]]
            if predicate(shown):
                self.mark = body["sent_count"]
                return shown
            if loop_budget <= 0:
                raise TimeoutError(f"condition not met within {timeout}s")
            step = min(loop_budget, 1.0)
            loop_budget -= step
            _, body = await self.client.request(
                "GET", f"/chats/{self.chat_id}/changes",
                params={"version": body["version"], "timeout": step}, ok=(200, 408))


class RemoteActor(RemoteChat):
    """A simulated person acting in one chat of a remote emulator (same verbs as SimUser)."""

    def __init__(self, client: EmulatorClient, user_id: int, chat_id: int) -> None:
        super().__init__(client, chat_id)
        self.user_id = user_id

    async def _act(self, action: str, **args: Any) -> Any:
        _, body = await self.client.request("POST", "/act", json={
            "user_id": self.user_id, "chat_id": self.chat_id, "action": action, "args": args})
        self.mark = body["mark"]
        return body["result"]

    async def send(self, text: str, *, thread_id: int | None = None,
                   reply_to: int | None = None) -> int:
        return int(await self._act("send", text=text, thread_id=thread_id, reply_to=reply_to))

    async def reply_to(self, message_id: int, text: str) -> int:
        return int(await self._act("reply_to", message_id=message_id, text=text))

    async def send_photo(self, caption: str | None = None) -> int:
        return int(await self._act("send_photo", caption=caption))

    async def send_voice(self, duration: int = 3) -> int:
        return int(await self._act("send_voice", duration=duration))

    async def send_sticker(self, emoji: str = "👍") -> int:
        return int(await self._act("send_sticker", emoji=emoji))

    async def send_location(self, latitude: float, longitude: float) -> int:
        return int(await self._act("send_location", latitude=latitude, longitude=longitude))

    async def send_contact(self, phone: str = "+8613800138000") -> int:
        return int(await self._act("send_contact", phone=phone))

    async def press(self, label: str) -> int:
        return int(await self._act("press", label=label))

    async def press_data(self, data: str, message_id: int) -> int:
        return int(await self._act("press_data", data=data, message_id=message_id))

    async def block(self) -> None:
        await self._act("block")

    async def unblock(self) -> None:
        await self._act("unblock")

    async def duplicate_last_update(self) -> int:
        return int(await self._act("duplicate_last_update"))


class RemoteGroup(RemoteChat):
    def member(self, user_id: int) -> RemoteActor:
        actor = RemoteActor(self.client, user_id, self.chat_id)
        actor.mark = self.mark
        return actor
