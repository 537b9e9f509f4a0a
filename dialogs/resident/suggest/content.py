"""What the resident sends while writing a suggestion: text (joined), photos, voice messages,
a location, their contact. Each is checked against the draft's limits; a refusal says why and
leaves the draft as it was. Content is welcome in every writing step (a photo while writing the
text, a line of text while adding photos); where a button is expected, the answer points to it."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message

from dialogs.kernel.callbacks import encode
from dialogs.kernel.keyboards import inline, remove_keyboard
from dialogs.kernel.turn import Turn
from dialogs.resident.suggest.steps import (
    FLOW,
    advance,
    ask,
    ask_over_limit,
    load_draft,
    save,
)
from storage.drafts import MAX_PHOTOS, Draft, DraftError, typed_mobile

__all__ = ["on_message"]

WRITING = ("category", "text", "photos", "location")  # steps where content may be added
CONTACT_PHONE_CHARS = 32


async def on_message(turn: Turn) -> None:
    msg = turn.update.effective_message
    draft = load_draft(turn)
    step = turn.state.step if turn.state is not None else ""
    if msg is None or draft is None:
        turn.clear_state()
        turn.say("suggest.lost")
        return
    if step == "offer":
        from dialogs.resident.suggest.intake import on_more

        await on_more(turn, msg)
    elif step == "contact":
        await _on_contact_step(turn, draft, msg)
    elif step == "location" and _is(turn, msg, "suggest.button_no_location"):
        draft.location_done = True
        turn.say("suggest.location_skipped", remove_keyboard())
        await advance(turn, draft, "location")
    elif step not in WRITING:
        turn.say(f"suggest.use_buttons_{step}" if step in _BUTTON_STEPS else "suggest.use_buttons")
    else:
        await _add_content(turn, draft, msg, step)


_BUTTON_STEPS = ("recipient", "identity", "preview", "resume")


def _is(turn: Turn, msg: Message, label_key: str) -> bool:
    """Whether the message is the text of one of our reply-keyboard buttons."""
    return bool(msg.text) and (msg.text or "").strip() == turn.t(label_key)


async def _add_content(turn: Turn, draft: Draft, msg: Message, step: str) -> None:
    try:
        if msg.text is not None:
            await _add_text(turn, draft, msg.text, step)
        elif msg.photo:
            biggest = msg.photo[-1]
            count = draft.add_photo(biggest.file_id, biggest.file_unique_id)
            save(turn, draft, step, **_step_data(turn))
            turn.say("suggest.photo_added", _next_button(turn, step), count=count, limit=MAX_PHOTOS)
            if msg.caption:
                await _add_text(turn, draft, msg.caption, step)
        elif msg.voice is not None:
            draft.add_voice(msg.voice.file_id, msg.voice.file_unique_id)
            save(turn, draft, step, **_step_data(turn))
            turn.say("suggest.voice_added", _next_button(turn, step))
        elif msg.location is not None:
            draft.set_location(msg.location.latitude, msg.location.longitude)
            if step == "location":
                turn.say("suggest.location_added", remove_keyboard())
                await advance(turn, draft, "location")
                return
            save(turn, draft, step, **_step_data(turn))
            turn.say("suggest.location_added", _next_button(turn, step))
        else:
            turn.say("suggest.not_text", _next_button(turn, step))
    except DraftError as refused:
        turn.say(refused.key, _next_button(turn, step), **refused.fields)


async def _add_text(turn: Turn, draft: Draft, text: str, step: str) -> None:
    limit = turn.config.max_suggestion_chars
    replacing = step == "text" and bool(turn.data.get("replace_text"))
    parts = draft.parts
    if replacing:
        draft.parts = []
    try:
        total = draft.add_text(text, limit=limit)
    except DraftError:
        draft.parts = parts  # refused: the old text stays
        raise
    if draft.over_by(limit):  # kept whole; the resident shortens or splits it
        ask_over_limit(turn, draft)
        return
    if step == "category":  # they started writing before choosing: keep it, then ask again
        turn.say("suggest.text_kept_choose", total=total, limit=limit)
        await ask(turn, draft, "category")
        return
    save(turn, draft, step)  # the first new text replaced the old: later ones add to it
    key = "suggest.text_added" if step == "text" else "suggest.text_added_elsewhere"
    turn.say(key, _next_button(turn, step), total=total, limit=limit)


def _step_data(turn: Turn) -> dict[str, object]:
    return {"replace_text": True} if turn.data.get("replace_text") else {}


def _next_button(turn: Turn, step: str) -> InlineKeyboardMarkup | None:
    """The way on from this step (the location step has its own keyboard)."""
    if step == "text":
        return inline([[(turn.t("suggest.button_text_done"), encode(FLOW, "textdone"))]])
    if step == "photos":
        return inline([[(turn.t("suggest.button_photos_done"), encode(FLOW, "photosdone"))]])
    return None


async def _on_contact_step(turn: Turn, draft: Draft, msg: Message) -> None:
    contact = msg.contact
    if contact is None:
        if _is(turn, msg, "suggest.button_no_contact"):
            draft.share_identity, draft.contact_name, draft.contact_phone = False, None, None
            turn.say("suggest.contact_declined", remove_keyboard())
            await advance(turn, draft, "identity")
            return
        phone = typed_mobile(msg.text or "")
        if phone is None:
            turn.say("suggest.contact_use_button")
            return
        save(turn, draft, "contact", typed_phone=phone)  # taken only once confirmed
        turn.say("suggest.phone_typed_confirm", inline([
            [(turn.t("suggest.button_phone_yes"), encode(FLOW, "phone", "yes"))],
            [(turn.t("suggest.button_phone_no"), encode(FLOW, "phone", "no"))],
        ]), phone=spaced(phone))
        return
    if contact.user_id != turn.user_id:
        turn.say("suggest.contact_not_yours")
        return
    name = " ".join(p for p in (contact.first_name, contact.last_name) if p).strip()
    draft.share_identity = True
    draft.contact_name = name[:128] or None
    draft.contact_phone = contact.phone_number.strip()[:CONTACT_PHONE_CHARS]
    draft.contact_phone_typed = False
    turn.say("suggest.contact_thanks", remove_keyboard())
    await advance(turn, draft, "identity")


def spaced(phone: str) -> str:
    """13800138000 -> 138 0013 8000, easier to check by eye."""
    return f"{phone[:3]} {phone[3:7]} {phone[7:]}" if len(phone) == 11 else phone


async def on_typed_phone(turn: Turn) -> None:
    """「是这个号码」 / 「重新输入」 after a typed phone number (``sg:phone:yes|no``)."""
    draft = load_draft(turn) if turn.in_flow(FLOW, "contact") else None
    phone = turn.data.get("typed_phone")
    choice = turn.callback.arg(0) if turn.callback else ""
    if draft is None or not isinstance(phone, str) or choice not in ("yes", "no"):
        from dialogs.everyone import on_stale_button

        await on_stale_button(turn)
        return
    if choice == "no":
        save(turn, draft, "contact")
        turn.edit(turn.t("suggest.phone_typed_again"))
        return
    user = turn.update.effective_user
    name = " ".join(p for p in (user.first_name, user.last_name) if p).strip() if user else ""
    draft.share_identity = True
    draft.contact_name = name[:128] or None
    draft.contact_phone, draft.contact_phone_typed = phone, True
    turn.edit(turn.t("suggest.phone_typed_taken", phone=spaced(phone)))
    turn.say("suggest.contact_thanks", remove_keyboard())
    await advance(turn, draft, "identity")
