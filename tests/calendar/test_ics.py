"""The feed's iCalendar, written by hand, holds to the format: escaped text, no injected lines,
lines folded at 75 octets without splitting a character, repeats that calendar apps expand as the
bot does (a monthly repeat from the 31st, a yearly one from 29 February), UTC and all-day times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from matrixbot import CalendarItem, Recurrence
from matrixbot.calendar.ics import fold, render_ics
from matrixbot.calendar.ledger import Entry
from tests.calendar.feeds import events, expanded

STAMP = datetime(2024, 1, 1, tzinfo=UTC)


def feed(*items: CalendarItem, name: str = "Co-op") -> bytes:
    entries = [Entry(f"{i.key}.test", i, 0, STAMP, False, "x") for i in items]
    return render_ics(name, "Europe/London", entries, 2034)


def test_long_lines_are_folded_at_75_octets_without_splitting_a_character():
    title = "Réunion " + "é😀ü" * 40
    body = feed(CalendarItem("M1", title, STAMP, STAMP + timedelta(hours=1), "UTC"))
    for line in body.split(b"\r\n"):
        assert len(line) <= 75, line
        line.decode("utf-8")  # no character cut in two
    assert events(body)["M1.test"].summary == title
    assert fold("x" * 75) == "x" * 75 and fold("x" * 76) == "x" * 75 + "\r\n x"


def test_text_is_escaped_and_nothing_can_inject_a_line():
    title = "Budget, rota; and\\more\r\nEND:VEVENT\r\nBEGIN:VEVENT\x07\u202e"
    body = feed(
        CalendarItem("M1", title, STAMP, STAMP + timedelta(hours=1), "UTC", place="A; B, C", details="x\ny")
    )
    found = events(body)
    assert list(found) == ["M1.test"]
    assert found["M1.test"].summary == "Budget, rota; and\\more\nEND:VEVENT\nBEGIN:VEVENT"
    assert found["M1.test"].location == "A; B, C" and found["M1.test"].description == "x\ny"
    assert b"\x07" not in body and "\u202e".encode() not in body


def test_a_link_must_be_a_web_link():
    for url in ("javascript:alert(1)", "https://x.example/a\r\nX-INJECT:1", 'https://x.example/"><script>'):
        with pytest.raises(ValueError, match="http"):
            CalendarItem("M1", "Call", STAMP, STAMP, "UTC", url=url)


@pytest.mark.parametrize(
    ("first", "repeat"),
    [
        (datetime(2024, 1, 31, 15), Recurrence("MONTHLY")),
        (datetime(2024, 1, 30, 15), Recurrence("MONTHLY", 2)),
        (datetime(2024, 2, 29, 9), Recurrence("YEARLY")),
        (datetime(2024, 1, 2, 15), Recurrence("MONTHLY", 1, 1, -1)),
        (datetime(2024, 3, 31, 1, 30), Recurrence("WEEKLY", 1, 6)),  # 01:30 on the morning the clocks skip
    ],
)
def test_repeats_expand_as_the_bot_schedules_them(first, repeat):
    zone = ZoneInfo("Europe/London")
    start = repeat.next_after(first.replace(tzinfo=zone), first.replace(tzinfo=zone) - timedelta(seconds=1))
    body = feed(CalendarItem("M1", "Call", start, start + timedelta(hours=1), "Europe/London", repeat=repeat))
    own = [t.astimezone(UTC) for t in [start, *repeat.occurrences(start, start, 40)]]
    window = (start - timedelta(days=1), own[-1] + timedelta(minutes=1))
    assert expanded(body, *window)["M1.test"] == own


def test_utc_items_are_written_in_utc_and_all_day_items_as_dates():
    day = datetime(2024, 6, 1, tzinfo=ZoneInfo("Europe/Berlin"))
    body = feed(
        CalendarItem("U1", "In UTC", STAMP, STAMP + timedelta(hours=1), "UTC"),
        CalendarItem(
            "A1",
            "Fair",
            day,
            day + timedelta(days=2),
            "Europe/Berlin",
            all_day=True,
            repeat=Recurrence("YEARLY"),
            skipped=(day.replace(year=2025),),
        ),
    )
    assert b"DTSTART:20240101T000000Z" in body
    assert b"DTSTART;VALUE=DATE:20240601\r\nDTEND;VALUE=DATE:20240603" in body
    assert b"EXDATE;VALUE=DATE:20250601" in body
    calendar = icalendar.Calendar.from_ical(body)
    assert [z.tz_name for z in calendar.timezones] == [], "neither needs a VTIMEZONE"


def test_equal_entries_give_equal_bytes():
    item = CalendarItem("M1", "Call", STAMP, STAMP + timedelta(hours=1), "Europe/Paris")
    assert feed(item) == feed(item)
