"""meetings' commands on the fake transport: refusals, bad input, codes kept out of rooms, repeats
across a clock change, and scheduling from a poll. Reminders sent on time, after downtime and with
reactions go through the homeserver (test_plugin.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.meetings import Meetings

from matrixbot.testing.fakebot import FakeBot
from matrixbot.testing.pytest_plugin import MakeFakeBot
from matrixbot.time import FakeClock

CODE = "486072"


async def _due_times(bot: FakeBot, prefix: str) -> list[datetime]:
    plugin = bot.plugin(Meetings)
    return [job.due_at for job in await plugin.jobs.pending(prefix) if job.handler in ("remind", "reminder")]


async def test_permissions_bad_input_and_code_by_direct_message(fake_bot: MakeFakeBot) -> None:
    bot = await fake_bot(plugins=[Meetings])
    alice, bob = "@alice:x", "@bob:x"
    room = bot.room(alice, bob, admins=[alice], bot_level=0)  # the bot may not remove messages here
    bad = await bot.say(room, alice, "!meeting Call\nwhen: tomorrow 3pm\nrepeat: every blue moon")
    assert "Line 3 (repeat:)" in bad.body
    assert "No upcoming meetings" in (await bot.say(room, alice, "!meetings")).body

    made = await bot.say(room, alice, f"!meeting Call\nwhen: tomorrow 3pm\ncode: {CODE}")
    assert CODE not in made.body and "I may not remove it" in made.body and "direct message" in made.body
    refused = await bot.say(room, bob, "!meeting cancel M1")
    assert refused.body == "Only alice (its organiser) or a room admin can cancel M1."
    in_room = await bot.say(room, alice, "!meeting code M1 111222")
    assert "direct message" in in_room.body and "111222" not in in_room.body
    typo = await bot.say(room, alice, "!meeting code 333444")
    assert "direct message" in typo.body and "333444" not in typo.body

    bob_dm, alice_dm = bot.room(bob), bot.room(alice)
    assert "Only alice (its organiser)" in (await bot.say(bob_dm, bob, "!meeting code M1 999999")).body
    set_code = await bot.say(alice_dm, alice, "!meeting code M1 777888")
    assert "is set" in set_code.body and "777888" not in set_code.body
    shown = await bot.say(room, bob, "!meeting")
    assert "777888" not in shown.body and CODE not in shown.body and "••••••" in shown.body

    cancelled = await bot.say(room, alice, "!meeting cancel M1")
    assert "Cancelled M1" in cancelled.body
    assert await _due_times(bot, "m1:") == []


async def test_weekly_meeting_keeps_local_time_across_end_of_bst(fake_bot: MakeFakeBot) -> None:
    clock = FakeClock("2024-10-20 12:00", "Europe/London")
    bot = await fake_bot(plugins=[Meetings], clock=clock)
    room = bot.room("@alice:x")
    made = await bot.say(
        room, "@alice:x", "!meeting Weekly call\nwhen: Thursday 24 October 2024 3pm\nrepeat: weekly"
    )
    assert "Thu 24 Oct 2024, 15:00 BST" in made.body and "every week" in made.body
    clock.set("2024-10-24 15:00:01", "Europe/London")
    await bot.run_due()
    moved = await bot.say(room, "@alice:x", "!meeting M1")
    assert "Thu 31 Oct 2024, 15:00 GMT" in moved.body
    skipped = await bot.say(room, "@alice:x", "!meeting skip")
    assert "Next: Thu 7 Nov 2024, 15:00 GMT" in skipped.body
    services = bot.plugin(Meetings).services
    busy = await services.busy(room, datetime(2024, 10, 28, tzinfo=UTC), datetime(2024, 11, 10, tzinfo=UTC))
    assert [(b.title, b.start, b.source) for b in busy] == [
        ("Weekly call", datetime(2024, 11, 7, 15, tzinfo=UTC), "meeting M1")
    ]
    upload = await bot.say(room, "@alice:x", "!meeting ics M1")
    assert upload.msgtype == "m.file" and upload.body == "meeting-M1.ics"
    assert bot.fake.uploads[upload.content["url"]].startswith(b"BEGIN:VCALENDAR")


async def test_from_poll_needs_the_datepoll_plugin(fake_bot: MakeFakeBot) -> None:
    bot = await fake_bot(plugins=[Meetings])
    reply = await bot.say(bot.room("@alice:x"), "@alice:x", "!meeting from-poll P1")
    assert "datepoll plugin is not installed" in reply.body


async def test_from_poll_schedules_the_winning_date(fake_bot: MakeFakeBot) -> None:
    bot = await fake_bot(plugins=[DatePoll, Meetings], clock=FakeClock("2024-02-20 12:00", "Europe/London"))
    room = bot.room("@alice:x")
    await bot.say(
        room,
        "@alice:x",
        "!poll Co-op call\n3-4pm Monday 26th February 2024\n3-4pm Tuesday 27th February 2024",
    )
    await bot.say(room, "@alice:x", "!vote 2")
    still_open = await bot.say(room, "@alice:x", "!meeting from-poll P1")
    assert "still open" in still_open.body
    closing = await bot.send(
        room, "@alice:x", "m.room.message", {"msgtype": "m.text", "body": "!poll close P1"}
    )
    closing += await bot.run_due()  # the close is a job, run at once
    assert any("is closed" in p.body for p in closing), [p.body for p in closing]
    made = await bot.say(room, "@alice:x", "!meeting from-poll P1\nurl: https://meet.example.coop/coop")
    assert "M1" in made.body and "Co-op call" in made.body
    assert (
        "Tue 27 Feb 2024, 15:00 GMT (for 1 hour)" in made.body
        and "https://meet.example.coop/coop" in made.body
    )


async def test_an_edit_without_lines_says_what_it_takes(fake_bot: MakeFakeBot) -> None:
    bot = await fake_bot(plugins=[Meetings])
    room = bot.room("@alice:x")
    await bot.say(room, "@alice:x", "!meeting Call\nwhen: tomorrow 3pm")
    edit = await bot.say(room, "@alice:x", "!meeting edit M1")
    assert edit.body.startswith("Say what to change, one 'key: value' per line (keys: title, when,")
    assert "Usage: !meeting edit [ID]" in edit.body
