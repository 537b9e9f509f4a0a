"""A service started without a staff group: residents are told the truth (no answer date is
promised), and once a group is configured their suggestions reach it."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from conftest import STAFF_CHAT_ID
from suggest_world import resident_with_station, shown, suggestions_of, write_until_preview

from locales import t

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("env", [{"no_staff_group": True}], indirect=True)
@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_no_staff_group_no_promised_date_and_cards_once_configured(
    env: Any, lang: str, caplog: pytest.LogCaptureFixture
) -> None:
    user, _ = await resident_with_station(env, 5101, lang)
    await write_until_preview(env, user, lang, ["村口的桥栏杆断了，孩子上学要经过。"], photos=0,
                              share=False)
    await user.press(t(lang, "suggest.button_confirm"))
    (told,) = await user.wait_for()
    [suggestion] = await suggestions_of(env, 5101)
    assert told.text.startswith(shown(lang, "suggest.submitted_unstaffed",
                                      ticket=suggestion.ticket).split("\n")[0])
    assert suggestion.ticket in told.text
    first_answer = shown(lang, "suggest.submitted", ticket="", due="").split("\n")[2][:6]
    assert first_answer not in told.text  # no "we will answer by …"
    assert env.staff_group.messages() == []

    # The district configures its staff group: the waiting suggestion's card arrives.
    env.settings = env.settings.model_copy(update={"staff_chat_id": STAFF_CHAT_ID})
    with caplog.at_level(logging.WARNING, logger="jiazhan.service"):
        await env.restart()
    assert not [r for r in caplog.records if "staff group" in r.getMessage()]
    await env.staff_group.wait_until(
        lambda msgs: any(suggestion.ticket in m.text for m in msgs))
    assert env.emulator.violations == []


@pytest.mark.parametrize("env", [{"no_staff_group": True}], indirect=True)
async def test_no_staff_group_is_one_warning_at_start(
    env: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="jiazhan.service"):
        await env.restart()
    warnings = [r.getMessage() for r in caplog.records if r.name == "jiazhan.service"]
    assert len(warnings) == 1 and "JIAZHAN_STAFF_CHAT_ID" in warnings[0]
    assert (await env.service.health())["staff_group"] is False
