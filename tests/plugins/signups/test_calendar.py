"""The gatherings on the room's calendar (`Signups.calendar_items`): place, places left and the
waitlist, talk slots, and whether sign-ups are still open."""

from __future__ import annotations

from datetime import timedelta

import pytest
from matrixbot.plugins.signups import Signups

from matrixbot.testing.fakebot import FakeBot
from matrixbot.testing.pytest_plugin import MakeFakeBot
from matrixbot.time import FakeClock

ALICE, BOB, CAROL, DAN = "@alice:x", "@bob:x", "@carol:x", "@dan:x"


@pytest.fixture
async def bot(fake_bot: MakeFakeBot) -> FakeBot:
    return await fake_bot(plugins=[Signups], clock=FakeClock("2024-06-01 10:00", "Europe/London"))


async def items(bot: FakeBot, room: str):
    now = bot.clock.now()
    found = await bot.plugin(Signups).calendar_items(
        room, now - timedelta(days=90), now + timedelta(days=700)
    )
    return {item.key: item for item in found}


async def test_a_gathering_says_where_and_how_many_places_are_left(bot):
    room = bot.room(ALICE, BOB, CAROL, DAN)
    await bot.say(
        room,
        ALICE,
        "!signup new Tech chats\nwhen: 13 June 2024 6pm\nwhere: Space4, London\ntalks: 2\nplaces: 2",
    )
    await bot.say(room, ALICE, "!signup new Picnic\nwhen: 20 June 2024")
    for who in (ALICE, BOB, CAROL):
        await bot.say(room, who, "!signup attend S1")
    await bot.say(room, DAN, "!signup talk S1 Rust in prod")  # a speaker takes no attendee's place
    found = await items(bot, room)
    chats = found["S1"]
    assert chats.place == "Space4, London" and chats.kind == "gathering" and not chats.all_day
    assert chats.details.splitlines() == [
        "0 of 2 places left; 1 on the waitlist.",
        "1 of 2 talk slots left.",
        "Sign up in the room: !signup attend S1",
    ]
    picnic = found["S2"]
    assert picnic.all_day and picnic.details.startswith("0 coming.")
    await bot.say(room, ALICE, "!signup close S1")
    assert (await items(bot, room))["S1"].details.endswith("S1 is closed.")
