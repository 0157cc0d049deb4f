"""A command handled twice (the process died before its event was marked handled) makes its thing
once and is answered once, in every plugin (`matrixbot.make_once`)."""

import pytest
from matrixbot.plugins.checkins import Checkins
from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.meetings import Meetings
from matrixbot.plugins.meetings.migrations import MIGRATIONS
from matrixbot.plugins.signups import Signups

from matrixbot.testing.fakebot import FakeBot
from matrixbot.time import FakeClock

COMMANDS = [
    ("!poll Call\n3-4pm Monday 26th February 2024\n3-4pm Tuesday 27th February 2024", "datepoll_polls"),
    ("!meeting Standup\nwhen: tomorrow 3pm", "meetings_meetings"),
    ("!remind tomorrow 9am water the plants", "meetings_reminders"),
    ("!signup new Bake sale\nwhen: 13 June 2024 6pm", "signups_lists"),
    ("!checkin start Still here?", "checkins_series"),
]


@pytest.mark.parametrize(("text", "table"), COMMANDS, ids=[t for _, t in COMMANDS])
async def test_a_command_handled_twice_makes_one_thing_and_one_answer(tmp_path, storage, caplog, text, table):
    clock = FakeClock("2024-02-20 12:00", "Europe/London")
    bot = await FakeBot.create(
        tmp_path, plugins=[Checkins, DatePoll, Meetings, Signups], clock=clock, **storage.config()
    )
    try:
        room = bot.room("@alice:x", "@bob:x", admins=["@alice:x"])
        answer = await bot.say(room, "@alice:x", text)
        jobs = await bot.database.fetch_value("SELECT COUNT(*) FROM jobs")
        assert "went wrong" not in answer.body
        caplog.clear()
        again = await bot.replay(answer)  # a failure would be answered on the same transaction id: unseen
        assert not [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
        assert await bot.database.fetch_value(f"SELECT COUNT(*) FROM {table}") == 1
        assert await bot.database.fetch_value(f"SELECT source_event FROM {table}") == answer.reply_to
        assert await bot.database.fetch_value("SELECT COUNT(*) FROM jobs") == jobs
        assert again == [], "the answer went out again"
    finally:
        await bot.stop()


async def test_the_meetings_tables_keep_what_made_their_rows_when_the_column_is_renamed(storage):
    db = await storage.open()
    try:
        rename = next(n for n, m in enumerate(MIGRATIONS) if "RENAME COLUMN origin_event" in str(m))
        await db.migrate("meetings", MIGRATIONS[:rename])
        await db.execute(
            "INSERT INTO meetings_reminders (room_id, creator, text, due_at, zone, first_at, origin_event) "
            "VALUES ('!r', '@a:x', 'tea', 0, 'UTC', 0, '$old')"
        )
        assert await db.migrate("meetings", MIGRATIONS) == len(MIGRATIONS) - rename
        assert await db.fetch_value("SELECT source_event FROM meetings_reminders") == "$old"
    finally:
        await db.close()
