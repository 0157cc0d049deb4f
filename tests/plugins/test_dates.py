"""Dates read the same way in every command: a day that does not exist is named and nothing is made,
a year far out is refused with a sentence, and a deadline (`closes:`) reads alike in polls,
check-ins and sign-up lists."""

from __future__ import annotations

import pytest
from matrixbot.plugins.checkins import Checkins
from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.meetings import Meetings
from matrixbot.plugins.signups import Signups

from matrixbot.testing.fakebot import FakeBot
from matrixbot.testing.pytest_plugin import MakeFakeBot
from matrixbot.time import FakeClock

ALICE, BOB = "@alice:x", "@bob:x"
TABLES = (
    "meetings_reminders",
    "meetings_meetings",
    "datepoll_polls",
    "datepoll_options",
    "datepoll_busy",
    "signups_lists",
    "checkins_series",
)


async def made(bot: FakeBot) -> dict[str, int]:
    """How many things of each kind are stored, and how many members are marked away."""
    counts = {t: await bot.database.fetch_value(f"SELECT COUNT(*) FROM {t}") for t in TABLES}
    counts["away"] = await bot.database.fetch_value(
        "SELECT COUNT(*) FROM checkins_members WHERE away_until IS NOT NULL"
    )
    return counts


async def every_plugin(fake_bot: MakeFakeBot) -> tuple[FakeBot, str]:
    bot = await fake_bot(
        plugins=[DatePoll, Meetings, Signups, Checkins], clock=FakeClock("2027-03-01 09:00", "Europe/London")
    )
    return bot, bot.room(ALICE, BOB, admins=[ALICE])


NOVEMBER = "There is no 31 November: it has 30 days."


@pytest.mark.parametrize(
    ("command", "said"),
    [
        ("!remind 31st November 9am invoices", NOVEMBER),
        (
            "!remind 30th February 9am pay the rent",
            "There is no 30 February: it has 28 days, 29 in a leap year.",
        ),
        (
            "!remind 29 February 2027 9am pay the rent",
            "There is no 29 February 2027: February 2027 has 28 days.",
        ),
        ("!remind me on the 31st of April to file", "There is no 31 April: it has 30 days."),
        ("!busy add Impossible 31st November", NOVEMBER),
        ("!busy add Retreat 30-31 November", NOVEMBER),
        ("!poll Call\n3pm 31 November\n3pm 1 December", NOVEMBER),
        ("!poll Call\n3pm 29 November\n3pm 30 November\ncloses: 31 November", NOVEMBER),
        ("!meeting Call\nwhen: 31st November 3pm", NOVEMBER),
        ("!signup new Talks\nwhen: 31 November 6pm", NOVEMBER),
        ("!signup new Talks\nwhen: 30 November 6pm\ncloses: 31 November", NOVEMBER),
        ("!checkin start Still here?\ncloses: 31 November", NOVEMBER),
        ("!checkin away until 31 November", NOVEMBER),
        ("!checkin away until 31/11/2027", "There is no 31 November 2027: it has 30 days."),
    ],
)
async def test_a_day_that_does_not_exist_is_named_and_nothing_is_made(
    fake_bot: MakeFakeBot, command: str, said: str
) -> None:
    bot, room = await every_plugin(fake_bot)
    before = await made(bot)
    reply = await bot.say(room, ALICE, command)
    assert said in reply.body
    assert "e.g." not in reply.body, "no hint that splices words into what was written"
    assert await made(bot) == before


@pytest.mark.parametrize(
    ("command", "said"),
    [
        ("!poll fix P1 1 3pm 31 November", NOVEMBER),
        ("!meeting edit M1\nwhen: 31 November 3pm", NOVEMBER),
        ("!signup edit S1\nwhen: 31 November 6pm", NOVEMBER),
        ("!signup edit S1\ncloses: 31 November", NOVEMBER),
        ("!poll fix P1 1 3pm 1 March 2040", "more than 10 years ahead"),
        ("!meeting edit M1\nwhen: 1 January 1969 3pm", "before 1970"),
    ],
)
async def test_changes_to_a_day_that_does_not_exist_change_nothing(
    fake_bot: MakeFakeBot, command: str, said: str
) -> None:
    bot, room = await every_plugin(fake_bot)
    await bot.say(room, ALICE, "!poll Call\n3pm 29 November\n3pm 30 November")
    await bot.say(room, ALICE, "!meeting Call\nwhen: 30 November 3pm")
    await bot.say(room, ALICE, "!signup new Talks\nwhen: 30 November 6pm")
    shown = [(await bot.say(room, ALICE, c)).body for c in ("!poll P1", "!meeting M1", "!signup S1")]
    reply = await bot.say(room, ALICE, command)
    assert said in reply.body
    assert [(await bot.say(room, ALICE, c)).body for c in ("!poll P1", "!meeting M1", "!signup S1")] == shown


