"""Who is staff, decided server-side on every update: the staff group's administrators (asked
from Telegram, cached briefly), ``JIAZHAN_ADMIN_IDS``, and people added with ``/staff add``.

``/staff`` lists staff; ``/staff add`` (replying to someone's message, or with their numeric id)
and ``/staff remove`` are for administrators only. Everything happens in the staff group.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram.error import TelegramError

from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers
from dialogs.kernel.turn import Turn, escape
from dialogs.kernel.unit import Dispatcher
from dialogs.staff.scope import in_staff_chat, staff_command
from storage import audit
from storage.roles import (
    Actor,
    active_staff,
    ensure_staff,
    remove_staff,
    staff_actor,
    staff_id_of,
)

__all__ = [
    "handlers",
    "in_staff_chat",
    "group_locale",
    "staff_of",
    "is_trusted_admin",
    "ADMIN_CACHE_TTL",
]

log = logging.getLogger(__name__)
ADMIN_CACHE_TTL = timedelta(minutes=2)
_CACHE_KEY = "staff_group_admins"


def group_locale(turn: Turn) -> None:
    """The staff group speaks the district's default language, whoever is talking."""
    turn.locale = turn.config.default_locale


async def _group_admins(turn: Turn) -> frozenset[int]:
    """Administrators of this staff group (a bound group's own, else the default group's)."""
    chat_id = turn.chat_id if turn.chat_id in turn.bound_chats else turn.config.staff_chat_id
    if chat_id is None:
        return frozenset()
    key = f"{_CACHE_KEY}:{chat_id}"
    cached = turn.services.cache.get(key)
    if isinstance(cached, tuple) and cached[0] > turn.now:
        return frozenset(cached[1])
    try:
        members = await turn.update.get_bot().get_chat_administrators(chat_id)
    except TelegramError as exc:
        log.warning("could not read the staff group's administrators: %s", type(exc).__name__)
        return frozenset(cached[1]) if isinstance(cached, tuple) else frozenset()
    admins = frozenset(m.user.id for m in members if not m.user.is_bot)
    turn.services.cache[key] = (turn.now + ADMIN_CACHE_TTL, admins)
    return admins


async def is_trusted_admin(turn: Turn) -> bool:
    """An administrator of the staff group, or listed in JIAZHAN_ADMIN_IDS."""
    user_id = turn.user_id
    if not user_id:
        return False
    return user_id in turn.config.admin_ids or user_id in await _group_admins(turn)


async def staff_of(turn: Turn) -> Actor | None:
    """The staff actor behind this update, or None. Only in the staff group: a staff member in
    their private chat is a resident there."""
    if not in_staff_chat(turn) or not turn.user_id:
        return None
    user = turn.update.effective_user
    name = user.full_name if user is not None else ""
    trusted = await is_trusted_admin(turn)
    return await staff_actor(turn.session, turn.user_id, trusted_admin=trusted, display_name=name)


# ---- /staff ------------------------------------------------------------------------------------
def _target(turn: Turn, args: list[str]) -> tuple[int, str] | None:
    """Whom /staff add|remove is about: the author of the replied message, or a numeric id."""
    message = turn.update.effective_message
    replied = message.reply_to_message if message is not None else None
    if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        return replied.from_user.id, replied.from_user.full_name
    if len(args) >= 2 and args[1].isdigit() and len(args[1]) <= 15:
        return int(args[1]), ""
    return None


async def _list_staff(turn: Turn) -> None:
    rows = await active_staff(turn.session)
    lines = "\n".join(
        turn.t("triage.staff.line", name=escape(s.display_name) or "—", id=s.telegram_user_id)
        for s in rows
    ) or turn.t("triage.staff.none")
    turn.say("triage.staff.list", lines=lines)


async def on_staff(turn: Turn) -> None:
    group_locale(turn)
    actor = await staff_of(turn)
    if actor is None:
        turn.say("triage.not_staff")
        return
    args = turn.message_text.split()[1:]
    if not args:
        await _list_staff(turn)
        return
    if args[0] not in ("add", "remove") or (target := _target(turn, args)) is None:
        turn.say("triage.staff.usage")
        return
    if not await is_trusted_admin(turn):
        turn.say("triage.staff.admins_only")
        return
    user_id, name = target
    if args[0] == "add":
        staff = await ensure_staff(turn.session, user_id, display_name=name, added_by=turn.user_id)
        audit.record(turn.session, actor, "staff.add", "staff", staff.id, now=turn.now)
        turn.say("triage.staff.added", name=escape(name) or str(user_id))
        return
    staff_id = await staff_id_of(turn.session, user_id)
    if staff_id is not None and await remove_staff(turn.session, user_id):
        audit.record(turn.session, actor, "staff.remove", "staff", staff_id, now=turn.now)
        turn.say("triage.staff.removed", name=escape(name) or str(user_id))
    else:
        turn.say("triage.staff.not_found")


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    return [staff_command(services, "staff", on_staff, "staff")]
