"""Someone taken off a signup list is told (issue 27), on the fake transport: with a mention, by
whom, what they held, and how to sign up again; once, also when the command is handled again
after a crash cut it short."""

from __future__ import annotations

from typing import Any

import pytest
from matrixbot.plugins.signups import Signups

from matrixbot.testing import FakeBot, FakeClock, MakeFakeBot

ALICE, BOB, CAROL, DAVE = "@alice:x", "@bob:x", "@carol:x", "@dave:x"
GATHERING = "!signup new Tech chats\nwhen: Thursday 13th June 2024 6pm\ntalks: 1\nplaces: 1"


async def _bot(fake_bot: MakeFakeBot) -> tuple[FakeBot, str]:
    bot = await fake_bot(plugins=[Signups], clock=FakeClock("2024-06-01 10:00", "Europe/London"))
    room = bot.room(ALICE, BOB, CAROL, DAVE, admins=[CAROL])
    await bot.say(room, ALICE, GATHERING)
    return bot, room


async def test_a_speaker_removed_by_an_admin_is_told_and_so_is_the_organiser(fake_bot: MakeFakeBot) -> None:
    bot, room = await _bot(fake_bot)
    bot.fake.rooms[room].users[BOB].display_name = "<i>Bob</i>"  # a display name is user text
    await bot.say(room, BOB, "!signup talk Books & co")
    await bot.say(room, BOB, "!signup attend")
    told = await bot.say(room, CAROL, f"!signup remove S1 {BOB}")
    assert told.body == (
        "<i>Bob</i>: carol took you off S1 Tech chats (your talk slot for “Books & co”). "
        "To sign up again: !signup talk S1 TOPIC or !signup attend S1.\n"
        "(alice, as the organiser: FYI.)"
    )
    assert told.msgtype == "m.text" and told.mentions == [BOB, ALICE], "a mention notifies them"
    assert '<a href="https://matrix.to/#/@bob:x"><bdi>&lt;i&gt;Bob&lt;/i&gt;</bdi></a>' in told.html
    assert "<bdi>Books &amp; co</bdi>" in told.html
    assert await bot.replay(told) == [], "handled again, nothing is posted twice"
    again = await bot.say(room, CAROL, f"!signup remove S1 {BOB}")
    assert again.body == "<i>Bob</i> is not on S1."


async def test_the_waitlist_and_a_closed_list_are_said_and_oneself_is_not_pinged(
    fake_bot: MakeFakeBot,
) -> None:
    bot, room = await _bot(fake_bot)
    await bot.say(room, DAVE, "!signup attend")
    await bot.say(room, BOB, "!signup attend")  # the one place is dave's: bob waits
    await bot.say(room, ALICE, "!signup close")
    told = await bot.say(room, ALICE, f"!signup remove S1 {BOB}")
    assert told.body == (
        "bob: alice took you off S1 Tech chats (your place on the waitlist). "
        "S1 is closed. Ask alice (its organiser) if this was a mistake."
    )
    assert told.mentions == [BOB], "the organiser who removed him is not pinged"
    own = await bot.say(room, DAVE, f"!signup remove S1 {DAVE}")
    assert own.body.startswith(
        "Only alice (its organiser) or a room admin (carol) can remove people from S1."
    )
    await bot.say(room, ALICE, "!signup reopen")
    assert "talk slot 1" in (await bot.say(room, ALICE, "!signup talk Opening")).body
    alone = await bot.say(room, ALICE, f"!signup remove S1 {ALICE}")
    assert alone.body.startswith("You took yourself off S1 Tech chats (your talk slot for “Opening”).")
    assert alone.mentions == [] and alone.msgtype == "m.notice"


class Crash(BaseException):
    """The process dies while sending (after the removal was stored): no handler catches it."""


async def test_a_removal_cut_short_by_a_crash_is_told_when_handled_again(
    fake_bot: MakeFakeBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot, room = await _bot(fake_bot)
    await bot.say(room, BOB, "!signup attend")
    send = bot.fake.send
    commands: list[str] = []

    async def crash_on_the_telling(room_id: str, kind: str, content: dict[str, Any], txn_id: str) -> Any:
        if "took you off" in content.get("body", "") and not commands:
            commands.append(content["m.relates_to"]["m.in_reply_to"]["event_id"])
            raise Crash
        return await send(room_id, kind, content, txn_id)

    monkeypatch.setattr(bot.fake, "send", crash_on_the_telling)
    with pytest.raises(Crash):
        await bot.send(
            room, ALICE, "m.room.message", {"msgtype": "m.text", "body": f"!signup remove S1 {BOB}"}
        )
    [command] = commands
    posted = await bot.replay(command)
    [told] = [p for p in posted if p.reply_to == command]
    assert told.body.startswith("bob: alice took you off S1 Tech chats (your place)"), told.body
    assert told.mentions == [BOB]
    assert [p for p in posted if p.edits], "the live list is brought up to date"
    assert await bot.replay(command) == [], "told once"
