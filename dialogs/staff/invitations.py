"""Invitations: ``/invite <deputy>`` (or ``/invite staff``) in the staff group makes a single-use,
expiring ``t.me/<bot>?start=<code>`` link; opening it redeems it (``/start <code>``, routed here
by ``dialogs.resident.onboarding.on_invite_payload``)."""

from __future__ import annotations

from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers
from dialogs.kernel.turn import Turn, escape
from dialogs.kernel.unit import Dispatcher
from dialogs.staff.roles import group_locale, staff_of
from dialogs.staff.scope import staff_command
from storage.invites import (
    DEFAULT_TTL,
    InviteError,
    create_deputy_invite,
    create_staff_invite,
    find_deputy,
    redeem_invite,
)
from storage.lifecycle import list_for_deputy
from storage.models import Deputy

__all__ = ["handlers", "on_invite", "redeem_start", "invite_link"]


def invite_link(turn: Turn, code: str) -> str:
    username = turn.config.bot_username or "<bot>"
    return f"https://t.me/{username}?start={code}"


async def on_invite(turn: Turn) -> None:
    """/invite deputy-name-id-or-code | /invite staff — staff only, in the staff group."""
    group_locale(turn)
    if await staff_of(turn) is None:
        turn.say("triage.not_staff")
        return
    parts = turn.message_text.split(maxsplit=1)
    ref = parts[1].strip() if len(parts) == 2 else ""
    if not ref:
        turn.say("triage.invite.usage")
        return
    days = DEFAULT_TTL.days
    try:
        if ref.lower() == "staff":
            invite = await create_staff_invite(turn.session, created_by=turn.user_id, now=turn.now)
            turn.say("triage.invite.staff_link", link=invite_link(turn, invite.code), days=days)
            return
        deputy = await find_deputy(turn.session, ref)
        invite = await create_deputy_invite(turn.session, str(deputy.id), created_by=turn.user_id,
                                            now=turn.now)
    except InviteError as err:
        turn.send(turn.t(err.key, **{k: escape(str(v)) for k, v in err.fields.items()}))
        return
    turn.say("triage.invite.deputy_link", name=escape(deputy.name),
             link=invite_link(turn, invite.code), days=days)


async def redeem_start(turn: Turn) -> None:
    """``/start <code>`` in a private chat: link the account, once."""
    parts = turn.message_text.split(maxsplit=1)
    code = parts[1].strip() if len(parts) == 2 else ""
    user = turn.update.effective_user
    try:
        role = await redeem_invite(turn.session, code, turn.user_id, now=turn.now,
                                   display_name=user.full_name if user is not None else "")
    except InviteError as err:
        turn.send(turn.t(err.key, **{k: escape(str(v)) for k, v in err.fields.items()}))
        return
    if isinstance(role, Deputy):
        waiting = len(await list_for_deputy(turn.session, role.id))
        turn.say("inbox.linked_deputy", name=escape(role.name), count=waiting)
    else:
        turn.say("inbox.linked_staff")


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    return [staff_command(services, "invite", on_invite, "invite")]
