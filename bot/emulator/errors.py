"""A Bot API refusal: the HTTP status, Telegram's description, and whether it is expected.

*Expected* refusals (429 flood, 403 blocked, "message is not modified", a message that is gone)
are what the real server answers to a correct bot too; the bot must cope, so the emulator counts
them in `refusals`. Every other refusal is a bot bug and goes to `violations`.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, description: str, *, expected: bool = False,
                 retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.expected = expected
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.status,
                                "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(description: str, *, expected: bool = False) -> ApiError:
    return ApiError(400, f"Bad Request: {description}", expected=expected)


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", expected=True,
                    retry_after=retry_after)
