"""The signups plugin's pure parts: places and waitlists, running order, parsing, rendering, files."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from matrixbot.plugins.signups.export import to_csv, to_ics
from matrixbot.plugins.signups.model import (
    Details,
    Entry,
    Sheet,
    SignupList,
    allocate,
    changes,
    closing_reason,
    gathering_end,
    is_current,
    reminder_due,
    reorder,
    talk_starts,
)
from matrixbot.plugins.signups.parse import MAX_TOPIC, check_topic, parse_edit, parse_new
from matrixbot.plugins.signups.render import render_list, render_moved, render_overview, render_reminder

from matrixbot.api.arguments import Body
from matrixbot.api.exports import spreadsheet_safe
from matrixbot.errors import UserError
from matrixbot.time import FakeClock, TimeParser

ZONE = "Europe/London"
NOW = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def times() -> TimeParser:
    return TimeParser(FakeClock("2024-06-01 10:00", ZONE))


def details(times: TimeParser, **changes: object) -> Details:
    base = Details(
        "Tech chats", times.parse("Thursday 13th June 2024 6pm", ZONE), "Space4", talks=2, places=2
    )
    return Details(**{**base.__dict__, **changes})


def attend(n: int, user: str | None = None) -> Entry:
    return Entry(n, user or f"@u{n}:x", "attend")


def talk(n: int, position: int | None = None) -> Entry:
    return Entry(n, f"@t{n}:x", "talk", f"topic {n}", position if position is not None else n)


def names(user: str) -> str:
    return user[1:].split(":")[0]


# -- places and waitlists ----------------------------------------------------------------------


def test_first_come_first_served_then_waitlist_in_order():
    alloc = allocate([attend(3), attend(1), attend(2), talk(4)], talks=1, places=2)
    assert [e.id for e in alloc.attendees] == [1, 2]
    assert [e.id for e in alloc.waitlist] == [3]
    assert [e.id for e in alloc.speakers] == [4] and not alloc.talk_waitlist


def test_no_places_limit_means_nobody_waits():
    alloc = allocate([attend(n) for n in range(1, 50)], talks=0, places=None)
    assert len(alloc.attendees) == 49 and not alloc.waitlist


def test_withdrawal_promotes_the_first_waiting():
    before = allocate([attend(1), attend(2), attend(3), attend(4)], talks=0, places=2)
    after = allocate([attend(1), attend(3), attend(4)], talks=0, places=2)
    moved = changes(before, after)
    assert [e.id for e in moved.promoted] == [3] and not moved.demoted


def test_shrinking_moves_the_newest_to_the_front_of_the_waitlist():
    entries = [attend(1), attend(2), attend(3), attend(4)]
    before = allocate(entries, talks=0, places=3)
    after = allocate(entries, talks=0, places=1)
    moved = changes(before, after)
    assert [e.id for e in moved.demoted] == [2, 3]
    assert [e.id for e in after.waitlist] == [2, 3, 4]


def test_talk_waitlist_promotes_into_the_end_of_the_running_order():
    before = allocate([talk(1, 2), talk(2, 1), talk(3, 3)], talks=2, places=None)
    assert [e.id for e in before.speakers] == [2, 1]
    after = allocate([talk(1, 2), talk(3, 3)], talks=2, places=None)
    assert [e.id for e in after.speakers] == [1, 3]
    assert [e.id for e in changes(before, after).promoted] == [3]


def test_people_counts_a_person_once():
    alloc = allocate([talk(1), Entry(2, "@t1:x", "attend"), attend(3)], talks=1, places=5)
    assert alloc.people() == ["@t1:x", "@u3:x"]


def test_reorder_moves_one_talk():
    speakers = (talk(1), talk(2), talk(3))
    assert reorder(speakers, 3, 1) == [3, 1, 2]
    assert reorder(speakers, 1, 3) == [2, 3, 1]
    with pytest.raises(UserError, match="There is no talk 4: the running order has 3 talks"):
        reorder(speakers, 4, 1)


# -- times -------------------------------------------------------------------------------------


def test_talk_starts_follow_the_slot(times):
    d = details(times, slot=timedelta(minutes=15))
    starts = [None if s is None else s.strftime("%H:%M") for s in talk_starts(d, 3)]
    assert starts == ["17:00", "17:15", "17:30"]  # UTC
    assert talk_starts(details(times), 2) == [None, None]


def test_reminder_a_day_before_and_at_nine_for_all_day(times):
    assert reminder_due(times.parse("Thursday 13th June 2024 6pm", ZONE)) == datetime(
        2024, 6, 12, 17, tzinfo=UTC
    )
    assert reminder_due(times.parse("June 2024", ZONE)) == datetime(2024, 5, 31, 8, tzinfo=UTC)


def test_end_of_a_gathering(times):
    assert gathering_end(details(times)) == datetime(2024, 6, 13, 19, tzinfo=UTC)
    slotted = details(times, slot=timedelta(minutes=30), talks=3)
    assert gathering_end(slotted) == datetime(2024, 6, 13, 18, 30, tzinfo=UTC)
    assert gathering_end(details(times, when=times.parse("June 2024", ZONE))) == datetime(
        2024, 6, 30, 23, tzinfo=UTC
    )


def test_closing_reasons_and_current(times):
    signup_list = SignupList(1, "!r", "@o:x", details(times, closes_at=datetime(2024, 6, 10, 23, tzinfo=UTC)))
    assert closing_reason(signup_list, NOW) is None
    assert closing_reason(signup_list, datetime(2024, 6, 11, tzinfo=UTC)) == "Sign-ups for S1 have closed."
    closed = SignupList(1, "!r", "@o:x", signup_list.details, closed=True)
    assert closing_reason(closed, NOW) == "S1 is closed."
    assert is_current(signup_list, NOW) and not is_current(closed, NOW)
    assert not is_current(signup_list, datetime(2024, 6, 14, tzinfo=UTC))


# -- parsing -----------------------------------------------------------------------------------


def test_parse_new_list(times):
    body = Body(
        "when: Thursday 13th June 2024 6pm\nwhere: Space4, London\ntalks: 4\nplaces: 30\n"
        "closes: Monday 10th June 2024\nslot: 15 minutes"
    )
    d = parse_new("Tech chats at Space4", body, times, ZONE)
    assert (d.title, d.where, d.talks, d.places) == ("Tech chats at Space4", "Space4, London", 4, 30)
    assert d.closes_at == datetime(2024, 6, 10, 23, tzinfo=UTC)  # the end of that day, London time
    assert d.slot == timedelta(minutes=15)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("where: x", "'when:' is missing"),
        ("when: 1 May 2024 6pm", "line 2: Wed 1 May 2024, 18:00 BST is in the past"),
        ("when: Friday 13th June 2024 6pm", "line 2: 13 June 2024 is a Thursday"),
        ("when: 13 June 2024 6pm\ntalks: many", "line 3: 'talks:' must be a number"),
        ("when: 13 June 2024 6pm\nplaces: 0", "line 3: 'places:' must be from 1"),
        (
            "when: 13 June 2024 6pm\nclses: 12 June 2024",
            "line 3: unknown key 'clses:'; did you mean 'closes:'",
        ),
        ("when: 13 June 2024 6pm\ncloses: 14 June 2024", "line 3: sign-ups must close before"),
        ("when: June 2024\nslot: 10 minutes", "line 3: talk slots need a start time"),
    ],
)
def test_parse_new_refuses_naming_the_line(times, text, error):
    with pytest.raises(UserError) as refused:
        parse_new("T", Body(text), times, ZONE)
    assert error in refused.value.message


def test_parse_edit_changes_and_clears(times):
    current = details(times, closes_at=datetime(2024, 6, 10, tzinfo=UTC))
    changed = parse_edit(Body("places: 1\ncloses: none\ntitle: New name"), current, times)
    assert (changed.places, changed.closes_at, changed.title) == (1, None, "New name")
    assert changed.when == current.when
    unlimited = parse_edit(Body("places: unlimited"), current, times)
    assert unlimited.places is None
    with pytest.raises(UserError, match="Say what to change"):
        parse_edit(Body(""), current, times)


def test_topic_length_is_checked():
    assert check_topic("  Books  ") == "Books"
    assert check_topic("x" * MAX_TOPIC) == "x" * MAX_TOPIC
    with pytest.raises(UserError, match="That topic is 301 characters long; a topic may have at most 300"):
        check_topic("x" * 301)
    with pytest.raises(UserError, match="topic is missing"):
        check_topic(" ")


# -- rendering and files -----------------------------------------------------------------------


def sheet_for(times: TimeParser, entries: list[Entry], **changes: object) -> Sheet:
    return Sheet(SignupList(5, "!room:x", "@org:x", details(times, **changes), "$list"), tuple(entries))


def test_list_shows_running_order_waitlist_places_and_escapes(times):
    entries = [
        Entry(1, "@a:x", "talk", "<b>Co-ops</b> & you", 1),
        Entry(2, "@b:x", "talk", "Second", 2),
        Entry(3, "@c:x", "talk", "Third", 3),
        attend(4, "@d:x"),
        attend(5, "@e:x"),
        attend(6, "@f:x"),
    ]
    html = render_list(sheet_for(times, entries, slot=timedelta(minutes=15)), names, NOW, "!")
    assert "<bdi>Tech chats</bdi>" in html, "user values are isolated"
    html = html.replace("<bdi>", "").replace("</bdi>", "")
    assert "S5 Tech chats" in html and "When: Thu 13 Jun 2024, 18:00 BST" in html
    assert "&lt;b&gt;Co-ops&lt;/b&gt; &amp; you" in html and "<b>Co-ops</b>" not in html
    assert "18:00 BST a — " in html and "18:15 BST b — Second" in html
    assert "Waiting for a talk slot: c (Third)" in html
    assert "(2 of 2 places taken, 0 left): d, e" in html and "Waitlist: f" in html
    assert "react 🙋" in html


def test_list_shows_both_zones_for_a_member_elsewhere(times):
    html = render_list(sheet_for(times, []), names, NOW, "!", other_zone="America/New_York")
    assert "18:00 BST / 13:00 EDT" in html and "nobody yet" in html


def test_long_sections_are_cut_short(times):
    html = render_list(sheet_for(times, [attend(n) for n in range(1, 106)], places=None), names, NOW, "!")
    html = html.replace("<bdi>", "").replace("</bdi>", "")
    assert "(105 coming): u1, u2" in html and "u100 and 5 more" in html and "u101" not in html


def test_closed_list_says_so(times):
    sheet = Sheet(SignupList(5, "!r", "@o:x", details(times), "$e", closed=True))
    assert "S5 is closed." in render_list(sheet, names, NOW, "!")


def test_overview_and_messages(times):
    sheet = sheet_for(times, [attend(1, "@a:x")])
    overview = render_overview([sheet])
    assert "S5" in overview and "1 coming, 1 places left, 2 of 2 talk slots free" in overview
    assert "no open signup lists" in render_overview([])
    moved = render_moved(sheet.signup_list, [attend(1, "@a:x")], [], names)
    assert 'href="https://matrix.to/#/@a:x"' in moved and "@org:x" in moved and "moved up" in moved
    reminder = render_reminder(sheet, names, late="<br><i>This reminder was due …</i>")
    assert (
        reminder.endswith("</i>")
        and "<br><i>This reminder was due" in reminder
        and 'href="https://matrix.to/#/@a:x"' in reminder
    )


def test_csv_is_safe_against_formulas(times):
    entries = [Entry(1, "@a:x", "talk", '=HYPERLINK("http://evil")', 1), attend(2, "@b:x"), attend(3, "@c:x")]
    rows = list(csv.reader(io.StringIO(to_csv(sheet_for(times, entries, places=1), names).decode())))
    assert rows[0][:3] == ["list", "role", "status"]
    assert rows[1][2] == "confirmed" and rows[1][7] == '\'=HYPERLINK("http://evil")'
    assert rows[2][1:3] == ["attend", "confirmed"] and rows[3][1:3] == ["attend", "waiting"]
    assert [spreadsheet_safe(v) for v in ("+1", "-1", "@x", "ok", None)] == ["'+1", "'-1", "'@x", "ok", ""]


def test_ics_has_the_gathering(times):
    data = to_ics(sheet_for(times, [Entry(1, "@a:x", "talk", "Books", 1)]), names, NOW)
    event = Calendar.from_ical(data).walk("VEVENT")[0]
    assert str(event["summary"]) == "Tech chats" and str(event["location"]) == "Space4"
    assert event.decoded("dtstart") == datetime(2024, 6, 13, 17, tzinfo=UTC)
    assert "a: Books" in str(event["description"])
