"""The suggestion dialog's steps: where the draft is kept, what each step asks, and which step
comes next. Handlers in :mod:`dialogs.resident.suggest.dialog` (buttons) and :mod:`dialogs.resident.suggest.content`
(messages) change the draft and call :func:`advance` or :func:`ask`."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, KeyboardButton

from dialogs.kernel.callbacks import SUGGEST, encode
from dialogs.kernel.keyboards import inline, reply_keyboard
from dialogs.kernel.turn import Turn, escape
from dialogs.ticket_text import category_name
from storage.categories import get_category
from storage.deputies import get_deputy, station_deputies
from storage.drafts import MAX_PHOTOS, Draft, list_categories
from storage.models import Deputy

__all__ = [
    "FLOW",
    "STEPS",
    "load_draft",
    "save",
    "ask",
    "advance",
    "show_preview",
    "preview_text",
    "deputy_label",
    "ask_over_limit",
]

FLOW = SUGGEST
STEPS = ("category", "text", "photos", "location", "recipient", "identity", "preview")
PREVIEW_TEXT_CHARS = 3000  # the preview must fit one message (4096) with its frame


def load_draft(turn: Turn) -> Draft | None:
    """The resident's draft, whether or not they are in the suggestion dialog right now."""
    return Draft.from_json(turn.data.get("draft"))


def save(turn: Turn, draft: Draft, step: str, **extra: object) -> None:
    """Stay in (or enter) the dialog at ``step`` with the draft; ``extra`` is step data."""
    draft.step = step
    if step == "preview":
        draft.editing = False
    turn.set_state(FLOW, step, {"draft": draft.to_json(), **extra})


def deputy_label(turn: Turn, deputy: Deputy) -> str:
    return turn.t("suggest.deputy_button", name=deputy.name,
                  level=turn.t(f"cards.level.{deputy.level.value}"))


async def advance(turn: Turn, draft: Draft, after: str) -> None:
    """Go on after ``after`` is done: back to the preview when editing, else the next step
    (a required one still missing comes first)."""
    missing = draft.missing()
    if missing is not None and STEPS.index(missing) <= STEPS.index(after):
        await ask(turn, draft, missing)
        return
    if draft.editing or draft.quick or after == "identity":
        await ask(turn, draft, missing or "preview")
        return
    await ask(turn, draft, STEPS[STEPS.index(after) + 1])


async def ask(turn: Turn, draft: Draft, step: str) -> None:
    """Show the prompt of ``step`` and wait there."""
    if step == "preview" and draft.missing() is not None:
        step = draft.missing() or "preview"
    if step not in STEPS and step != "contact":
        step = draft.missing() or "preview"
    if step == "preview" and draft.over_by(turn.config.max_suggestion_chars):
        step = "text"  # shortened or split before it can be sent
    await _PROMPTS[step](turn, draft)


async def _ask_category(turn: Turn, draft: Draft) -> None:
    categories = await list_categories(turn.session)
    buttons = [(category_name(c, turn.locale), encode(FLOW, "cat", c.code)) for c in categories]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    save(turn, draft, "category")
    turn.say("suggest.ask_category", inline(rows))


async def _ask_text(turn: Turn, draft: Draft) -> None:
    limit = turn.config.max_suggestion_chars
    if draft.over_by(limit):
        ask_over_limit(turn, draft)
        return
    save(turn, draft, "text", replace_text=draft.editing and bool(draft.parts))
    if draft.editing and draft.parts:
        turn.say("suggest.ask_text_again", _done_button(turn, "textdone"), limit=limit,
                 text=escape(_clip(draft.text)))
    else:
        turn.say("suggest.ask_text", _done_button(turn, "textdone") if draft.has_content else None,
                 limit=limit)


async def _ask_photos(turn: Turn, draft: Draft) -> None:
    save(turn, draft, "photos")
    rows = [[(turn.t("suggest.button_photos_done" if draft.photos else "suggest.button_skip"),
              encode(FLOW, "photosdone"))]]
    if draft.photos:
        rows.append([(turn.t("suggest.button_photos_clear"), encode(FLOW, "photosclear"))])
    turn.say("suggest.ask_photos", inline(rows), limit=MAX_PHOTOS, count=len(draft.photos))


async def _ask_location(turn: Turn, draft: Draft) -> None:
    save(turn, draft, "location")
    keyboard = reply_keyboard([
        [KeyboardButton(turn.t("suggest.button_send_location"), request_location=True)],
        [turn.t("suggest.button_no_location")],
    ])
    turn.say("suggest.ask_location", keyboard)


