"""Staff read a ticket's whole timeline a page at a time, with who and when."""

from __future__ import annotations

from lifecycle_world import Clock, build_world, new_suggestion

import storage.lifecycle as lc
from storage import Database
from storage.models import Visibility
from storage.timeline_pages import staff_timeline_page


async def test_pages_in_order_with_internal_entries_and_names(db: Database) -> None:
    w = await build_world(db)
    clock = Clock()
    async with db.unit_of_work() as s:
        sug = await new_suggestion(s, w)
        await lc.assign(s, sug.id, w.staff, now=clock.tick(minutes=5), deputy_id=w.deputy.id)
        await lc.reply(s, sug.id, w.staff, now=clock.tick(minutes=5), text="内部：先问村委会",
                       visibility=Visibility.INTERNAL)
        await lc.reply(s, sug.id, w.deputy, now=clock.tick(minutes=5), text="已经去现场看过")
        for i in range(6):
            await lc.add_followup(s, sug.id, w.resident, now=clock.tick(minutes=5), text=f"补充{i}")
    async with db.reading() as s:
        first = await staff_timeline_page(s, sug.id, 0, per_page=4)
        last = await staff_timeline_page(s, sug.id, 99, per_page=4)
        assert await staff_timeline_page(s, 12345, 0) is None
    assert first is not None and last is not None
    assert (first.total, first.pages, first.page, last.page) == (10, 3, 0, 2)
    assert [(x.kind, x.internal, x.actor_kind) for x in first.lines] == [
        ("created", False, "resident"), ("assigned", False, "staff"),
        ("note", True, "staff"), ("reply", False, "deputy"),
    ]
    assert first.lines[2].author == "值班员" and first.lines[3].author is not None
    assert first.lines[0].author is None  # the resident is never named here
    assert [x.text for x in last.lines] == ["补充4", "补充5"]
    assert all(a.at <= b.at for a, b in zip(first.lines, first.lines[1:], strict=False))
