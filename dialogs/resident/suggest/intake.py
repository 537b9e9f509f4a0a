"""Words written outside any dialog are kept: a resident who simply types (or pastes) a complaint,
or sends a photo or a voice message, is asked 「把这段话作为意见建议提交？」 and the suggestion dialog
starts with it already in the draft (category next, then the preview). A resident without a
station is asked where they live first; what they wrote waits in the draft meanwhile.

State while the question is open: ``sg/offer`` with the draft and ``loose`` — what the draft held
before (so 「不用了」 takes back exactly what was added, and nothing else). Callback data:
``sg:take`` and ``sg:notnow`` (handled in :mod:`.dialog`).
"""

from __future__ import annotations

from typing import Any

from telegram import Message

from dialogs.everyone import on_stale_button, on_unknown
from dialogs.kernel.callbacks import encode
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import Turn, escape
from dialogs.resident.address import ask_address
from dialogs.resident.suggest.steps import FLOW, ask, load_draft
from storage.drafts import Draft, DraftError, is_greeting

__all__ = ["on_loose_message", "on_more", "on_take", "on_not_now", "keep_loose",
           "offer_after_home", "offer_rest", "NO_STATION"]

NO_STATION = 0  # a draft's station before the resident has one (set when they confirm a home)
QUOTE_CHARS = 300


def _counts(draft: Draft | None) -> dict[str, Any]:
    if draft is None:
        return {"new": True, "parts": 0, "photos": 0, "voices": 0}
    return {"new": False, "parts": len(draft.parts), "photos": len(draft.photos),
            "voices": len(draft.voices)}


def _worth_keeping(msg: Message) -> bool:
    if msg.text is not None:
        return not is_greeting(msg.text)
    return bool(msg.photo) or msg.voice is not None


def keep_loose(turn: Turn, msg: Message) -> tuple[Draft, dict[str, Any]]:
    """Add the message to the resident's draft (a new one, quick, if there is none yet).
    Returns the draft and what it held before. Raises DraftError (nothing added)."""
    assert turn.resident is not None
    before = load_draft(turn)
    loose = turn.data.get("loose") if turn.in_flow(FLOW, "offer") else None
    loose = loose if isinstance(loose, dict) else _counts(before)
    draft = before or Draft(station_id=turn.resident.station_id or NO_STATION,
                            community_code=turn.resident.community_code, quick=True,
                            recipient_done=True, share_identity=False)
    if msg.text is not None:
        draft.add_text(msg.text)
    elif msg.photo:
        draft.add_photo(msg.photo[-1].file_id, msg.photo[-1].file_unique_id)
        if msg.caption:
            draft.add_text(msg.caption)
    elif msg.voice is not None:
        draft.add_voice(msg.voice.file_id, msg.voice.file_unique_id)
    return draft, loose


async def on_loose_message(turn: Turn) -> None:
    """The dispatcher's fallback: a message outside any dialog."""
    msg = turn.update.effective_message
    resident = turn.resident
    if (msg is None or resident is None or resident.forgotten_at is not None
            or not _worth_keeping(msg)):
        await on_unknown(turn)
        return
    try:
        draft, loose = keep_loose(turn, msg)
    except DraftError as refused:
        turn.say(refused.key, None, **refused.fields)
        return
    if resident.station_id is None:
        ask_address(turn, "suggest.kept_ask_address", draft=draft.to_json())
        return
    _offer(turn, draft, loose, msg)


def _offer(turn: Turn, draft: Draft, loose: dict[str, Any], msg: Message | None) -> None:
    turn.set_state(FLOW, "offer", {"draft": draft.to_json(), "loose": loose})
    limit = turn.config.max_suggestion_chars
    if msg is not None and msg.text is None:
        head = turn.t("suggest.offer_photo" if msg.photo else "suggest.offer_voice")
    else:
        text = draft.text
        quote = text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS] + "…"
        head = turn.t("suggest.offer_text", text=escape(quote))
    lines = [head]
    if not loose.get("new"):
        lines.append(turn.t("suggest.offer_joined"))
    if draft.over_by(limit):
        lines.append(turn.t("suggest.offer_over", length=len(draft.text), limit=limit,
                            over=draft.over_by(limit)))
    lines.append(turn.t("suggest.offer_next"))
    turn.send("\n".join(lines), _offer_buttons(turn))


