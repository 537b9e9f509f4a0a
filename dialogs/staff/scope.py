"""Staff groups and their areas, for every staff command and button.

A *staff group* is the default one (``JIAZHAN_STAFF_CHAT_ID``) or any group bound to a district
or town with ``/bind`` (``storage.staff_chats``). Bindings change while the service runs (and in
another process sharing the database), so no PTB filter fixes the set at start: staff handlers
are registered for all groups (:data:`STAFF_GROUPS`) and :func:`staff_gate` drops, silently, an
update from a group that is not a staff group now (``Turn.load`` reads the bound groups from the
database for every group update). :func:`staff_area_of` says what the group covers —
``storage.staff_chats.StaffArea``: the whole service area for the default group, a district
or a town for a bound one — and ``storage.staff_chats.in_area`` / ``area_stations`` /
``station_in_area`` scope queries by it.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram.ext import CommandHandler, filters

from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handler
from dialogs.kernel.turn import Turn
from dialogs.kernel.unit import TurnHandler, wrap
from storage.staff_chats import StaffArea, staff_area

__all__ = ["STAFF_GROUPS", "in_staff_chat", "staff_area_of", "staff_gate", "staff_command"]

# Where staff handlers listen: every group; :func:`staff_gate` keeps only staff groups.
STAFF_GROUPS = filters.ChatType.GROUPS


def in_staff_chat(turn: Turn) -> bool:
    """Whether this update happened in the configured staff group or one bound to an area."""
    chat = turn.update.effective_chat
    if chat is None:
        return False
    return chat.id == turn.config.staff_chat_id or chat.id in turn.bound_chats


async def staff_area_of(turn: Turn) -> StaffArea | None:
    """The area of the staff group this update came from; None outside a staff group."""
    if not in_staff_chat(turn):
        return None
    return await staff_area(turn.session, turn.chat_id, turn.config.staff_chat_id)


def staff_gate(fn: TurnHandler) -> TurnHandler:
    """``fn`` only in a staff group (the default one or a bound one); elsewhere nothing at all
    (the bot is silent in other groups it is in)."""

    async def gated(turn: Turn) -> None:
        if in_staff_chat(turn):
            await fn(turn)

    return gated


def staff_command(
    services: Services, command: str | Sequence[str], fn: TurnHandler, name: str
) -> Handler:
    """A command handler for staff groups (see :func:`staff_gate`)."""
    commands = [command] if isinstance(command, str) else list(command)
    return CommandHandler(commands, wrap(services, staff_gate(fn), name), filters=STAFF_GROUPS)
