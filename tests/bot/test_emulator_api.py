"""The emulator refuses what Telegram refuses, driven by the real PTB client over HTTP."""

from __future__ import annotations

import aiohttp
import pytest
import telegram
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter

from bot.emulator import BOT_ID, BotApiEmulator, Limits


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_bot(emu: BotApiEmulator, token: str | None = None) -> telegram.Bot:
    return telegram.Bot(token or emu.token, base_url=emu.root + "/bot",
                        base_file_url=emu.root + "/file/bot")


async def test_get_me_is_the_emulated_bot(bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (BOT_ID, "jiazhan_test_bot", True)


async def test_sent_message_reads_back_as_the_user_sees_it(emulator: BotApiEmulator,
                                                           bot: telegram.Bot) -> None:
    user = emulator.user(1001, "Li")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("查看", callback_data="view:1")]])
    sent = await bot.send_message(1001, "<b>你好</b> &lt;李&gt;", parse_mode="HTML",
                                  reply_markup=markup)
    assert sent.text == "你好 <李>"
    assert sent.entities[0].type == "bold" and sent.entities[0].length == 2
    shown = user.last()
    assert (shown.message_id, shown.text, shown.buttons) == (sent.message_id, "你好 <李>",
                                                             [["查看"]])
    assert emulator.violations == [] and len(emulator.sent_times(1001)) == 1


async def test_text_over_4096_characters_is_refused_and_recorded(emulator: BotApiEmulator,
                                                                 bot: telegram.Bot) -> None:
    user = emulator.user(1001)
    await bot.send_message(1001, "议" * 4096)  # exactly the limit, Chinese included
    with pytest.raises(BadRequest, match="(?i)too long"):
        await bot.send_message(1001, "x" * 5000)
    with pytest.raises(BadRequest, match="(?i)too long"):  # tags do not count, text does
        await bot.send_message(1001, "<b>" + "x" * 4097 + "</b>", parse_mode="HTML")
    assert len(user.messages()) == 1
    assert emulator.violations == ["sendMessage: Bad Request: message is too long"] * 2


async def test_malformed_html_cannot_be_parsed(emulator: BotApiEmulator,
                                               bot: telegram.Bot) -> None:
    emulator.user(1001)
    for text in ("line<br>break", "<b>open", "a < b", "<b><i>x</b></i>"):
        with pytest.raises(BadRequest, match="(?i)parse entities"):
            await bot.send_message(1001, text, parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)reserved"):
        await bot.send_message(1001, "1. 开始", parse_mode="MarkdownV2")
    assert len(emulator.violations) == 5 and emulator.user(1001).messages() == []


async def test_callback_data_over_64_bytes_is_refused(emulator: BotApiEmulator,
                                                      bot: telegram.Bot) -> None:
    emulator.user(1001)
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="x" * 64)]])
    await bot.send_message(1001, "fits", reply_markup=ok)
    chinese = "意" * 22  # 22 characters, 66 bytes
    for data in ("y" * 65, chinese):
        bad = InlineKeyboardMarkup([[InlineKeyboardButton("bad", callback_data=data)]])
        with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(1001, "too big", reply_markup=bad)
    assert emulator.violations == ["sendMessage: Bad Request: BUTTON_DATA_INVALID"] * 2