async def _ask_recipient(turn: Turn, draft: Draft) -> None:
    deputies = await station_deputies(turn.session, draft.station_id)
    rows = [[(turn.t("suggest.button_all_deputies"), encode(FLOW, "to", "all"))]]
    rows += [[(deputy_label(turn, d), encode(FLOW, "to", d.id))] for d in deputies]
    save(turn, draft, "recipient")
    turn.say("suggest.ask_recipient", inline(rows))


async def _ask_identity(turn: Turn, draft: Draft) -> None:
    save(turn, draft, "identity")
    turn.say("suggest.ask_identity", inline([
        [(turn.t("suggest.button_share"), encode(FLOW, "id", "share"))],
        [(turn.t("suggest.button_anonymous"), encode(FLOW, "id", "anon"))],
    ]))


async def _ask_contact(turn: Turn, draft: Draft) -> None:
    save(turn, draft, "contact")
    keyboard = reply_keyboard([
        [KeyboardButton(turn.t("suggest.button_send_contact"), request_contact=True)],
        [turn.t("suggest.button_no_contact")],
    ])
    turn.say("suggest.ask_contact", keyboard)


async def preview_text(turn: Turn, draft: Draft) -> str:
    category = await get_category(turn.session, draft.category)
    deputy = await get_deputy(turn.session, draft.deputy_id)
    recipient = deputy_label(turn, deputy) if deputy else turn.t("suggest.button_all_deputies")
    if draft.share_identity and draft.contact_phone:
        phone = escape(draft.contact_phone)
        if draft.contact_phone_typed:
            phone += turn.t("suggest.phone_typed_mark")
        who = turn.t("suggest.identity_shared", name=escape(draft.contact_name or "—"), phone=phone)
    else:
        who = turn.t("suggest.identity_anonymous")
    located = draft.latitude is not None
    location = turn.t("suggest.location_yes" if located else "suggest.location_no")
    return turn.t(
        "suggest.preview",
        category=escape(category_name(category, turn.locale)),
        recipient=escape(recipient),
        who=who,
        photos=len(draft.photos),
        voices=len(draft.voices),
        location=location,
        text=escape(_clip(draft.text) or turn.t("suggest.voice_only_text")),
    )


async def show_preview(turn: Turn, draft: Draft) -> None:
    save(turn, draft, "preview")
    b = turn.t
    rows = [
        [(b("suggest.button_confirm"), encode(FLOW, "confirm"))],
        [(b("suggest.edit_category"), encode(FLOW, "edit", "category")),
         (b("suggest.edit_text"), encode(FLOW, "edit", "text"))],
        [(b("suggest.edit_photos"), encode(FLOW, "edit", "photos")),
         (b("suggest.edit_location"), encode(FLOW, "edit", "location"))],
        [(b("suggest.edit_recipient"), encode(FLOW, "edit", "recipient")),
         (b("suggest.edit_identity"), encode(FLOW, "edit", "identity"))],
        [(b("suggest.button_discard"), encode(FLOW, "discard"))],
    ]
    text = await preview_text(turn, draft)
    if draft.quick:
        text += "\n\n" + turn.t("suggest.preview_quick_hint")
    if draft.rest:
        text += "\n\n" + turn.t("suggest.preview_rest_hint", chars=len(draft.rest))
    turn.send(text, inline(rows))


def ask_over_limit(turn: Turn, draft: Draft) -> None:
    """The text is over the limit: kept as it is; the next text replaces it, or split it."""
    limit = turn.config.max_suggestion_chars
    save(turn, draft, "text", replace_text=True)
    turn.say("suggest.over_limit", inline([
        [(turn.t("suggest.button_split"), encode(FLOW, "split"))],
    ]), length=len(draft.text), limit=limit, over=draft.over_by(limit))


def _done_button(turn: Turn, action: str) -> InlineKeyboardMarkup:
    return inline([[(turn.t("suggest.button_text_done"), encode(FLOW, action))]])


def _clip(text: str) -> str:
    return text if len(text) <= PREVIEW_TEXT_CHARS else text[:PREVIEW_TEXT_CHARS] + "…"


_PROMPTS = {
    "category": _ask_category,
    "text": _ask_text,
    "photos": _ask_photos,
    "location": _ask_location,
    "recipient": _ask_recipient,
    "identity": _ask_identity,
    "contact": _ask_contact,
    "preview": show_preview,
}
