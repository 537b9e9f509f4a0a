"""Simulated people, faults, the HTTP control API and the standalone process."""

from __future__ import annotations

import asyncio
import signal
import sys

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError

from bot.emulator import BotApiEmulator, EmulatorClient


def menu(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(x, callback_data=x.encode().hex()[:60])]
                                 for x in labels])


async def test_wait_for_counts_from_the_last_action_so_early_replies_count(
        emulator: BotApiEmulator, bot: telegram.Bot) -> None:
    user = emulator.user(1001)
    await user.send("hi")
    await bot.send_message(1001, "reply before anyone waited")
    [reply] = await user.wait_for(1, timeout=1)
    assert reply.text == "reply before anyone waited"
    with pytest.raises(TimeoutError):
        await user.wait_for(1, timeout=0.05)
    await user.send("again")
    waiting = asyncio.create_task(user.wait_for(2, timeout=2))
    await bot.send_message(1001, "a")
    await bot.send_message(1001, "b")
    assert [m.text for m in await waiting] == ["a", "b"]


async def test_press_finds_the_newest_button_and_wait_until_sees_edits(
        emulator: BotApiEmulator, bot: telegram.Bot) -> None:
    user = emulator.user(1001)
    old = await bot.send_message(1001, "old", reply_markup=menu("确定"))
    new = await bot.send_message(1001, "new", reply_markup=menu("确定", "取消"))
    await user.press("确定")
    [update] = await bot.get_updates(timeout=1)
    assert update.callback_query.message.message_id == new.message_id != old.message_id
    with pytest.raises(LookupError, match="no button"):
        await user.press("不存在")
    await user.press_data("forged", old.message_id)
    [forged] = await bot.get_updates(offset=update.update_id + 1, timeout=1)
    assert forged.callback_query.data == "forged"
    edit = asyncio.create_task(user.wait_until(lambda ms: ms[-1].text == "已确定", timeout=2))
    await bot.edit_message_text("已确定", 1001, new.message_id)
    shown = await edit
    assert shown[-1].buttons == [] and shown[-1].edited
    await bot.edit_message_reply_markup(1001, new.message_id, reply_markup=menu("撤销"))
    assert user.last().buttons == [["撤销"]]
    with pytest.raises(BadRequest, match="(?i)not modified"):
        await bot.edit_message_reply_markup(1001, new.message_id, reply_markup=menu("撤销"))
    mention = await bot.send_message(1001, '<a href="tg://user?id=1001">你</a>', parse_mode="HTML")
    assert mention.entities[0].user.first_name == "User1001"
    assert emulator.violations == [] and len(emulator.refusals) == 1


async def test_media_and_places_from_a_user_reach_the_bot(emulator: BotApiEmulator,
                                                          bot: telegram.Bot) -> None:
    user = emulator.user(1001)
    await user.send_photo("路灯坏了")
    await user.send_voice(5)
    await user.send_sticker()
    await user.send_location(40.5, 116.9)
    await user.send_contact("+8613900000000")
    updates = await bot.get_updates(timeout=1)
    photo, voice, sticker, location, contact = (u.message for u in updates)
    assert photo.caption == "路灯坏了" and photo.photo[-1].width == 1280
    assert voice.voice.duration == 5 and sticker.sticker.emoji == "👍"
    assert (location.location.latitude, location.location.longitude) == (40.5, 116.9)
    assert contact.contact.user_id == 1001
    downloaded = await (await bot.get_file(photo.photo[-1].file_id)).download_as_bytearray()
    assert downloaded.startswith(b"\xff\xd8")