async def test_unknown_and_missing_fields_are_violations(emulator: BotApiEmulator,
                                                         bot: telegram.Bot) -> None:
    emulator.user(1001)
    with pytest.raises(BadRequest, match="(?i)nknown parameter"):
        await bot.send_message(1001, "hi", api_kwargs={"colour": "red"})
    async with aiohttp.ClientSession() as http:
        url = f"{emulator.root}/bot{emulator.token}"
        async with http.post(f"{url}/sendMessage", json={"chat_id": 1001}) as resp:
            assert resp.status == 400
            assert (await resp.json())["description"] == (
                'Bad Request: parameter "text" is required')
        async with http.post(f"{url}/sendMesage", json={"chat_id": 1001, "text": "x"}) as resp:
            assert (resp.status, await resp.json()) == (
                404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert [v.split(":")[0] for v in emulator.violations] == ["sendMessage"] * 2 + ["sendMesage"]
    assert emulator.user(1001).messages() == []


async def test_wrong_token_is_unauthorized(emulator: BotApiEmulator) -> None:
    with pytest.raises(InvalidToken):
        async with make_bot(emulator, "999:WRONG"):
            pass
    assert emulator.violations == ["getMe: Unauthorized"]


async def test_message_not_modified_is_an_expected_refusal(emulator: BotApiEmulator,
                                                           bot: telegram.Bot) -> None:
    user = emulator.user(1001)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    sent = await bot.send_message(1001, "第一版", reply_markup=markup)
    with pytest.raises(BadRequest, match="(?i)not modified"):
        await bot.edit_message_text("第一版", 1001, sent.message_id, reply_markup=markup)
    edited = await bot.edit_message_text("第二版", 1001, sent.message_id)
    assert isinstance(edited, telegram.Message) and edited.reply_markup is None
    assert (user.last().text, user.last().buttons, user.last().edited) == ("第二版", [], True)
    await bot.delete_message(1001, sent.message_id)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", 1001, sent.message_id)
    assert user.messages() == []
    assert emulator.violations == [] and len(emulator.refusals) == 2


async def test_blocked_user_gets_403_until_unblocking(emulator: BotApiEmulator,
                                                      bot: telegram.Bot) -> None:
    user = emulator.user(1001)
    user.block()
    with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
        await bot.send_message(1001, "hello?")
    user.unblock()
    await bot.send_message(1001, "hello again")
    stranger = emulator.user(1002, started=False)
    with pytest.raises(Forbidden, match="(?i)can't initiate"):
        await bot.send_message(1002, "hi")
    assert emulator.violations == [] and len(emulator.refusals) == 2
    assert [m.text for m in user.messages()] == ["hello again"] and stranger.messages() == []


async def test_bursts_get_429_with_retry_after_until_the_clock_moves() -> None:
    clock = FakeClock()
    limits = Limits(private_rate=1.0, private_burst=2, group_rate=20 / 60, group_burst=3,
                    global_rate=30, global_burst=30)
    async with BotApiEmulator(clock=clock, limits=limits) as emu, make_bot(emu) as b:
        emu.user(1001)
        emu.group(-1001, "staff")
        await b.send_message(1001, "1")
        await b.send_message(1001, "2")
        with pytest.raises(RetryAfter) as private_flood:
            await b.send_message(1001, "3")
        for n in range(3):
            await b.send_message(-1001, str(n))
        with pytest.raises(RetryAfter) as group_flood:
            await b.send_message(-1001, "4")
        clock.now += 1.0
        await b.send_message(1001, "3")
        assert private_flood.value.retry_after == 1
        assert group_flood.value.retry_after == 3  # 20/min: one message per 3 seconds
        assert emu.sent_times(1001) == [1000.0, 1000.0, 1001.0]
        assert emu.violations == [] and emu.refusals == [
            "sendMessage: Too Many Requests: retry after 1",
            "sendMessage: Too Many Requests: retry after 3"]


async def test_overall_limit_spans_chats() -> None:
    clock = FakeClock()
    async with BotApiEmulator(clock=clock, limits=Limits(global_rate=30, global_burst=4)) as emu, \
            make_bot(emu) as b:
        for user_id in range(1, 6):
            emu.user(user_id)
        for user_id in range(1, 5):
            await b.send_message(user_id, "hi")
        with pytest.raises(RetryAfter):
            await b.send_message(5, "hi")


async def test_files_photos_albums_and_places(emulator: BotApiEmulator,
                                              bot: telegram.Bot) -> None:
    user = emulator.user(1001)
    ics = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    doc = await bot.send_document(1001, ics, filename="meeting.ics", caption="<i>接待日</i>",
                                  parse_mode="HTML")
    assert doc.document.file_name == "meeting.ics" and doc.caption == "接待日"
    file = await bot.get_file(doc.document.file_id)
    assert bytes(await file.download_as_bytearray()) == ics
    await bot.send_photo(1001, b"\xff\xd8jpeg", caption="photo")
    album = await bot.send_media_group(1001, [telegram.InputMediaPhoto(b"a"),
                                              telegram.InputMediaPhoto(b"b", caption="2")])
    assert len({m.media_group_id for m in album}) == 1
    await bot.send_location(1001, 40.37, 116.84)
    venue = await bot.send_venue(1001, 40.37, 116.84, "家站", "密云区")
    assert venue.venue.title == "家站"
    assert [m.media for m in user.messages()] == ["document", "photo", "photo", "photo",
                                                  "location", "venue"]
    with pytest.raises(BadRequest, match="(?i)wrong file identifier"):
        await bot.send_photo(1001, "no-such-file-id")


async def test_reply_keyboards_request_contact_and_get_removed(emulator: BotApiEmulator,
                                                               bot: telegram.Bot) -> None:
    user = emulator.user(1001, "Li")
    keyboard = ReplyKeyboardMarkup([[KeyboardButton("分享电话", request_contact=True)],
                                    [KeyboardButton("发送位置", request_location=True)]],
                                   one_time_keyboard=True)
    await bot.send_message(1001, "请分享", reply_markup=keyboard)
    assert user.last().keyboard == [["分享电话"], ["发送位置"]]
    await user.press("分享电话")
    updates = await bot.get_updates(timeout=1)
    contact = updates[-1].message.contact
    assert (contact.user_id, contact.first_name) == (1001, "Li")
    with pytest.raises(LookupError):
        await user.press("发送位置")  # a one-time keyboard hides after use
    await bot.send_message(1001, "谢谢", reply_markup=ReplyKeyboardRemove())
    assert user.last().remove_keyboard
    emulator.group(-1001, "g")
    with pytest.raises(BadRequest):
        await bot.send_message(-1001, "no", reply_markup=keyboard)


async def test_groups_admins_members_and_forum_topics(emulator: BotApiEmulator,
                                                      bot: telegram.Bot) -> None:
    group = emulator.group(-1001234, "工作人员", is_forum=True, admins=(7, 8))
    group.member(9)
    admins = await bot.get_chat_administrators(-1001234)
    assert [a.status for a in admins] == ["creator", "administrator", "administrator"]
    assert (await bot.get_chat_member(-1001234, 9)).status == "member"
    assert (await bot.get_chat_member(-1001234, 7)).status == "creator"
    chat = await bot.get_chat(-1001234)
    assert (chat.type, chat.is_forum, chat.title) == ("supergroup", True, "工作人员")
    topic = await bot.create_forum_topic(-1001234, "鼓楼街道")
    thread = topic.message_thread_id
    sent = await bot.send_message(-1001234, "卡片", message_thread_id=thread)
    assert sent.message_thread_id == thread and sent.is_topic_message
    assert group.messages(thread_id=thread)[0].text == "卡片"
    assert group.messages(thread_id=thread + 100) == []
    with pytest.raises(BadRequest, match="(?i)thread not found"):  # a topic that does not exist
        await bot.send_message(-1001234, "x", message_thread_id=thread + 100)
    emulator.user(1001)
    with pytest.raises(BadRequest, match="(?i)thread not found"):
        await bot.send_message(1001, "x", message_thread_id=42)


async def test_commands_chat_actions_and_generic_methods(emulator: BotApiEmulator,
                                                         bot: telegram.Bot) -> None:
    emulator.user(1001)
    await bot.set_my_commands([("start", "开始"), ("language", "语言")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "language"]
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Start-Now", "x")])
    await bot.send_chat_action(1001, "typing")
    assert await bot.set_my_description("家站") is True  # generic: valid method returning True
    copied = await bot.copy_message(1001, 1001, (await bot.send_message(1001, "a")).message_id)
    assert emulator.user(1001).messages()[-1].message_id == copied.message_id


async def test_json_and_form_bodies_are_both_understood(emulator: BotApiEmulator) -> None:
    emulator.user(1001)
    url = f"{emulator.root}/bot{emulator.token}/sendMessage"
    markup = '{"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}'
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data={"chat_id": "1001", "text": "123",
                                        "reply_markup": markup}) as resp:
            body = await resp.json()
        async with http.get(url, params={"chat_id": "1001", "text": "q"}) as resp:
            assert resp.status == 200
        async with http.post(url, json={"chat_id": 1001, "text": "b",
                                        "disable_notification": "yes"}) as resp:
            assert resp.status == 400
    assert body["result"]["text"] == "123"  # a String field stays a string
    assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "A"
    assert len(emulator.violations) == 1
