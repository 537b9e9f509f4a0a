"""Message catalogues (zh first, en second) and the small loader that formats them.

Catalogues are TOML files under ``locales/<lang>/``, one file per feature (``cli.toml``,
``routing.toml`` …), each a table named after the file; keys are dotted (``cli.missing_token``) and
fields are ``{placeholder}`` (``str.format`` syntax). Every user-facing string lives here.
"""

from __future__ import annotations

import string
import tomllib
from functools import cache
from pathlib import Path

__all__ = ["LOCALES", "DEFAULT_LOCALE", "catalogue", "t", "pick_locale", "placeholders"]

LOCALES = ("zh", "en")
DEFAULT_LOCALE = "zh"
_DIR = Path(__file__).resolve().parent


def _flatten(prefix: str, table: dict[str, object], out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


@cache
def catalogue(locale: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted((_DIR / locale).glob("*.toml")):
        with open(path, "rb") as fh:
            part: dict[str, str] = {}
            _flatten("", tomllib.load(fh), part)
        clash = set(part) & set(out)
        if clash:
            raise ValueError(f"{path.name}: keys defined twice: {sorted(clash)}")
        out.update(part)
    return out


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def pick_locale(language_code: str | None, default: str = DEFAULT_LOCALE) -> str:
    """Map a Telegram language_code (``zh-hans``, ``en-US`` …) to one of ours."""
    if not language_code:
        return default
    code = language_code.lower().split("-")[0]
    return code if code in LOCALES else default


def t(locale: str, key: str, /, **fields: object) -> str:
    """The text for ``key`` in ``locale`` with fields filled in (falls back to zh)."""
    cat = catalogue(locale if locale in LOCALES else DEFAULT_LOCALE)
    text = cat.get(key)
    if text is None:
        text = catalogue(DEFAULT_LOCALE)[key]  # KeyError: a missing key is a bug, tests catch it
    return text.format(**fields) if fields or "{" in text else text
