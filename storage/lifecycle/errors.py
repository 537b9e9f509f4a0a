"""The one error every refused lifecycle operation raises, renderable in the user's language."""

from __future__ import annotations

from locales import t

__all__ = ["LifecycleError"]

# Fields holding a code that has its own catalogue entry: rendered as the localised name.
_LOCALISED_FIELDS = {
    "status": "lifecycle.status",
    "action": "lifecycle.action",
    "level": "lifecycle.level",
    "satisfaction": "lifecycle.satisfaction",
    "priority": "lifecycle.priority",
}


class LifecycleError(Exception):
    """A transition or operation was refused; nothing was changed.

    ``key`` is a catalogue key (``lifecycle.error.*``) and ``fields`` its placeholders. Codes in
    ``status``/``action``/``level``/``satisfaction``/``priority`` fields are kept raw (machine
    readable); :meth:`render` replaces them with their names in the requested language.
    """

    def __init__(self, key: str, **fields: object) -> None:
        super().__init__(key)
        self.key = key if key.startswith("lifecycle.") else f"lifecycle.error.{key}"
        self.fields: dict[str, object] = fields

    def render(self, locale: str) -> str:
        shown = {
            name: t(locale, f"{_LOCALISED_FIELDS[name]}.{value}")
            if name in _LOCALISED_FIELDS
            else value
            for name, value in self.fields.items()
        }
        return t(locale, self.key, **shown)

    def __repr__(self) -> str:
        return f"LifecycleError({self.key!r}, {sorted(self.fields)!r})"