def _offer_buttons(turn: Turn) -> Any:
    return inline([[(turn.t("suggest.button_take"), encode(FLOW, "take"))],
                   [(turn.t("suggest.button_not_now"), encode(FLOW, "notnow"))]])


async def on_more(turn: Turn, msg: Message) -> None:
    """Another message while the question is open: added too, the question stays."""
    if not _worth_keeping(msg):
        turn.say("suggest.offer_pending", _offer_buttons(turn))
        return
    try:
        draft, loose = keep_loose(turn, msg)
    except DraftError as refused:
        turn.say(refused.key, _offer_buttons(turn), **refused.fields)
        return
    turn.set_state(FLOW, "offer", {"draft": draft.to_json(), "loose": loose})
    turn.say("suggest.offer_more", _offer_buttons(turn), chars=len(draft.text),
             photos=len(draft.photos), voices=len(draft.voices))


async def on_take(turn: Turn) -> None:
    draft = load_draft(turn) if turn.in_flow(FLOW, "offer") else None
    resident = turn.resident
    if draft is None or resident is None or resident.station_id is None:
        await on_stale_button(turn)
        return
    if draft.station_id != resident.station_id:
        draft.station_id, draft.community_code = resident.station_id, resident.community_code
        draft.deputy_id = None
    message = turn.update.callback_query.message if turn.update.callback_query else None
    text = getattr(message, "text_html", None) if message is not None else None
    if text:
        turn.edit(f"{text}\n\n✓ {escape(turn.t('suggest.button_take'))}")
    await ask(turn, draft, draft.missing() or "preview")


async def on_not_now(turn: Turn) -> None:
    draft = load_draft(turn) if turn.in_flow(FLOW, "offer") else None
    loose = turn.data.get("loose")
    if draft is None or not isinstance(loose, dict):
        await on_stale_button(turn)
        return
    if loose.get("new"):
        turn.drop_kept()
        turn.clear_state()
    else:  # only what was added goes; the unfinished suggestion stays as it was
        draft.parts = draft.parts[:int(loose.get("parts") or 0)]
        draft.photos = draft.photos[:int(loose.get("photos") or 0)]
        draft.voices = draft.voices[:int(loose.get("voices") or 0)]
        turn.set_state("idle", "idle", {"draft": draft.to_json()})
    turn.edit(turn.t("suggest.not_taken"))


def offer_after_home(turn: Turn, draft: Draft) -> None:
    """Onboarding just found the resident's station: the words they wrote before come back."""
    assert turn.resident is not None and turn.resident.station_id is not None
    draft.station_id = turn.resident.station_id
    draft.community_code = turn.resident.community_code
    _offer(turn, draft, _counts(None), None)


def offer_rest(turn: Turn, sent: Draft) -> None:
    """After the first part of a split text was sent: the rest, as the next suggestion."""
    if not sent.rest:
        return
    draft = Draft(station_id=sent.station_id, community_code=sent.community_code,
                  category=sent.category, parts=[sent.rest], quick=True,
                  deputy_id=sent.deputy_id, recipient_done=True,
                  share_identity=sent.share_identity, contact_name=sent.contact_name,
                  contact_phone=sent.contact_phone, location_done=True,
                  contact_phone_typed=sent.contact_phone_typed)
    turn.set_state(FLOW, "offer", {"draft": draft.to_json(), "loose": _counts(None)})
    turn.say("suggest.offer_rest", _offer_buttons(turn), chars=len(sent.rest))
