"""Dialog state is stored, read back with the person, and cleared."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from storage.dialog_state import clear_state, load_person, load_state, save_state
from storage.models import DialogState, Resident

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


async def test_dialog_state_round_trip(db) -> None:
    async with db.unit_of_work() as s:
        await save_state(s, 5, 5, "suggest", "text", {"parts": ["a"]}, NOW)
    async with db.unit_of_work() as s:
        state = await load_state(s, 5)
        assert state is not None and state.data == {"parts": ["a"]}
        await save_state(s, 5, 5, "suggest", "photos", {"parts": ["a", "b"]}, NOW)
    async with db.reading() as s:
        state = await s.get(DialogState, 5)
        assert state is not None and (state.step, state.data["parts"]) == ("photos", ["a", "b"])
    async with db.unit_of_work() as s:
        await clear_state(s, 5)
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(DialogState)) == 0


async def test_load_person_finds_resident_and_state_or_none(db) -> None:
    async with db.unit_of_work() as s:
        assert await load_person(s, 77) == (None, None)
        s.add(Resident(telegram_user_id=77, chat_id=77, locale="en"))
        await save_state(s, 78, 78, "onboarding", "address", {"x": 1}, NOW)
    async with db.unit_of_work() as s:
        resident, state = await load_person(s, 77)
        assert resident is not None and resident.locale == "en" and state is None
        resident, state = await load_person(s, 78)
        assert resident is None and state is not None and state.data == {"x": 1}
