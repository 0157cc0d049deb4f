"""Replies that misled a member (issue 17): each case as the member typed it, on FakeBot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from matrixbot.plugins.checkins import Checkins
from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.meetings import Meetings
from matrixbot.plugins.signups import Signups

from matrixbot.testing.fakebot import FakeBot
from matrixbot.testing.pytest_plugin import MakeFakeBot
from matrixbot.time import FakeClock


@pytest.fixture
async def bot(fake_bot: MakeFakeBot) -> FakeBot:
    return await fake_bot(
        plugins=[DatePoll, Meetings, Signups, Checkins], clock=FakeClock("2027-02-16 12:00", "Europe/London")
    )


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("!poll clsoe", "!poll close"),
        ("!meeting cancle", "!meeting cancel"),
        ("!signup reopne", "!signup reopen"),
        ("!checkin stpo", "!checkin stop"),
        ("!busy ad", "!busy add"),
    ],
)
async def test_a_subcommand_typo_is_answered_with_did_you_mean(bot, typed, meant):
    room = bot.room("@alice:x", admins=["@alice:x"])
    reply = await bot.say(room, "@alice:x", typed)
    assert f"did you mean {meant}?" in reply.body
    assert "poll needs" not in reply.body


async def test_a_title_starting_with_a_subcommand_word_is_a_title(bot):
    room = bot.room("@alice:x", admins=["@alice:x"])
    reply = await bot.say(room, "@alice:x", "!meeting Code review call\nwhen: tomorrow 3pm")
    assert "Code review call" in reply.body and "M1" in reply.body
    assert "I read 'Code review call' as the title" in reply.body
    assert "not a meeting id" not in reply.body
    made = await bot.say(room, "@alice:x", "!poll Close of year party\n3pm 1 March 2027\n3pm 2 March 2027")
    assert "P1" in made.body and "Close of year party" in made.body


async def test_a_subcommand_followed_by_an_id_is_still_the_subcommand(bot):
    room = bot.room("@alice:x", admins=["@alice:x"])
    await bot.say(room, "@alice:x", "!meeting Review\nwhen: tomorrow 3pm")
    reply = await bot.say(room, "@alice:x", "!meeting cancel M1\nwhen: tomorrow")
    assert "I read" not in reply.body


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("!set timezone", "VALUE is missing: it comes after !set NAME, e.g. !set timezone Europe/London"),
        ("!busy add", "NAME DATES is missing: it comes after !busy add, e.g. !busy add Workers"),
        ("!poll pick", "N is missing: it comes after !poll pick, e.g. !poll pick P3 2."),
        ("!poll fix P1 2", "OPTION is missing: it comes after !poll fix N, e.g. !poll fix P3 2 3-4pm"),
        ("!signup move S1 2", "M is missing: it comes after !signup move N, e.g. !signup move S2 3 1."),
        ("!signup remove S1", "@USER is missing: it comes after !signup remove, e.g. !signup remove S2 @bob"),
        ("!meeting code", "The meeting id is missing: it comes after !meeting code, e.g. !meeting code M3"),
    ],
)
async def test_a_missing_argument_is_named_with_usage_and_an_example(bot, typed, said):
    room = bot.room("@alice:x", admins=["@alice:x"])
    reply = await bot.say(room, "@alice:x", typed)
    assert said in reply.body and "Usage:" in reply.body
    assert "Value is missing." not in reply.body


async def test_a_date_that_does_not_exist_is_named(bot):
    room = bot.room("@alice:x")
    reply = await bot.say(room, "@alice:x", "!remind 31st November 9am invoices")
    assert "There is no 31 November: it has 30 days." in reply.body
    assert "could not find a time" not in reply.body


async def test_examples_carry_no_fixed_past_year(bot):
    room = bot.room("@alice:x")
    reply = await bot.say(room, "@alice:x", "!remind whenever invoices")
    reply = await bot.say(room, "@alice:x", "!poll Call\nwhenever\n3pm tomorrow")
    assert "Try e.g." in reply.body and "2024" not in reply.body


async def test_reopen_without_an_id_finds_the_closed_list(bot):
    room = bot.room("@alice:x", admins=["@alice:x"])
    await bot.say(room, "@alice:x", "!signup new Talks\nwhen: Thursday 6pm\ntalks: 2\nplaces: 3")
    await bot.say(room, "@alice:x", "!signup close")
    assert "S1 is open again" in (await bot.say(room, "@alice:x", "!signup reopen")).body


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [("Europe/Londn", "Europe/London"), ("Berln", "Europe/Berlin"), ("America/New_Yrok", "America/New_York")],
)
async def test_a_near_miss_time_zone_gets_the_closest_zone(bot, typed, suggested):
    room = bot.room("@alice:x", admins=["@alice:x"])
    reply = await bot.say(room, "@alice:x", f"!set timezone {typed}")
    assert f"did you mean {suggested}" in reply.body


async def test_hints_name_the_rooms_own_ids_and_options(bot):
    room = bot.room("@alice:x", admins=["@alice:x"])
    made = await bot.say(room, "@alice:x", "!poll Call\n3pm 1 March\n3pm 2 March")
    assert "!vote P1 1 maybe 2" in made.body and "maybe 5" not in made.body
    await bot.say(room, "@alice:x", "!poll Call two\n3pm 1 March\n3pm 2 March")
    reply = await bot.say(room, "@alice:x", "!poll close")
    assert "(P1, P2)" in reply.body and "e.g. !poll close P2" in reply.body and "P3" not in reply.body
    assert "!vote 1 maybe 2" in (await bot.say(room, "@alice:x", "!vote P1")).body


async def test_a_nudge_overtaken_by_its_close_is_skipped_and_late_notes_stand_alone(bot):
    room = bot.room("@alice:x", "@bob:x", admins=["@alice:x"])
    await bot.say(room, "@alice:x", "!checkin start Still with us?\nnudge: 1 day\ncloses: 2 days")
    bot.clock.advance(timedelta(days=2, hours=1))  # nudge and close both due, both late
    posted = await bot.run_due()
    assert not [p for p in posted if p.body.startswith("Reminder")], [p.body for p in posted]
    [summary] = [p for p in posted if "has closed" in p.body]
    assert (
        "\nThis summary was due Thu 18 Feb 2027, 12:00 GMT; the bot was busy with earlier work."
        in summary.body
    )
    assert "(late" not in summary.body


async def test_late_reminders_of_every_plugin_say_so_on_a_line_of_their_own(bot):
    room = bot.room("@alice:x", "@bob:x", admins=["@alice:x"])
    await bot.say(room, "@alice:x", "!set working_hours off")  # the nudges here fall in the evening
    await bot.say(room, "@alice:x", "!signup new Talks\nwhen: 20 February 2027 6pm\nplaces: 3")
    await bot.say(room, "@bob:x", "!signup attend")
    await bot.say(room, "@alice:x", "!poll Call\n3pm 1 March\n3pm 2 March\ncloses: 20 February 2027 7pm")
    await bot.say(room, "@bob:x", "!checkin start Here?\nnudge: 3 days 7 hours\ncloses: 5 days")
    bot.clock.advance(timedelta(days=3, hours=8))
    posted = [p.body for p in await bot.run_due()]
    late = [b for b in posted if "was due" in b]
    assert len(late) >= 3, posted
    for body in late:
        line = next(x for x in body.splitlines() if "was due" in x)
        assert line.startswith("This "), body
        assert "; the bot was busy with earlier work." in line, f"a late post says why: {line!r}"
    assert not [b for b in posted if "(late" in b]


@pytest.mark.parametrize("order", [("talk", "attend"), ("attend", "talk")])
async def test_a_speaker_holds_one_place_whichever_they_asked_for_first(bot, order):
    room = bot.room("@alice:x", "@bob:x", "@carol:x", admins=["@alice:x"])
    await bot.say(room, "@alice:x", "!signup new Talks\nwhen: 20 February 2027 6pm\ntalks: 2\nplaces: 1")
    for kind in order:
        await bot.say(room, "@bob:x", "!signup talk Books" if kind == "talk" else "!signup attend")
    await bot.say(room, "@carol:x", "!signup attend")
    shown = (await bot.say(room, "@alice:x", "!signup")).body
    assert "Talks (1 of 2 slots taken)" in shown
    assert "Coming (1 of 1 places taken" in shown
    coming = shown.split("Coming", 1)[1]
    assert "carol" in coming and "bob" not in coming, shown


async def test_a_round_started_late_at_night_repeats_on_a_working_morning(bot):
    room = bot.room("@alice:x", "@bob:x", admins=["@alice:x"])
    bot.clock.set("2027-02-19 23:40", "Europe/London")  # a Friday night
    started = await bot.say(
        room, "@alice:x", "!checkin start Still with us?\nevery: 1 week\nnudge: 1 day\ncloses: 2 days"
    )
    assert "A new round opens every 1 week; the next on Mon 1 Mar 2027, 09:00 GMT." in started.body
    bot.clock.set("2027-02-26 23:41", "Europe/London")
    assert not [p for p in await bot.run_due() if "Check-in C2" in p.body]
    bot.clock.set("2027-03-01 09:00", "Europe/London")
    assert [p for p in await bot.run_due() if "Check-in C2" in p.body]


async def test_at_sets_the_clock_time_rounds_open(bot):
    room = bot.room("@alice:x", "@bob:x", admins=["@alice:x"])
    started = await bot.say(
        room, "@alice:x", "!checkin start Here?\nevery: 1 week\nnudge: 1 day\ncloses: 2 days\nat: 9am"
    )
    assert "A new round opens every 1 week; the next on Tue 23 Feb 2027, 09:00 GMT." in started.body
    bad = await bot.say(
        room, "@alice:x", "!checkin start Here?\nevery: 1 week\nnudge: 1 day\ncloses: 2 days\nat: Friday"
    )
    assert "'at:' takes a time of day" in bad.body


async def test_results_without_an_id_find_the_rooms_only_closed_poll(bot):
    room = bot.room("@alice:x", "@bob:x", admins=["@alice:x"])
    await bot.say(room, "@alice:x", "!poll Call\n3pm 1 March\n3pm 2 March")
    await bot.say(room, "@bob:x", "!vote 2")
    await bot.send(room, "@alice:x", "m.room.message", {"msgtype": "m.text", "body": "!poll close"})
    await bot.run_due()
    shown = (await bot.say(room, "@bob:x", "!poll results")).body
    assert "no open poll" not in shown, shown
    assert "Call" in shown and "bob" in shown, shown
