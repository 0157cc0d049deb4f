"""What a room's feed holds, read by two independent parsers (icalendar with recurring_ical_events,
and Mozilla's ical.js on node): meetings with their repeat, skips, zone and call link; gatherings
with place and places left; open deadlines; never an access code. Each occurrence the parsers
expand is one the bot itself schedules, across the change to summer time and a skip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from matrixbot.plugins.meetings import Meetings

from matrixbot.testing.fakebot import FakeBot
from matrixbot.time import FakeClock
from tests.calendar.feeds import ALICE, BOB, address_of, calendar_bot, events, expanded, get, icaljs_read

LONDON = ZoneInfo("Europe/London")
WINDOW = (datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 5, 1, tzinfo=UTC))
CODE = "486072"


@pytest.fixture
async def bot(fake_bot) -> FakeBot:
    return await calendar_bot(fake_bot, FakeClock("2024-03-01 12:00", "Europe/London"))


@pytest.fixture
async def room(bot: FakeBot) -> str:
    room = bot.room(ALICE, BOB, admins=[ALICE])
    await bot.say(
        room,
        ALICE,
        "!meeting Planning call\nwhen: Tuesday 5 March 2024 3pm\nrepeat: weekly\n"
        f"url: https://meet.example.coop/plan\ncode: {CODE}",
    )
    await bot.say(room, ALICE, "!meeting skip M1")
    await bot.say(
        room,
        ALICE,
        "!signup new Repair café\nwhen: 16 March 2024 2pm-5pm\nwhere: Town hall, Leeds\nplaces: 10",
    )
    await bot.say(room, BOB, "!signup attend S1")
    await bot.say(
        room,
        ALICE,
        "!poll Spring social\n7pm Fri 22 March 2024\n7pm Sat 23 March 2024\ncloses: 15 March 2024 5pm",
    )
    return room


async def bot_occurrences(bot: FakeBot, end: datetime) -> list[datetime]:
    """M1's occurrences as the meetings plugin itself works them out, without the skipped one."""
    meeting = await bot.plugin(Meetings).store.get(1)
    assert meeting is not None and meeting.repeat is not None
    found, at = [], meeting.first_at
    while at < end:
        found.append(at.astimezone(UTC))
        following = meeting.following(at)
        assert following is not None
        at = following
    skipped = datetime(2024, 3, 5, 15, tzinfo=UTC)  # GMT: 15:00 local
    return [t for t in found if t != skipped]


async def test_the_feed_holds_meetings_gatherings_and_deadlines(bot, room):
    feed = await get(await address_of(bot, room, BOB))
    assert feed.status == 200 and feed.headers["content-type"] == "text/calendar; charset=utf-8"
    found = events(feed.body)
    meeting = next(e for uid, e in found.items() if uid.startswith("M1.meetings."))
    assert meeting.summary == "Planning call"
    assert meeting.start == datetime(2024, 3, 5, 15, tzinfo=LONDON)
    assert b"DTSTART;TZID=Europe/London:20240305T150000" in feed.body
    assert [dict(r) for r in meeting.rrules] == [{"FREQ": ["WEEKLY"]}]
    assert meeting.exdates == [datetime(2024, 3, 5, 15, tzinfo=LONDON)]
    assert meeting.url == "https://meet.example.coop/plan"
    assert "https://meet.example.coop/plan" in (meeting.description or "")
    gathering = next(e for uid, e in found.items() if uid.startswith("S1.signups."))
    assert gathering.location == "Town hall, Leeds"
    assert "9 of 10 places left" in (gathering.description or "")
    deadline = next(e for uid, e in found.items() if uid.startswith("P1.datepoll."))
    assert deadline.summary == "Poll closes: Spring social"
    assert deadline.start == deadline.end == datetime(2024, 3, 15, 17, tzinfo=LONDON)
    assert deadline.transparency == "TRANSPARENT"
    zones = [z.tz_name for z in icalendar.Calendar.from_ical(feed.body).timezones]
    assert zones == ["Europe/London"]
    assert CODE not in feed.text


async def test_both_parsers_expand_the_repeat_as_the_bot_schedules_it_across_summer_time_and_a_skip(
    bot, room, tmp_path
):
    feed = await get(await address_of(bot, room, BOB))
    own = await bot_occurrences(bot, WINDOW[1])
    assert own[0] == datetime(2024, 3, 12, 15, tzinfo=UTC) and datetime(2024, 4, 2, 14, tzinfo=UTC) in own, (
        "15:00 local: GMT in March, BST (14:00 UTC) from 31 March"
    )
    python = expanded(feed.body, *WINDOW)
    uid = next(u for u in python if u.startswith("M1.meetings."))
    assert python[uid] == own, "recurring_ical_events expands the feed as the bot schedules M1"
    mozilla = await icaljs_read(feed.body, *WINDOW, tmp_path)
    assert mozilla["events"][uid]["occurrences"] == own, "ical.js expands the feed as the bot schedules M1"
    assert mozilla["events"][uid]["url"] == "https://meet.example.coop/plan"
    gathering = next(e for u, e in mozilla["events"].items() if u.startswith("S1.signups."))
    assert gathering["location"] == "Town hall, Leeds" and "9 of 10 places left" in gathering["description"]
    assert gathering["occurrences"] == [datetime(2024, 3, 16, 14, tzinfo=UTC)]


async def test_edits_skips_and_cancellations_show_on_the_next_fetch_with_a_higher_sequence(bot, room):
    url = await address_of(bot, room, BOB)
    before = {uid[:2]: e for uid, e in events((await get(url)).body).items()}
    await bot.say(room, ALICE, "!meeting edit M1\nwhen: Wednesday 6 March 2024 4pm")
    await bot.say(room, ALICE, "!meeting skip M1")
    await bot.send(room, ALICE, "m.room.message", {"msgtype": "m.text", "body": "!poll close P1"})
    await bot.run_due()  # the result is posted by a job, at once
    after = {uid[:2]: e for uid, e in events((await get(url)).body).items()}

    assert set(after) == set(before), "the same UIDs: calendars update the events, not duplicate them"
    m1 = after["M1"]
    assert m1.start == datetime(2024, 3, 6, 16, tzinfo=LONDON)
    assert m1.exdates == [datetime(2024, 3, 6, 16, tzinfo=LONDON)], (
        "the skip before the edit was of the old series; this one is of the new"
    )
    assert m1.sequence > before["M1"].sequence
    assert after["P1"].status == "CANCELLED" and after["P1"].sequence > before["P1"].sequence
    assert after["S1"].sequence == before["S1"].sequence, "an unchanged item keeps its sequence"

    await bot.say(room, ALICE, "!meeting cancel M1")
    cancelled = {uid[:2]: e for uid, e in events((await get(url)).body).items()}
    assert cancelled["M1"].status == "CANCELLED"
    bot.clock.advance(timedelta(days=31))
    later = {uid[:2] for uid in events((await get(url)).body)}
    assert "M1" not in later and "P1" not in later, "a cancelled item stays a while, then goes"


async def test_a_revealed_access_code_is_never_in_the_feed_or_the_page(bot, room):
    url = await address_of(bot, room, BOB)
    bot.clock.set("2024-03-12 14:55", "Europe/London")
    reminders = await bot.run_due()
    assert any(CODE in p.body for p in reminders), "the code was revealed in the room"
    meeting = await bot.plugin(Meetings).store.get(1)
    assert meeting is not None and meeting.code_revealed
    for answer in (await get(url), await get(url.removesuffix(".ics"))):
        assert answer.status == 200 and CODE not in answer.text
