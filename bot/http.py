"""python-telegram-bot's HTTP requests over aiohttp instead of httpx.

PTB lets the transport be swapped (`ApplicationBuilder.request`). aiohttp is already the service's
web framework; as a client it costs about half of httpx's CPU per Bot API call, and every update
the bot answers is one such call (measured in tests/benchmarks/updates.py).
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

__all__ = ["AiohttpRequest", "AnswerLost", "AnswerTimedOut"]


# aiohttp >= 3.10 tells a connect timeout from a read timeout; before, every timeout is uncertain
_CONNECT_TIMEOUT: Any = getattr(aiohttp, "ConnectionTimeoutError", ())


class AnswerLost(NetworkError):
    """The request went out but the connection broke before an answer: it may have taken
    effect (``outcome_unknown``; dialogs and the delivery worker bound their repeats by it)."""

    outcome_unknown = True


class AnswerTimedOut(TimedOut):
    """No answer in time after the request went out: it may have taken effect."""

    outcome_unknown = True


class AiohttpRequest(BaseRequest):
    def __init__(
        self,
        connection_pool_size: int = 16,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read, self._write, self._connect = read_timeout, write_timeout, connect_timeout
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        read = self._read if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout
        write = write_timeout
        if isinstance(write, DefaultValue):
            write = self._media_write if files else self._write
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=connect,
            sock_read=None if read is None else read + (write or 0.0),
        )
        data: Any = fields
        if files:
            form = aiohttp.FormData()
            for name, value in (fields or {}).items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in files.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            data = form
        try:
            async with self._session.request(method, url, data=data, timeout=timeout) as resp:
                return resp.status, await resp.read()
        except _CONNECT_TIMEOUT as err:  # never connected: nothing happened
            raise TimedOut from err
        except TimeoutError as err:
            raise AnswerTimedOut from err
        except aiohttp.ClientConnectorError as err:  # never connected: nothing happened
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err
        except aiohttp.ClientError as err:
            raise AnswerLost(f"aiohttp.{type(err).__name__}: {err}") from err