@pytest.mark.parametrize(
    ("command", "said"),
    [
        ("!remind 31 December 9999 9am invoices", "Fri 31 Dec 9999 is more than 10 years ahead"),
        (
            "!remind in 12 years renew the lease",
            "is more than 10 years ahead: give a date up to 1 March 2037.",
        ),
        ("!remind 5 March 1969 9am x", "is before 1970: give a date from 1 January 1970 on."),
        ("!busy add Old times 5 March 1969", "Wed 5 Mar 1969 is before 1970"),
        (
            "!poll Call\n3pm 2 March 2027\n3pm 2 March 2040",
            "Line 3: Fri 2 Mar 2040 is more than 10 years ahead",
        ),
        ("!poll Call\n3pm 2 March 2027\n3pm 3 March 2027\ncloses: 20 years", "more than 10 years ahead"),
        ("!meeting Call\nwhen: 1 January 1969 3pm", "before 1970"),
        ("!signup new Talks\nwhen: 13 June 2050 6pm", "more than 10 years ahead"),
        ("!checkin start Still here?\ncloses: 1 January 2040", "more than 10 years ahead"),
        ("!checkin away until 1 January 2040", "more than 10 years ahead"),
    ],
)
async def test_a_year_far_out_is_refused_with_a_sentence(
    fake_bot: MakeFakeBot, command: str, said: str
) -> None:
    bot, room = await every_plugin(fake_bot)
    before = await made(bot)
    assert said in (await bot.say(room, ALICE, command)).body
    assert await made(bot) == before


@pytest.mark.parametrize(
    ("closes", "shown", "signups_shown"),
    [
        ("2 weeks", "Mon 15 Mar 2027, 09:00 GMT", "Mon 15 Mar 2027, 08:59 GMT"),
        ("in 2 weeks", "Mon 15 Mar 2027, 09:00 GMT", "Mon 15 Mar 2027, 08:59 GMT"),
        ("14 June", "Tue 15 Jun 2027, 00:00 BST", "Mon 14 Jun 2027, 23:59 BST"),
        ("in 40 seconds", "Mon 1 Mar 2027, 09:00 GMT", "Mon 1 Mar 2027, 08:59 GMT"),
    ],
)
async def test_a_deadline_reads_the_same_in_a_poll_a_check_in_and_a_signup_list(
    fake_bot: MakeFakeBot, closes: str, shown: str, signups_shown: str
) -> None:
    """A check-in took only lengths ("could not read 'in 40 seconds' as a length of time")."""
    bot, room = await every_plugin(fake_bot)
    await bot.say(room, ALICE, "!set working_hours off")  # the close as read (quiet hours: test_quiet_hours)
    poll = await bot.say(room, ALICE, f"!poll Call\n3pm 20 June\n4pm 20 June\ncloses: {closes}")
    assert f"Closes {shown}." in poll.body
    checkin = await bot.say(room, ALICE, f"!checkin start Still here?\nnudge: 10 seconds\ncloses: {closes}")
    assert f"closes {shown}." in checkin.body
    listing = await bot.say(room, ALICE, f"!signup new Talks\nwhen: 20 June 6pm\ncloses: {closes}")
    assert f"Sign-ups close: {signups_shown}" in listing.body


async def test_a_deadline_already_past_is_refused_alike(fake_bot: MakeFakeBot) -> None:
    bot, room = await every_plugin(fake_bot)
    for command in (
        "!poll Call\n3pm 20 June\n4pm 20 June\ncloses: yesterday",
        "!checkin start Still here?\ncloses: yesterday",
        "!signup new Talks\nwhen: 20 June 6pm\ncloses: yesterday",
    ):
        assert "'yesterday' is already past" in (await bot.say(room, ALICE, command)).body
    assert await made(bot) == dict.fromkeys([*TABLES, "away"], 0)