async def test_group_members_send_commands_replies_and_topics(emulator: BotApiEmulator,
                                                              bot: telegram.Bot) -> None:
    group = emulator.group(-1005, "staff", is_forum=True, admins=(7,))
    thread = (await bot.create_forum_topic(-1005, "鼓楼街道")).message_thread_id
    card = await bot.send_message(-1005, "新建议", message_thread_id=thread,
                                  reply_markup=menu("认领"))
    member = group.member(8)
    await member.send("/claim@jiazhan_test_bot 12", thread_id=thread)
    await member.reply_to(card.message_id, "我来处理")
    await member.press("认领")
    updates = await bot.get_updates(timeout=1)
    command, reply, press = updates
    assert command.message.entities[0].length == len("/claim@jiazhan_test_bot")
    assert command.message.message_thread_id == thread and command.message.is_topic_message
    assert reply.message.reply_to_message.message_id == card.message_id
    assert press.callback_query.from_user.id == 8
    assert (await bot.get_chat_member(-1005, 8)).status == "member"


async def test_faults_drop_connections_and_lose_responses(emulator: BotApiEmulator,
                                                          bot: telegram.Bot) -> None:
    user = emulator.user(1001)
    emulator.fail_next(1, "disconnect")
    with pytest.raises(NetworkError):
        await bot.send_message(1001, "dropped before arriving")
    emulator.fail_next(1, "500", methods={"sendMessage"})
    with pytest.raises(NetworkError):
        await bot.send_message(1001, "server error")
    emulator.fail_next(1, "lost_response")
    with pytest.raises(NetworkError):
        await bot.send_message(1001, "arrived, answer lost")
    await bot.send_message(1001, "fine")
    assert [m.text for m in user.messages()] == ["arrived, answer lost", "fine"]
    assert [c.status for c in emulator.calls if c.chat_id == 1001] == [0, 500, 200, 200]
    assert emulator.violations == []


async def test_block_tells_the_bot_with_a_my_chat_member_update(emulator: BotApiEmulator,
                                                                bot: telegram.Bot) -> None:
    user = emulator.user(1001)
    user.block()
    await user.send("/start")  # writing to the bot again restarts it
    await bot.send_message(1001, "welcome back")
    first, second = await bot.get_updates(timeout=1)
    assert first.my_chat_member.new_chat_member.status == "kicked"
    assert second.message.text == "/start"


async def test_control_api_drives_the_same_people_over_http(emulator: BotApiEmulator,
                                                            bot: telegram.Bot) -> None:
    async with EmulatorClient(emulator.root) as client:
        resident = await client.user(3003, "赵")
        group = await client.group(-1009, "staff", admins=(7,))
        await resident.send("/start")
        [update] = await bot.get_updates(timeout=1)
        assert update.message.from_user.first_name == "赵"
        await bot.send_message(3003, "请选择", reply_markup=menu("建议"))
        [shown] = await resident.wait_for(1, timeout=2)
        assert shown.buttons == [["建议"]] and (await resident.last()).text == "请选择"
        await resident.press("建议")
        with pytest.raises(RuntimeError, match="no button"):
            await resident.press("nothing")
        await group.member(7).send("在")
        await bot.send_message(-1009, "收到")
        assert [m.text for m in await group.wait_for(1, timeout=2)] == ["收到"]
        await client.fail_next(1, "500", methods=["sendMessage"])
        with pytest.raises(NetworkError):
            await bot.send_message(3003, "x")
        with pytest.raises(BadRequest):
            await bot.send_message(3003, "")
        assert await client.violations() == ["sendMessage: Bad Request: message text is empty"]
        assert [c["status"] for c in await client.calls(3003)] == [200, 500, 400]


async def test_standalone_process_serves_until_sigterm(unused_tcp_port: int) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.emulator", "--port", str(unused_tcp_port), "--no-limits",
        stdout=asyncio.subprocess.PIPE)
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
        assert f"http://127.0.0.1:{unused_tcp_port}" in line
        async with EmulatorClient(f"http://127.0.0.1:{unused_tcp_port}") as client:
            user = await client.user(1, "A")
            await user.send("hello")
            assert (await client.state())["pending_updates"] == 1
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10) == 0
