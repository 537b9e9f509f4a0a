"""No bot token and no personal data in any log record, at every level (DEBUG included).

Installed once at start-up as the logging *record factory*, so it applies to every record from
every logger — ours, python-telegram-bot, aiohttp, httpx/httpcore, aiosqlite, SQLAlchemy — and
whatever handler later writes it (a file, the console, pytest's capture):

- the bot token is replaced by ``<token>`` wherever it appears: in the message, its arguments and
  a formatted traceback (request URLs are ``…/bot<token>/method``);
- records from other libraries keep only harmless arguments: numbers, and short identifiers such
  as a Bot API method name. Everything else — PTB's DEBUG dump of every request's parameters and
  every response (message texts, phones, user ids), aiosqlite's DEBUG dump of SQL parameters, a
  webhook body — is shown as ``<…>``. Our own loggers already log only types and places.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable
from typing import Any

__all__ = ["install_log_privacy", "redact", "OWN_LOGGERS"]

# Loggers of this project: they never log personal data (house rule), only the token is redacted.
OWN_LOGGERS = ("jiazhan", "bot", "dialogs", "storage", "locales")
_URL_TOKEN = re.compile(r"/bot[^/\s'\"]+")  # …/bot123456:ABC…/sendMessage, …/file/bot…/path
_TOKEN_SHAPE = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}")  # a token outside a URL
_HARMLESS = re.compile(r"[A-Za-z_][\w.]{0,47}")
HIDDEN = "<…>"

_tokens: list[str] = []
_base_factory: Callable[..., logging.LogRecord] | None = None


def redact(text: str) -> str:
    """``text`` without any bot token."""
    for token in _tokens:
        text = text.replace(token, "<token>")
    text = _URL_TOKEN.sub("/bot<token>", text)
    return _TOKEN_SHAPE.sub("<token>", text)


def _own(name: str) -> bool:
    return name.split(".", 1)[0] in OWN_LOGGERS


def _harmless(arg: object) -> object:
    if arg is None or isinstance(arg, bool | int | float):
        return arg
    if isinstance(arg, str) and _HARMLESS.fullmatch(arg):
        return arg
    return HIDDEN


def _clean(record: logging.LogRecord) -> None:
    own = _own(record.name)
    args = record.args
    if args and not own:
        if isinstance(args, dict):
            record.args = {key: _harmless(value) for key, value in args.items()}
        else:
            record.args = tuple(_harmless(a) for a in args)
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a malformed call: keep only the template
        message = str(record.msg)
    record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[0] is not None:
        formatted = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_text, record.exc_info = redact(formatted), None
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def install_log_privacy(token: str | None = None) -> None:
    """Redact ``token`` (and anything shaped like one) from every record from now on."""
    global _base_factory
    if token and token not in _tokens:
        _tokens.append(token)
    if _base_factory is not None:
        return
    base = logging.getLogRecordFactory()
    _base_factory = base

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        try:
            _clean(record)
        except Exception:  # noqa: BLE001 - logging must never raise; hide rather than leak
            record.msg, record.args, record.exc_info, record.exc_text = HIDDEN, None, None, None
        return record

    logging.setLogRecordFactory(factory)
