"""The Bot API table: which methods exist, their fields, and how a request's values are decoded.

A bot may send parameters as a query string, a URL-encoded or multipart form (PTB does this:
strings as they are, everything else JSON-encoded, files as multipart parts) or a JSON body.
`Spec.decode` turns any of these into typed values and refuses what Telegram would refuse.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

ARRAY = "Array of "


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


class SpecError(Exception):
    """A request that breaks the Bot API table: 400 with a Telegram-like description."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    types: tuple[str, ...]
    required: bool


class Spec:
    """The compact Bot API table committed as `bot_api_table.json`."""

    def __init__(self, table: dict[str, Any]) -> None:
        self.version: str = table["version"]
        self._methods: dict[str, dict[str, Field]] = {
            name: _fields(entry["fields"]) for name, entry in table["methods"].items()
        }
        self._returns: dict[str, list[str]] = {
            name: entry["returns"] for name, entry in table["methods"].items()
        }
        self._by_lower = {name.lower(): name for name in self._methods}
        self._types: dict[str, dict[str, Field]] = {
            name: _fields(entry["fields"]) for name, entry in table["types"].items()
        }
        self._subtypes: dict[str, list[str]] = {
            name: entry["subtypes"] for name, entry in table["types"].items() if "subtypes" in entry
        }

    def method_name(self, name: str) -> str | None:
        """The canonical name of a method (names are case-insensitive), or None if unknown."""
        return self._by_lower.get(name.lower())

    def returns(self, method: str) -> list[str]:
        return self._returns[method]

    def fields(self, method: str) -> dict[str, Field]:
        return self._methods[method]

    def decode(
        self,
        method: str,
        raw: dict[str, Any],
        files: dict[str, UploadedFile],
    ) -> tuple[dict[str, Any], list[str]]:
        """Typed parameters and the names of unknown fields; raises SpecError for bad ones."""
        fields = self._methods[method]
        params: dict[str, Any] = {}
        unknown = [name for name in raw if name not in fields]
        for name, field in fields.items():
            if name in raw:
                params[name] = self._decode_value(field, raw[name], files)
            elif name in files and "InputFile" in field.types:
                params[name] = files[name]
            elif field.required:
                raise SpecError(f"Bad Request: parameter \"{name}\" is required")
        return params, unknown

    def _decode_value(self, field: Field, value: Any, files: dict[str, UploadedFile]) -> Any:
        types = field.types
        if isinstance(value, str):
            if value.startswith("attach://") and "InputFile" in types:
                part = files.get(value[len("attach://") :])
                if part is None:
                    raise SpecError(f"Bad Request: file \"{value}\" not found in the request")
                return part
            if types == ("String",) or (types == ("InputFile", "String")):
                return value
            try:
                decoded = json.loads(value)
            except ValueError:
                decoded = _NOT_JSON
            if decoded is not _NOT_JSON and any(self._matches(decoded, t) for t in types):
                value = decoded
            elif "String" in types:
                return value
            elif decoded is _NOT_JSON:
                raise SpecError(f"Bad Request: can't parse \"{field.name}\" JSON object")
            else:
                value = decoded
        elif "String" in types and isinstance(value, int | float) and not isinstance(value, bool):
            if not any(self._matches(value, t) for t in types):
                value = str(value)
        errors = [self.check(value, t, field.name) for t in types]
        if all(errors):
            raise SpecError(next(e for e in errors if e))
        return value

    def _matches(self, value: Any, type_name: str) -> bool:
        return self.check(value, type_name, "") is None

    def check(self, value: Any, type_name: str, where: str) -> str | None:
        """None if `value` is a valid `type_name`, else a Telegram-like error description."""
        if type_name.startswith(ARRAY):
            if not isinstance(value, list):
                return f"Bad Request: field \"{where}\" must be an Array"
            inner = type_name[len(ARRAY) :]
            for i, item in enumerate(value):
                error = self.check(item, inner, f"{where}[{i}]")
                if error:
                    return error
            return None
        scalar = _SCALARS.get(type_name)
        if scalar is not None:
            return None if scalar(value) else (
                f"Bad Request: field \"{where}\" must be of type {type_name}"
            )
        if type_name in self._subtypes:
            errors = [self.check(value, sub, where) for sub in self._subtypes[type_name]]
            return None if not all(errors) else _best(errors)
        if type_name in self._types:
            return self._check_object(value, type_name, where)
        return None  # a type the table does not describe: accept anything

    def _check_object(self, value: Any, type_name: str, where: str) -> str | None:
        if not isinstance(value, dict):
            return f"Bad Request: field \"{where}\" must be an object of type {type_name}"
        fields = self._types[type_name]
        for key in value:
            if key not in fields:
                return f"Bad Request: unknown field \"{where}.{key}\" in {type_name}"
        for name, field in fields.items():
            if name not in value:
                if field.required:
                    return f"Bad Request: field \"{where}.{name}\" of {type_name} is required"
                continue
            errors = [self.check(value[name], t, f"{where}.{name}") for t in field.types]
            if all(errors):
                return _best(errors)
        return None


class _NotJson:
    pass


_NOT_JSON = _NotJson()

_SCALARS = {
    "String": lambda v: isinstance(v, str),
    "Integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "Float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "Boolean": lambda v: isinstance(v, bool),
    "True": lambda v: v is True,
    "InputFile": lambda v: isinstance(v, UploadedFile),
}


def _best(errors: list[str | None]) -> str:
    """The most specific error: the one that got deepest into the value."""
    present = [e for e in errors if e]
    return max(present, key=lambda e: (e.count(".") + e.count("["), "unknown field" in e))


def _fields(entries: dict[str, list[Any]]) -> dict[str, Field]:
    return {name: Field(name, tuple(types), bool(req)) for name, (types, req) in entries.items()}


@cache
def load_spec() -> Spec:
    """The committed table (read once)."""
    text = resources.files(__package__).joinpath("bot_api_table.json").read_text("utf-8")
    return Spec(json.loads(text))
