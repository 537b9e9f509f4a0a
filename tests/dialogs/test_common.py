"""What works everywhere: help, language, cancel, unknown text, garbage buttons, duplicates."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import ProcessedUpdate


async def test_help_answers_in_the_users_language(env) -> None:
    zh = env.user(1001, "zh-hans")
    en = env.user(1002, "en")
    await zh.send("/help")
    await en.send("/help")
    assert "/suggest" in (await zh.wait_for())[-1].text
    assert "I can help you" in (await en.wait_for())[-1].text
    assert env.emulator.violations == []


async def test_unknown_text_and_media_get_a_helpful_answer(env) -> None:
    user = env.user(1003, "en")
    await user.send("hello there")
    assert "/suggest" in (await user.wait_for())[-1].text
    await user.send_sticker()
    assert "only read text" in (await user.wait_for())[-1].text
    await user.send("/nosuchcommand")
    assert "no such command" in (await user.wait_for())[-1].text


async def test_language_switch_is_remembered(env) -> None:
    user = env.user(1004, "zh-hans")
    await user.send("/language")
    await user.wait_for()
    await user.press("English")
    await user.wait_until(lambda msgs: any("Switched to English" in m.text for m in msgs))
    await env.settle()
    await user.send("/help")
    assert "I can help you" in (await user.wait_for())[-1].text


async def test_forged_callback_data_is_refused_politely(env) -> None:
    user = env.user(1005, "en")
    await user.send("/help")
    msg = (await user.wait_for())[-1]
    await user.press_data("zz:\u0000garbage", msg.message_id)
    await user.press_data("lang:set:xx", msg.message_id)
    await env.settle()
    answers = user.callback_answers()
    assert len(answers) == 2
    assert all("expired" in (a.get("text") or "") for a in answers)
    assert env.emulator.violations == []


async def test_a_duplicated_update_acts_once(env) -> None:
    user = env.user(1006, "en")
    await user.send("/help")
    await user.wait_for()
    await env.settle()
    before = len(user.messages())
    user.duplicate_last_update()
    await env.settle()
    assert len(user.messages()) == before
    async with env.db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(ProcessedUpdate)) == 1


async def test_a_flood_from_one_user_does_not_hold_up_others(env) -> None:
    flooder = env.user(1007, "en")
    other = env.user(1008, "en")
    for i in range(60):
        await flooder.send(f"spam {i}")
    await other.send("/help")
    answer = await other.wait_for(timeout=2)
    assert "I can help you" in answer[-1].text
    await env.settle(timeout=60)
    texts = [m.text for m in flooder.messages()]
    assert len(texts) == 60  # every message of the flood got its answer, nothing else changed
    assert env.emulator.violations == []


async def test_a_failing_handler_keeps_what_was_written_and_logs_no_personal_data(
    env, monkeypatch, caplog
) -> None:
    import logging

    from dialogs.kernel.turn import Turn

    async def broken(self) -> None:  # type: ignore[no-untyped-def]
        raise ValueError(f"cannot handle {self.message_text}")

    caplog.set_level(logging.INFO)
    monkeypatch.setattr(Turn, "load", broken)
    user = env.user(1009, "en", first_name="Zhang")
    await user.send("my street lamp secret-marker-7781 is broken")
    answer = (await user.wait_for())[-1]
    assert "What you sent is saved" in answer.text
    await env.settle()
    async with env.db.reading() as s:
        notes = (await s.scalars(select(ProcessedUpdate.note))).all()
    assert notes == ["my street lamp secret-marker-7781 is broken"]
    assert "ValueError" in caplog.text
    assert "secret-marker-7781" not in caplog.text
    assert "1009" not in caplog.text and "Zhang" not in caplog.text


async def test_an_answer_lost_on_the_network_comes_through_the_outbox(env) -> None:
    user = env.user(1010, "en")
    env.emulator.fail_next(1, "disconnect", methods=["sendMessage"])
    await user.send("/help")
    answer = await user.wait_for(timeout=10)
    assert "I can help you" in answer[-1].text
    await env.settle()
    assert sum("I can help you" in (m.text or "") for m in user.messages()) == 1
    assert env.emulator.violations == []


async def test_help_for_staff_and_deputies(env) -> None:
    from storage.models import Deputy

    staff = env.staff_group.member(9001)
    await staff.send("/help")
    guide = (await env.staff_group.wait_for())[-1]
    assert "工作人员指南" in guide.text and "/templates" in guide.text
    other_group = env.emulator.group(-1009999, "邻居群", admins=(9100,))
    await other_group.member(9100).send("/help")
    await env.settle()
    assert other_group.messages() == []  # the bot stays quiet in groups that are not the staff's

    async with env.db.unit_of_work() as s:  # a deputy who linked their account
        deputy = await s.scalar(select(Deputy).order_by(Deputy.id).limit(1))
        deputy.telegram_user_id = 8101
    user = env.user(8101, "en")
    await user.send("/help")
    text = (await user.wait_for())[-1].text
    assert "I can help you" in text and "/inbox" in text
    assert env.emulator.violations == []
