"""The meetings plugin's pure logic: parsing, reminder slots, repeats across DST, rendering, iCalendar."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from matrixbot.plugins.meetings.ics import meeting_ics
from matrixbot.plugins.meetings.model import (
    DEFAULT_REMIND,
    apply_edit,
    is_thumbs_up,
    new_meeting,
    occurrences_between,
    slot_key,
    slots_for,
)
from matrixbot.plugins.meetings.parse import (
    EDIT_KEYS,
    Notify,
    mentions_code,
    parse_meeting,
    parse_reminder,
    read_notify,
)
from matrixbot.plugins.meetings.render import render_details, render_list, render_reminder, times_for

from matrixbot.api.arguments import Body
from matrixbot.errors import UserError
from matrixbot.time import FakeClock, TimeParser

LONDON = "Europe/London"
CODE = "486072"


def parser(now: str = "2024-06-20 12:00") -> tuple[TimeParser, FakeClock]:
    clock = FakeClock(now, LONDON)
    return TimeParser(clock), clock


def meeting_from(text: str, now: str = "2024-06-20 12:00"):
    times, _ = parser(now)
    fields = parse_meeting(Body(text), times, LONDON)
    return replace(new_meeting(fields, "!room:x", "@org:x", "Call"), id=3)


def test_full_example_parses():
    m = meeting_from(
        "when: Tuesday 2nd July 2024 3pm\nduration: 1 hour\nurl: https://meet.example.coop/cotech\n"
        f"code: {CODE}\nremind: 1 day, 10 minutes\nnotify: @polly:example.org @kawaiipunk:example.org\n"
        "repeat: every 2 weeks"
    )
    assert m.next_at == datetime(2024, 7, 2, 15, tzinfo=ZoneInfo(LONDON))
    assert m.duration == timedelta(hours=1) and m.code == CODE
    assert m.remind == (timedelta(days=1), timedelta(minutes=10))
    assert m.notify == ("@polly:example.org", "@kawaiipunk:example.org") and not m.notify_room
    assert m.repeat is not None and m.repeat.describe() == "every 2 weeks"


def test_only_when_is_required_and_remind_defaults():
    m = meeting_from("when: tomorrow 3pm")
    assert m.remind == DEFAULT_REMIND and m.code is None and m.repeat is None
    with pytest.raises(UserError, match="'when:' is missing"):
        meeting_from("url: https://x.example")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("repeat: every blue moon", "line 3 (repeat:)"),
        ("notify: polly", "line 3 (notify:): 'polly' is not a user"),
        ("url: meet.example", "line 3 (url:): expected a web address"),
        ("remind: soon", "line 3 (remind:)"),
        ("whne: x", "did you mean 'when:'"),
    ],
)
def test_errors_name_the_line(line, expected):
    with pytest.raises(UserError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        meeting_from(f"when: tomorrow 3pm\n{line}")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("@ann:x @bob:x", Notify(("@ann:x", "@bob:x"), room=False, organiser=True)),
        ("@ann:x, @room", Notify(("@ann:x",), room=True, organiser=True)),
        ("none", Notify((), room=False, organiser=False)),
        ("only @ann:x", Notify(("@ann:x",), room=False, organiser=False)),
        ("only @room", Notify((), room=True, organiser=False)),
    ],
)
def test_notify_mentions_the_organiser_unless_none_or_only(line, expected):
    assert read_notify(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"), [("none @ann:x", "write 'only' before them"), ("only", "only whom?")]
)
def test_notify_none_with_people_and_only_alone_are_refused(line, expected):
    with pytest.raises(UserError, match=expected):
        read_notify(line)


def test_past_time_and_code_errors_never_show_the_code():
    with pytest.raises(UserError, match=r"line 2 \(when:\).*past"):
        meeting_from("when: 1 June 2024 3pm")
    with pytest.raises(UserError) as refused:
        meeting_from("when: tomorrow 3pm\ncode: " + "9" * 80)
    assert "9999" not in str(refused.value) and "line 3 (code:)" in str(refused.value)
    assert mentions_code("when: x\nCode: 1") and not mentions_code("when: x\nurl: https://c.example/code:1")


def test_code_revealed_with_the_last_reminder_or_at_reveal():
    m = meeting_from(f"when: tomorrow 3pm\ncode: {CODE}")
    now = datetime(2024, 6, 20, 11, tzinfo=UTC)
    slots = slots_for(m, m.next_at, now)
    assert [(s.before, s.shows_code) for s in slots] == [
        (timedelta(days=1), False),
        (timedelta(minutes=10), True),
    ]
    revealed = replace(m, reveal=timedelta(minutes=30))
    slots = slots_for(revealed, m.next_at, now)
    assert [(s.before, s.shows_code) for s in slots] == [
        (timedelta(days=1), False),
        (timedelta(minutes=30), True),
        (timedelta(minutes=10), True),
    ]
    later = datetime(2024, 6, 21, 13, tzinfo=UTC)
    assert [s.before for s in slots_for(m, m.next_at, later)] == [timedelta(minutes=10)]
    assert slot_key(3, 1, slots[0]) != slot_key(3, 2, slots[0])


def test_code_set_after_its_reveal_time_is_posted_at_once():
    m = meeting_from("when: tomorrow 3pm")
    now = m.next_at - timedelta(minutes=4)
    assert slots_for(m, m.next_at, now) == []
    (slot,) = slots_for(replace(m, code=CODE), m.next_at, now)
    assert slot.due == now and slot.shows_code
    assert slots_for(replace(m, code=CODE, code_revealed=True), m.next_at, now) == []


def test_weekly_meeting_keeps_1500_across_end_of_bst():
    times, clock = parser("2024-10-20 12:00")
    fields = parse_meeting(Body("when: Thursday 24 October 2024 3pm\nrepeat: weekly"), times, LONDON)
    m = new_meeting(fields, "!r:x", "@o:x", "Call")
    clock.set("2024-10-24 15:00:01", LONDON)
    following = m.following(clock.now())
    assert following is not None
    local = following.astimezone(ZoneInfo(LONDON))
    assert (local.day, local.hour, local.tzname()) == (31, 15, "GMT")
    assert following.astimezone(UTC).hour == 15
    assert m.next_at.astimezone(UTC).hour == 14
    moved = replace(m, next_at=following)
    slot = slots_for(moved, following, clock.now())[-1]
    assert slot.due == following - timedelta(minutes=10)


def test_first_tuesday_repeat_moves_to_a_fitting_day_and_busy_times():
    m = meeting_from("when: Monday 1 July 2024 3pm\nrepeat: every first Tuesday\nduration: 90 minutes")
    assert m.next_at == datetime(2024, 7, 2, 15, tzinfo=ZoneInfo(LONDON))
    window = occurrences_between(m, datetime(2024, 7, 1, tzinfo=UTC), datetime(2024, 9, 30, tzinfo=UTC))
    assert [s.astimezone(ZoneInfo(LONDON)).day for s, _ in window] == [2, 6, 3]
    assert window[0][1] - window[0][0] == timedelta(minutes=90)


def test_edit_changes_fields_and_reanchors_on_a_new_time():
    m = meeting_from(f"when: tomorrow 3pm\ncode: {CODE}")
    times, _ = parser()
    fields = parse_meeting(
        Body("when: Monday 24 June 2024 4pm\ncode: 1234\nrepeat: weekly"),
        times,
        LONDON,
        keys=EDIT_KEYS,
        required=(),
    )
    edited = apply_edit(replace(m, code_revealed=True), fields)
    assert edited.next_at == datetime(2024, 6, 24, 16, tzinfo=ZoneInfo(LONDON)) == edited.first_at
    assert edited.code == "1234" and not edited.code_revealed and edited.title == "Call"
    cleared = parse_meeting(
        Body("url: none\ncode: none\nremind: none"), times, LONDON, keys=EDIT_KEYS, required=()
    )
    plain = apply_edit(replace(m, url="https://c.example"), cleared)
    assert (plain.url, plain.code, plain.remind, plain.next_at) == (None, None, (), m.next_at)


def test_rendering_hides_the_code_until_revealed_and_escapes():
    m = replace(
        meeting_from(f"when: tomorrow 3pm\ncode: {CODE}\nurl: https://c.example/a?b=1&c=2"), title="<i>x</i>"
    )
    now = datetime(2024, 6, 20, 11, tzinfo=UTC)
    slots = slots_for(m, m.next_at, now)
    details = render_details(m, slots, lambda d: times_for(d, LONDON, []), {})
    listing = render_list([(m, slots[0])], lambda d: times_for(d, LONDON, []))
    early = render_reminder(m, slots[0], now, "x", [], room=False, late_due=None)
    for html in (details, listing, early):
        assert CODE not in html and "&lt;i&gt;x&lt;/i&gt;" in html
    assert "revealed 10 minutes before the start" in details
    assert "posted 10 minutes before the start" in early
    last = render_reminder(
        m, slots[1], m.next_at - timedelta(minutes=10), "x", [], room=False, late_due="14:50"
    )
    assert CODE in last and "in 10 minutes" in last and "due 14:50" in last and "b=1&amp;c=2" in last
    assert CODE in render_details(replace(m, code_revealed=True), [], str, {})


def test_times_for_people_in_other_zones():
    moment = datetime(2024, 7, 2, 14, tzinfo=UTC)
    text = times_for(moment, LONDON, ["Europe/Berlin", "America/New_York", "Europe/Berlin"])
    assert text == "Tue 2 Jul 2024, 15:00 BST / 16:00 CEST / 10:00 EDT"


def test_ics_has_zone_rule_and_code_only_after_reveal():
    m = meeting_from(
        f"when: Tuesday 2 July 2024 3pm\ncode: {CODE}\nrepeat: every 2 weeks\nurl: https://c.example"
    )
    now = datetime(2024, 6, 20, tzinfo=UTC)
    data = meeting_ics(m, "example.org", now)
    text = data.decode()
    assert "DTSTART;TZID=Europe/London:20240702T150000" in text
    assert "BEGIN:VTIMEZONE" in text and "RRULE:FREQ=WEEKLY;INTERVAL=2" in text
    assert CODE not in text
    event = Calendar.from_ical(meeting_ics(replace(m, code_revealed=True), "example.org", now)).walk(
        "VEVENT"
    )[0]
    assert CODE in str(event["description"]) and str(event["summary"]) == "Call"


def test_simple_reminder_lines():
    times, clock = parser("2024-06-03 08:00")
    now = clock.now()
    soon = parse_reminder("in 10 minutes stand-up", times, LONDON, now)
    assert soon.due == now + timedelta(minutes=10) and soon.text == "stand-up" and soon.repeat is None
    invoices = parse_reminder("tomorrow 9am to send invoices", times, LONDON, now)
    assert (
        invoices.due == datetime(2024, 6, 4, 9, tzinfo=ZoneInfo(LONDON)) and invoices.text == "send invoices"
    )
    weekly = parse_reminder("every monday 10am weekly check", times, LONDON, now)
    assert weekly.due == datetime(2024, 6, 3, 10, tzinfo=ZoneInfo(LONDON)) and weekly.text == "weekly check"
    with pytest.raises(UserError, match="At what time"):
        parse_reminder("tomorrow send invoices", times, LONDON, now)
    with pytest.raises(UserError, match="could not find a time"):
        parse_reminder("send invoices", times, LONDON, now)


def test_thumbs_up_with_skin_tone():
    assert is_thumbs_up("👍") and is_thumbs_up("👍🏽") and not is_thumbs_up("👎")
