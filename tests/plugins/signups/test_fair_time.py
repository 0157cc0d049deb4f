"""A sign-up counts when it was sent before the list's `closes:`, however late it reaches the bot."""

from __future__ import annotations

from datetime import timedelta

from matrixbot.plugins.signups import Signups

from matrixbot.testing.pytest_plugin import MakeFakeBot
from matrixbot.time import FakeClock

ALICE, BOB, CAROL = "@alice:x", "@bob:x", "@carol:x"


async def test_a_sign_up_sent_before_the_deadline_counts_one_sent_after_does_not(
    fake_bot: MakeFakeBot,
) -> None:
    bot = await fake_bot(plugins=[Signups], clock=FakeClock("2027-03-01 10:00", "Europe/London"))
    room = bot.room(ALICE, BOB, CAROL, admins=[ALICE])
    await bot.say(
        room, ALICE, "!signup new Tech chats\nwhen: 20 March 2027 6pm\nplaces: 30\ncloses: in 1 hour"
    )
    created = bot.clock.now()
    bot.clock.advance(timedelta(hours=2))  # the bot was busy or down: both arrive after the deadline
    in_time = await bot.say(room, BOB, "!signup attend S1", sent_at=created + timedelta(minutes=59))
    assert in_time.body == "You are coming to S1."
    late = await bot.say(room, CAROL, "!signup attend S1", sent_at=created + timedelta(minutes=61))
    assert "Sign-ups for S1 have closed. New sign-ups are not taken." in late.body


async def test_a_reminder_due_during_a_downtime_does_not_ping_who_withdrew_meanwhile(
    fake_bot: MakeFakeBot,
) -> None:
    """The day-before reminder is due while the bot is down, and bob withdraws after it was due: at
    the restart the reminder goes after his withdrawal and pings only carol."""
    bot = await fake_bot(plugins=[Signups], clock=FakeClock("2027-03-01 10:00", "Europe/London"))
    room = bot.room(ALICE, BOB, CAROL, admins=[ALICE])
    await bot.say(room, ALICE, "!signup new Tech chats\nwhen: 5 March 2027 6pm\nplaces: 30")
    await bot.say(room, BOB, "!signup attend S1")
    await bot.say(room, CAROL, "!signup attend S1")
    bot.clock.set("2027-03-04 20:00", "Europe/London")  # the restart, two hours after the reminder was due
    await bot.backlog(room, BOB, "!signup withdraw S1", sent_at=bot.clock.now() - timedelta(hours=1))

    posted = await bot.catch_up()
    bodies = [p.body for p in posted]
    reminder = next(p for p in posted if "Reminder: S1" in p.body)
    assert reminder.mentions == [CAROL], bodies
    assert "Signed up: carol.\nThis reminder was due Thu 4 Mar 2027, 18:00 GMT; the bot was offline." in (
        reminder.body
    )
    assert bodies.index("You are off S1.") < bodies.index(reminder.body), bodies
