"""Listings never fail on anything stored: dates in year 9999 or year 1 (put in the store by an older
version, or by hand) are shown, in zones east and west of UTC, and nobody gets "Sorry, something
went wrong" (it was an OverflowError, or "year 0 is out of range", in 11 listings).

New input cannot make such dates (they are refused, see tests/time/test_bounds.py), so the rows
are written straight into the store here."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from matrixbot.plugins.checkins import Checkins
from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.meetings import Meetings
from matrixbot.plugins.signups import Signups

from matrixbot.testing.fakebot import FakeBot
from matrixbot.testing.pytest_plugin import MakeFakeBot
from matrixbot.time import FakeClock

LATE = datetime(9999, 12, 31, 23, 59, tzinfo=UTC).timestamp()
EARLY = datetime(1, 1, 1, 0, 0, tzinfo=UTC).timestamp()
ALICE, BOB = "@alice:x", "@bob:x"
LISTINGS = [
    "!signups",
    "!signup S1",
    "!signup S2",
    "!reminders",
    "!reminder R1",
    "!meetings",
    "!meeting M1",
    "!meeting M2",
    "!polls",
    "!poll P1",
    "!poll results P1",
    "!busy",
    "!checkin status C1",
    "!checkin history @alice:x",
]


async def _store_far_dates(bot: FakeBot, room: str, zone: str) -> None:
    """One of each thing the bot lists, dated 31 Dec 9999 23:00 UTC (or 1 Jan year 1)."""
    remind = json.dumps([86400, 600])
    async with bot.database.transaction() as tx:
        for source, start, end in (("$s1", LATE, None), ("$s2", EARLY, EARLY)):
            await tx.execute(
                "INSERT INTO signups_lists (room_id, organiser, source_event, title, starts_at, ends_at, "
                "all_day, zone, talks, places, closes_at, slot_seconds) VALUES (?, ?, ?, ?, ?, ?, 0, ?, 2, 10, ?, 1200)",
                (room, ALICE, source, "Far", start, end, zone, start),
            )
        for position, user in enumerate((ALICE, BOB), 1):
            await tx.execute(
                "INSERT INTO signups_entries (list_id, user_id, kind, topic, position) VALUES (1, ?, 'talk', 'x', ?)",
                (user, position),
            )
        for due in (LATE, EARLY):
            await tx.execute(
                "INSERT INTO meetings_reminders (room_id, creator, text, due_at, zone, first_at) "
                "VALUES (?, ?, 'far', ?, ?, ?)",
                (room, ALICE, due, zone, due),
            )
        for start in (LATE, EARLY):
            await tx.execute(
                "INSERT INTO meetings_meetings (room_id, organiser, title, first_at, next_at, zone, duration_s, "
                "remind, notify, repeat, generation) VALUES (?, ?, 'far', ?, ?, ?, 3600, ?, '[]', ?, 1)",
                (room, ALICE, start, start, zone, remind, '{"freq": "WEEKLY", "interval": 1}'),
            )
        await tx.execute(
            "INSERT INTO datepoll_polls (room_id, source_event, creator, title, zone, created_at, closes_at) "
            "VALUES (?, '$p1', ?, 'far', ?, ?, ?)",
            (room, ALICE, zone, EARLY, LATE),
        )
        for number, (start, end, all_day) in enumerate(
            ((LATE, None, 0), (EARLY, LATE, 1), (LATE, LATE, 1)), 1
        ):
            await tx.execute(
                'INSERT INTO datepoll_options (poll_id, number, text, start, "end", all_day, notes) '
                "VALUES (1, ?, 'far', ?, ?, ?, '[]')",
                (number, start, end, all_day),
            )
        for start, end in ((LATE, LATE), (EARLY, EARLY)):
            await tx.execute(
                'INSERT INTO datepoll_busy (room_id, title, start, "end", all_day, zone, added_by) '
                "VALUES (?, 'far', ?, ?, 1, ?, ?)",
                (room, start, end, zone, ALICE),
            )
        await tx.execute(
            "INSERT INTO checkins_series (room_id, organiser, question, every, nudge_seconds, close_seconds, "
            "zone, first_at) VALUES (?, ?, 'Still here?', '3 months', 60, 120, ?, ?)",
            (room, ALICE, zone, EARLY),
        )
        await tx.execute(
            "INSERT INTO checkins_rounds (series_id, number, room_id, opened_at, closes_at) VALUES (1, 1, ?, ?, ?)",
            (room, EARLY, LATE),
        )
        await tx.execute(
            "INSERT INTO checkins_asked (round_id, user_id, away_until) VALUES (1, ?, ?)", (ALICE, LATE)
        )
        await tx.execute(
            "INSERT INTO checkins_answers (round_id, user_id, answered_at, note, via, event_id) "
            "VALUES (1, ?, ?, 'here', 'command', '$a1')",
            (ALICE, LATE),
        )
        await tx.execute(
            "INSERT INTO checkins_members (room_id, user_id, away_until) VALUES (?, ?, ?)",
            (room, ALICE, LATE),
        )


@pytest.mark.parametrize("zone", ["Pacific/Auckland", "America/Los_Angeles"])
async def test_every_listing_shows_dates_in_year_9999_and_year_1(fake_bot: MakeFakeBot, zone: str) -> None:
    bot = await fake_bot(
        plugins=[DatePoll, Meetings, Signups, Checkins],
        clock=FakeClock("2027-03-01 09:00", zone),
        timezone=zone,
    )
    room = bot.room(ALICE, BOB, admins=[ALICE])
    await _store_far_dates(bot, room, zone)
    failed = {}
    for command in LISTINGS:
        reply = await bot.say(room, ALICE, command)
        if "went wrong" in reply.body or not re.search(r"9999|Jan 1\b", reply.body):
            failed[command] = reply.body
    assert not failed, f"in {zone}: {failed}"
