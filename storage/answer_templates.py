"""Saved staff answers (/templates) with a few ``{placeholders}`` filled per ticket.

A template's text is written by staff; only the placeholders in :data:`PLACEHOLDERS` are allowed
and they are checked when the template is saved, so filling one can never fail or leak anything
but those fields.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from . import audit
from .models import AnswerTemplate
from .roles import Actor

__all__ = [
    "PLACEHOLDERS",
    "TemplateError",
    "list_templates",
    "get_template",
    "save_template",
    "delete_template",
    "fill_template",
    "MAX_TEMPLATE_TEXT",
]

PLACEHOLDERS = ("ticket", "station", "category", "date")
MAX_TEMPLATE_TEXT = 3000
_NAME = re.compile(r"^[\w\-]{1,32}$")


class TemplateError(Exception):
    """A template could not be saved or used; ``key`` is a catalogue key (``triage.tpl_*``)."""

    def __init__(self, key: str, **fields: object) -> None:
        super().__init__(key)
        self.key = f"triage.tpl_error.{key}"
        self.fields = fields


def _placeholders(text: str) -> list[str]:
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise TemplateError("braces") from None
    names = []
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if spec or conversion or name not in PLACEHOLDERS:
            raise TemplateError("unknown_placeholder", name=(name or "")[:32])
        names.append(name)
    return names


async def list_templates(session: AsyncSession) -> Sequence[AnswerTemplate]:
    return (await session.scalars(select(AnswerTemplate).order_by(AnswerTemplate.name))).all()


async def get_template(session: AsyncSession, name: str) -> AnswerTemplate | None:
    return await session.scalar(select(AnswerTemplate).where(AnswerTemplate.name == name.strip()))


async def save_template(
    session: AsyncSession, actor: Actor, name: str, text: str
) -> AnswerTemplate:
    """Create or replace the template ``name``."""
    cleaned_name = name.strip()
    if not _NAME.match(cleaned_name):
        raise TemplateError("bad_name")
    body = text.strip()
    if not body:
        raise TemplateError("empty")
    if len(body) > MAX_TEMPLATE_TEXT:
        raise TemplateError("too_long", limit=MAX_TEMPLATE_TEXT)
    _placeholders(body)
    template = await get_template(session, cleaned_name)
    if template is None:
        template = AnswerTemplate(name=cleaned_name, text=body)
        session.add(template)
    else:
        template.text = body
    await session.flush()
    audit.record(session, actor, "template.save", "template", template.id,
                 chars=len(body))
    return template


async def delete_template(session: AsyncSession, actor: Actor, name: str) -> bool:
    template = await get_template(session, name)
    if template is None:
        return False
    audit.record(session, actor, "template.delete", "template", template.id)
    await session.delete(template)
    await session.flush()
    return True


def fill_template(text: str, fields: Mapping[str, str]) -> str:
    """The template with its placeholders replaced (missing fields become empty)."""
    names = _placeholders(text)
    return text.format_map({name: fields.get(name, "") for name in names})
