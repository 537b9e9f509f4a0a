"""Asking a resident where they live: the prompt (with a "share my location" button) and the
dialog step it leaves, ``onboarding/address``. Onboarding asks it, and so does a suggestion
written before the resident has a station; what other dialogs keep in the state (a draft) is
carried through."""

from __future__ import annotations

from telegram import KeyboardButton

from dialogs.kernel.keyboards import reply_keyboard
from dialogs.kernel.turn import Turn

__all__ = ["FLOW", "CARRIED", "carried", "ask_address"]

FLOW = "onboarding"  # the dialog state's flow while we wait for an address
CARRIED = ("draft",)


def carried(turn: Turn) -> dict[str, object]:
    """What other dialogs keep in the state and must survive a change of address."""
    data = turn.data
    return {key: data[key] for key in CARRIED if key in data}


def ask_address(turn: Turn, key: str = "onboarding.ask_address", *,
                draft: dict[str, object] | None = None, **fields: object) -> None:
    """Wait for an address; ``draft`` is a suggestion draft made in this very turn (else the
    one already in the state is carried)."""
    kept = carried(turn) if draft is None else {"draft": draft}
    turn.set_state(FLOW, "address", kept)
    share = KeyboardButton(turn.t("onboarding.share_location"), request_location=True)
    turn.say(key, reply_keyboard([[share]]), **fields)
