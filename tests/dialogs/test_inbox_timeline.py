"""The deputy's ticket view shows the public timeline (the deputy's own question, the resident's
follow-up) and sends the attachments again on request (photos as one album, the voice message)."""

from __future__ import annotations

from triage_world import (
    DEPUTY_A,
    STAFF_A,
    card_of,
    link_deputies,
    new_ticket,
    press_on,
    shown,
    station_with_two_deputies,
)

from locales import t
from storage.models import Attachment

Z = "zh"


async def _assign(env, ticket, deputy_name: str) -> None:  # type: ignore[no-untyped-def]
    staff = env.staff_group.member(STAFF_A)
    await press_on(staff, await card_of(env, ticket), t(Z, "triage.button.assign"))
    await env.settle()
    card = await card_of(env, ticket)
    await press_on(staff, card, next(x for x in card.labels if x.startswith(deputy_name)))
    await env.settle()


async def test_the_deputy_sees_the_conversation_and_opens_the_attachments(env) -> None:
    _, _, deputies = await station_with_two_deputies(env)
    first, _ = await link_deputies(env, deputies)
    deputy = env.user(DEPUTY_A)
    ticket = await new_ticket(env, 1201, text="桥下的排水口堵了")
    world = env.emulator.world
    files = [world.add_file(b"\xff\xd8\xff\xe0" + bytes([n]) * 64 + b"\xff\xd9", "photo",
                            mime_type="image/jpeg").json() for n in range(2)]
    voice = world.add_file(b"OggS" + b"\x00" * 60, "voice", mime_type="audio/ogg").json()
    async with env.db.unit_of_work() as s:
        for f in files:
            s.add(Attachment(suggestion_id=ticket.id, kind="photo", file_id=f["file_id"],
                             file_unique_id=f["file_unique_id"]))
        s.add(Attachment(suggestion_id=ticket.id, kind="voice", file_id=voice["file_id"],
                         file_unique_id=voice["file_unique_id"]))
    await _assign(env, ticket, first.name)
    (pushed,) = await deputy.wait_for()
    assert t(Z, "inbox.button.attachments", count=3) in pushed.labels

    await press_on(deputy, pushed, t(Z, "inbox.button.info"))
    await deputy.wait_for()
    await deputy.send("请问是哪座桥？")
    await deputy.wait_for()
    (asked,) = await ticket.resident.wait_for()
    await ticket.resident.press(t(Z, "cards.button_reply"))
    await ticket.resident.wait_for()
    await ticket.resident.send("村东头的小石桥")
    await ticket.resident.wait_for()
    await env.settle()

    await deputy.send("/inbox")
    await deputy.wait_for()
    await deputy.press(t(Z, "inbox.button.open", ticket=ticket.ticket))
    (opened,) = await deputy.wait_for()
    text = opened.text or ""
    assert shown(Z, "inbox.timeline_title") in text
    assert text.index("请问是哪座桥？") < text.index("村东头的小石桥")
    assert t(Z, "lifecycle.timeline.followup") in text and first.name in text

    await press_on(deputy, opened, t(Z, "inbox.button.attachments", count=3))
    await env.settle()
    assert deputy.callback_answers()[-1].get("text") == t(Z, "inbox.attachments_coming", count=3)
    media = [m for m in deputy.messages() if m.media in ("photo", "voice")]
    assert [m.media for m in media] == ["photo", "photo", "voice"]
    assert {m.raw["photo"][-1]["file_id"] for m in media[:2]} == {f["file_id"] for f in files}
    assert media[0].text == t(Z, "inbox.media_caption", ticket=ticket.ticket)
    assert env.emulator.violations == []
