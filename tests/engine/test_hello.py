"""The bot's hello on its first join to a room (issue 27), on the fake transport: what it says in a
room and in a direct chat, once per room (not on a rejoin, not twice across a crash or a replay),
and not where a room admin turned it off. On a real join and rejoin: test_hello_synapse.py."""

from __future__ import annotations

from typing import Any

import pytest
from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.meetings import Meetings

from matrixbot.testing import FakeBot, MakeFakeBot

ALICE, BOB = "@alice:x", "@bob:x"


async def _bot(fake_bot: MakeFakeBot, **settings: Any) -> FakeBot:
    return await fake_bot(plugins=[DatePoll, Meetings], **settings)


async def test_the_hello_says_what_is_on_help_and_the_power_to_remove_codes(fake_bot: MakeFakeBot) -> None:
    bot = await _bot(fake_bot)
    room = bot.room(ALICE, BOB, admins=[ALICE], bot_level=0)
    [hello] = await bot.arrive(room)
    assert hello.body == (
        "👋 Hello! I'm a bot. On in this room: datepoll, meetings (!plugins says what each does).\n"
        "Say !help to see the commands you can use here.\n"
        "I may not remove messages here, so I can only warn about messages that show a meeting's "
        "access code. Give me power level 50 (Moderator) and I will remove them."
    )
    assert hello.msgtype == "m.notice" and hello.mentions == [], "a hello pings nobody"
    assert await bot.replay(_join_of(bot, room)) == [], "the join handled again posts no second hello"
    assert await bot.arrive(room) == [], "a rejoin is quiet"


async def test_with_the_power_to_redact_or_without_meetings_the_hello_is_two_lines(
    fake_bot: MakeFakeBot,
) -> None:
    bot = await _bot(fake_bot)
    [moderator] = await bot.arrive(bot.room(ALICE, bot_level=50))
    assert moderator.body.count("\n") == 1 and "power level" not in moderator.body
    quiet = bot.room(ALICE, admins=[ALICE], bot_level=0)
    await bot.say(quiet, ALICE, "!disable meetings")
    [without] = await bot.arrive(quiet)
    assert "On in this room: datepoll (" in without.body and "power level" not in without.body
    strict = bot.room(ALICE, bot_level=50)
    bot.fake.rooms[strict].power_levels["redact"] = 100  # the room's own level for removing messages
    [asks] = await bot.arrive(strict)
    assert asks.body.endswith("Give me power level 100 (Admin) and I will remove them.")


async def test_no_plugins_on_says_how_to_turn_one_on(fake_bot: MakeFakeBot) -> None:
    bot = await _bot(fake_bot, default_plugins=())
    [hello] = await bot.arrive(bot.room(ALICE))
    assert hello.body.startswith(
        "👋 Hello! I'm a bot. No plugins are on in this room yet: a room admin can turn one on with "
        "!enable NAME (!plugins lists them).\n"
    )


async def test_a_direct_chat_gets_its_own_short_hello_and_a_room_the_bot_made_none(
    fake_bot: MakeFakeBot,
) -> None:
    bot = await _bot(fake_bot)
    [hello] = await bot.arrive(bot.room(ALICE, bot_level=0), direct=True)
    assert hello.body == (
        "👋 Hello! This is a direct chat with me, a bot: what you say here only I see. "
        "Say !help to see what I can do."
    )
    assert await bot.arrive(bot.room(ALICE), invited=False) == [], "its own direct chats (a check-in's)"


async def test_a_room_admin_can_turn_the_hello_off(fake_bot: MakeFakeBot) -> None:
    bot = await _bot(fake_bot)
    room = bot.room(ALICE, admins=[ALICE])
    assert (await bot.say(room, ALICE, "!set hello off")).body == "hello is now off."
    assert "hello: off — whether the bot says hello" in (await bot.say(room, ALICE, "!settings")).body
    assert await bot.arrive(room) == []
    await bot.say(room, ALICE, "!set hello on")
    assert await bot.arrive(room) == [], "the first arrival was remembered: turned on again, no late hello"


async def test_a_hello_that_could_not_be_sent_goes_out_once_when_the_join_is_handled_again(
    fake_bot: MakeFakeBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = await _bot(fake_bot)
    room = bot.room(ALICE)
    send = bot.fake.send

    async def crash(*args: Any, **kwargs: Any) -> Any:
        raise Crash

    monkeypatch.setattr(bot.fake, "send", crash)
    with pytest.raises(Crash):
        await bot.arrive(room)
    monkeypatch.setattr(bot.fake, "send", send)
    [hello] = await bot.replay(_join_of(bot, room))
    assert hello.body.startswith("👋 Hello!")
    assert await bot.replay(_join_of(bot, room)) == []


async def test_rooms_the_bot_was_in_before_the_hello_existed_are_not_greeted(fake_bot: MakeFakeBot) -> None:
    bot = await _bot(fake_bot)
    old = bot.room(ALICE)
    # as at the first start with the table: this bot's start found no rooms, so it is said again
    await bot.database.execute("UPDATE meta SET value = 'no' WHERE key = 'arrivals_known'")
    await bot.parts.dispatcher.greeter.remember_rooms([old], bot.clock.now().timestamp())
    assert await bot.arrive(old) == [], "a room it was in when it was upgraded: a rejoin"
    await bot.parts.dispatcher.greeter.remember_rooms([bot.room(ALICE)], 0)  # once only
    assert len(await bot.arrive(bot.room(BOB))) == 1


class Crash(BaseException):
    """The process dies while sending the hello: no handler catches it."""


def _join_of(bot: FakeBot, room: str) -> str:
    """The id of the bot's latest join event delivered to `room`."""
    return bot.delivered(room, "m.room.member")[-1].event_id
