"""/templates in the staff group: saved answers with placeholders, used by replying ``/tpl name``
to a card.

``/templates`` lists them; ``/templates add name text`` saves (or replaces) one;
``/templates del name`` removes one. Placeholders: {ticket} {station} {category} {date}.
"""

from __future__ import annotations

from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers
from dialogs.kernel.turn import Turn, escape
from dialogs.kernel.unit import Dispatcher
from dialogs.staff.roles import group_locale, staff_of
from dialogs.staff.scope import staff_command
from storage.answer_templates import (
    PLACEHOLDERS,
    TemplateError,
    delete_template,
    list_templates,
    save_template,
)

__all__ = ["handlers", "on_templates"]

PREVIEW_CHARS = 80


async def _list(turn: Turn) -> None:
    templates = await list_templates(turn.session)
    if not templates:
        turn.say("triage.tpl_empty", placeholders=_placeholders())
        return
    lines = "\n".join(
        turn.t("triage.tpl_line", name=escape(tpl.name), preview=escape(_preview(tpl.text)))
        for tpl in templates
    )
    turn.say("triage.tpl_list", lines=lines, placeholders=_placeholders())


def _preview(text: str) -> str:
    return text[:PREVIEW_CHARS] + ("…" if len(text) > PREVIEW_CHARS else "")


def _placeholders() -> str:
    return " ".join("{" + name + "}" for name in PLACEHOLDERS)


async def on_templates(turn: Turn) -> None:
    group_locale(turn)
    actor = await staff_of(turn)
    if actor is None:
        turn.say("triage.not_staff")
        return
    parts = turn.message_text.split(maxsplit=3)
    if len(parts) == 1:
        await _list(turn)
        return
    verb = parts[1].lower()
    if verb == "add" and len(parts) == 4:
        try:
            await save_template(turn.session, actor, parts[2], parts[3])
        except TemplateError as err:
            turn.send(turn.t(err.key, **err.fields))
            return
        turn.say("triage.tpl_saved", name=escape(parts[2]))
    elif verb == "del" and len(parts) == 3:
        deleted = await delete_template(turn.session, actor, parts[2])
        turn.say("triage.tpl_deleted" if deleted else "triage.tpl_missing", name=escape(parts[2]))
    else:
        turn.say("triage.tpl_usage", placeholders=_placeholders())


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    return [staff_command(services, "templates", on_templates, "templates")]
