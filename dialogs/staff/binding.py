"""``/bind <district or town>`` in a group: the group becomes the staff group of that area.

Only administrators may bind (``JIAZHAN_ADMIN_IDS`` or administrators of the default staff group):
anyone can make a group and add the bot to it. ``/bind`` alone says what the group serves;
``/bind off`` gives its area back to the default group.
"""

from __future__ import annotations

from telegram.ext import CommandHandler, filters

from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers
from dialogs.kernel.turn import Turn, escape
from dialogs.kernel.unit import Dispatcher, wrap
from dialogs.staff.roles import group_locale, is_trusted_admin
from storage import audit
from storage.roles import Actor, staff_actor
from storage.staff_chats import BindError, bind_staff_chat, binding_of, unbind_staff_chat

__all__ = ["handlers", "on_bind"]


async def on_bind(turn: Turn) -> None:
    group_locale(turn)
    if not turn.user_id or not await is_trusted_admin(turn):
        turn.say("staff_chats.not_admin")
        return
    words = turn.message_text.split(maxsplit=1)
    area = words[1].strip() if len(words) == 2 else ""
    if not area:
        bound = await binding_of(turn.session, turn.chat_id)
        if bound is None:
            turn.say("staff_chats.not_bound")
            turn.say("staff_chats.bind_usage")
        else:
            turn.say("staff_chats.bound", name=escape(bound.name))
        return
    actor = await staff_actor(turn.session, turn.user_id, trusted_admin=True) or Actor.system()
    if area.lower() == "off":
        await unbind_staff_chat(turn.session, turn.chat_id)
        audit.record(turn.session, actor, "staff_chat.unbind", "chat", str(turn.chat_id), now=turn.now)
        turn.say("staff_chats.unbound")
        return
    try:
        bound = await bind_staff_chat(turn.session, turn.chat_id, area, by=turn.user_id, now=turn.now)
    except BindError as refused:
        turn.send(turn.t(refused.key, **{k: escape(str(v)) for k, v in refused.fields.items()}))
        return
    audit.record(turn.session, actor, "staff_chat.bind", "chat", str(turn.chat_id), now=turn.now)
    turn.say("staff_chats.bound", name=escape(bound.name))


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    return [CommandHandler("bind", wrap(services, on_bind, "bind"), filters=filters.ChatType.GROUPS)]
