"""Pure logic of the datepoll plugin: parsing, counting, the winner, rendering, iCalendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from matrixbot.plugins.datepoll.ical import winner_ics
from matrixbot.plugins.datepoll.model import (
    Ballot,
    Option,
    Poll,
    count_votes,
    duplicates,
    native_ballot,
    reminder_time,
)
from matrixbot.plugins.datepoll.parse import keycap_number, parse_choices, parse_proposal, split_busy
from matrixbot.plugins.datepoll.render import native_poll, render_poll, render_results

from matrixbot.api.arguments import Body
from matrixbot.errors import UserError
from matrixbot.time import FakeClock, Scheduled, TimeParser, parse_working_hours

ZONE = "Europe/London"
TIMES = TimeParser(FakeClock("2024-02-20 12:00", ZONE))
OFFICE = parse_working_hours("Mon-Fri 09:00-18:00")


def option(number: int, text: str) -> Option:
    return Option(number, text, TIMES.parse(text, ZONE))


OPTIONS = (
    option(1, "3-4pm Monday 26th February 2024"),
    option(2, "3-4pm Tuesday 27th February 2024"),
    option(3, "3-4pm Wednesday 28th February 2024"),
)


def make_poll(title: str = "Call", options: tuple[Option, ...] = OPTIONS) -> Poll:
    now = datetime(2024, 2, 20, 12, tzinfo=UTC)
    return Poll(1, "!r:x", "@a:x", title, ZONE, now, None, "open", None, None, options)


def test_choices_yes_maybe_and_none():
    assert parse_choices("1 3 maybe 2", 3) == (frozenset({1, 3}), frozenset({2}))
    assert parse_choices("1,2", 3) == (frozenset({1, 2}), frozenset())
    assert parse_choices("none", 3) == (frozenset(), frozenset())


@pytest.mark.parametrize(
    ("text", "message"),
    [("4", "'4' is not an option"), ("1 maybe 1", "given twice"), ("", "Which options?"), ("soon", "'soon'")],
)
def test_bad_choices_are_refused(text, message):
    with pytest.raises(UserError, match=message):
        parse_choices(text, 3)


def test_keycaps_with_and_without_variation_selector():
    assert keycap_number("1️⃣") == 1 and keycap_number("3\u20e3") == 3 and keycap_number("🔟") == 10
    assert keycap_number("👍") is None


def test_most_yes_wins_then_most_maybe():
    ballots = [Ballot("@a", frozenset({1, 2})), Ballot("@b", frozenset({2}), frozenset({1})), Ballot("@c")]
    outcome = count_votes(OPTIONS, ballots)
    assert [o.number for o in outcome.winners] == [2]
    assert outcome.counts[0].yes == ("@a",) and outcome.counts[0].maybe == ("@b",)
    by_maybe = count_votes(OPTIONS, [Ballot("@a", frozenset({1, 3})), Ballot("@b", maybe=frozenset({3}))])
    assert [o.number for o in by_maybe.winners] == [3]


def test_equal_counts_are_a_tie_listed_earliest_first_and_no_votes_no_winner():
    outcome = count_votes(
        tuple(reversed(OPTIONS)), [Ballot("@a", frozenset({1})), Ballot("@b", frozenset({3}))]
    )
    assert outcome.is_tie and [o.number for o in outcome.winners] == [1, 3]
    assert count_votes(OPTIONS, [Ballot("@a")]).winners == ()


def test_native_response_replaces_the_vote_and_unknown_answers_are_no_vote():
    assert native_ballot("@a", ("1", "3"), 3) == Ballot("@a", frozenset({1, 3}))
    assert native_ballot("@a", ("9", "x"), 3) is None
    assert native_ballot("@a", (), 3) == Ballot("@a")


def test_duplicates_point_at_the_first():
    again = option(4, "Monday 26 February 2024 15:00-16:00")
    assert duplicates((*OPTIONS, again)) == {4: 1}


def test_reminder_a_day_before_or_halfway():
    start = datetime(2024, 2, 20, 12, tzinfo=UTC)
    day_before = reminder_time(start, start + timedelta(days=3), ZONE, None)
    assert day_before == Scheduled(start + timedelta(days=2), start + timedelta(days=2))
    halfway = reminder_time(start, start + timedelta(hours=10), ZONE, OFFICE)
    assert halfway == Scheduled(start + timedelta(hours=5), start + timedelta(hours=5)), (
        "17:00: a working hour"
    )
    assert reminder_time(start, start, ZONE, None) is None


def london(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(ZONE)).astimezone(UTC)


def test_a_reminder_out_of_hours_moves_to_working_hours_before_the_deadline():
    # closes Monday 10:00: the day-before nudge (Sunday 10:00) moves to Monday 09:00
    monday = reminder_time(london("2024-02-23 20:00"), london("2024-02-26 10:00"), ZONE, OFFICE)
    assert monday == Scheduled(london("2024-02-26 09:00"), london("2024-02-25 10:00"))
    # closes Sunday noon: Monday is too late, so the nudge goes at the start of Friday's hours
    friday = reminder_time(london("2024-02-22 12:00"), london("2024-02-25 12:00"), ZONE, OFFICE)
    assert friday == Scheduled(london("2024-02-23 09:00"), london("2024-02-24 12:00"))
    # ...unless the poll was made after that: then there is no nudge at a useful time
    assert reminder_time(london("2024-02-23 10:00"), london("2024-02-25 12:00"), ZONE, OFFICE) is None
    # with working hours off it stays at Saturday noon
    off = reminder_time(london("2024-02-23 10:00"), london("2024-02-25 12:00"), ZONE, None)
    assert off == Scheduled(london("2024-02-24 12:00"), london("2024-02-24 12:00"))


def test_proposal_flags_the_typo_with_its_suggestion():
    body = Body(
        "3-4pm Monday 26th February 2024\n3-4pm Tuesday 5th March 2014\ncloses: Friday 23rd February 2024 5pm"
    )
    proposal = parse_proposal("MoU call", body, TIMES, ZONE)
    typo = proposal.options[1][1]
    weekday = next(p for p in typo.problems if p.kind == "weekday")
    assert weekday.suggestion is not None and weekday.suggestion.start.year == 2024
    assert proposal.closes == datetime(2024, 2, 23, 17, tzinfo=UTC)


DAY = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@pytest.mark.parametrize("year", range(2024, 2037))
@pytest.mark.parametrize("today", ["01-02 09:00", "02-20 12:00", "03-01 18:00"])
def test_the_seed_typo_is_corrected_within_the_polls_own_span_whatever_the_clock(
    year: int, today: str
) -> None:
    """Options 11 and 13 March of year Y and one "Tuesday 5th March (Y-10)": the fix lies among the
    options, in year Y: 5 March Y when it is a Tuesday, else both same-year readings, the nearest
    Tuesday and 5 March on its own weekday. (It was 5 March of the nearest year where it is a
    Tuesday: up to 6 years from every option.)"""
    times = TimeParser(FakeClock(f"{year}-{today}", ZONE))
    first, second = date(year, 3, 11), date(year, 3, 13)
    lines = [f"3-4pm {DAY[d.weekday()]} {d.day} March {year}" for d in (first, second)]
    typo = f"3-4pm Tuesday 5th March {year - 10}"
    proposal = parse_proposal("MoU call", Body("\n".join([lines[0], typo, lines[1]])), times, ZONE)
    [problem] = [p for p in proposal.options[1][1].problems if p.kind in ("weekday", "far")]
    fifth = date(year, 3, 5)
    tuesday = fifth + timedelta(days=(1 - fifth.weekday() + 3) % 7 - 3)
    if fifth == tuesday:
        assert "did you mean Tuesday 5 March " + str(year) + "?" in problem.message
    else:
        meant = f"Tuesday {tuesday.day} March {year} or {DAY[fifth.weekday()]} 5 March {year}?"
        assert f"did you mean {meant}" in problem.message
    assert problem.suggestion is not None and problem.suggestion.start.date() == tuesday


def test_an_option_years_from_the_others_is_asked_about_even_with_the_right_weekday():
    """ "Tuesday 2nd March 2032" among options in March 2027: 2 March 2032 is a Tuesday, but it is
    5 years from every other option."""
    times = TimeParser(FakeClock("2027-01-10 09:00", ZONE))
    body = Body("3pm Tuesday 2 March 2027\n3pm Thursday 4 March 2027\n3pm Tuesday 2nd March 2032")
    proposal = parse_proposal("Call", body, times, ZONE)
    assert [p.kind for _, when in proposal.options[:2] for p in when.problems] == []
    [far] = proposal.options[2][1].problems
    assert far.kind == "far"
    assert far.message == ("2 March 2032 is 5 years from the other dates; did you mean Tuesday 2 March 2027?")
    two = parse_proposal("Call", Body("3pm 4 March 2027\n3pm 2 March 2032"), times, ZONE)
    assert two.options[0][1].problems == (), "of two options far apart, the one nearer today is kept"
    assert [p.kind for p in two.options[1][1].problems] == ["far"]
    months = parse_proposal("Call", Body("4 March 2027\n5 March 2027\n1 December 2027"), times, ZONE)
    assert months.options[2][1].problems[0].message == (
        "1 December 2027 is 9 months from the other dates: is that the date you meant?"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("3pm Monday 26th February 2024", "needs 2 to 20 options"),
        ("\n".join(f"{n}:00 26 February 2024" for n in range(1, 22)), "I found 21"),
        ("26 Feb 2024\nwhenever\n27 Feb 2024", "line 3: "),
        ("26 Feb 2024\n27 Feb 2024\ncloses: 1 January 2024", "line 4: '1 January 2024' is already past"),
        ("26 Feb 2024\n27 Feb 2024\nclses: 25 Feb 2024", "did you mean 'closes:'"),
        (
            "26 Feb 2024\n27 Feb 2024\ncloses: Friday 24 Feb 2024 5pm",
            "line 4: 24 February 2024 is a Saturday",
        ),
    ],
)
def test_bad_proposals_are_refused_naming_the_line(body, message):
    with pytest.raises(UserError, match=message):
        parse_proposal("Call", Body(body), TIMES, ZONE)


def test_busy_title_is_everything_before_the_dates():
    title, when = split_busy("Workers Co-op Weekend 17-19 May 2024", TIMES, ZONE)
    assert title == "Workers Co-op Weekend" and when.all_day
    with pytest.raises(UserError, match="could not find a date"):
        split_busy("Festival soon", TIMES, ZONE)


def test_user_text_is_escaped_in_every_html_body():
    poll = make_poll("<i>x</i> & co")
    assert "<i>" not in render_poll(poll, "!") and "&lt;i&gt;x&lt;/i&gt; &amp; co" in render_poll(poll, "!")
    html = render_results(poll, count_votes(poll.options, [Ballot("@a")]), ["@b"], lambda u: f"<{u}>")
    assert "<@a>" not in html and "&lt;@b&gt;" in html


def test_native_poll_shape():
    content = native_poll(make_poll())
    start = content["org.matrix.msc3381.poll.start"]
    assert start["max_selections"] == 3 and [a["id"] for a in start["answers"]] == ["1", "2", "3"]
    assert content["body"].startswith("\u2068Call\u2069\n1. Mon 26 Feb 2024, 15:00–16:00 GMT")


def test_ics_of_a_timed_and_an_all_day_winner():
    now = datetime(2024, 2, 24, tzinfo=UTC)
    event = Calendar.from_ical(winner_ics("Call", OPTIONS[0], "u1", now)).walk("VEVENT")[0]
    assert event.decoded("dtstart") == datetime(2024, 2, 26, 15, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2024, 2, 26, 16, tzinfo=UTC)
    summer = Calendar.from_ical(winner_ics("Away", option(1, "17-19 May 2024"), "u2", now)).walk("VEVENT")[0]
    assert str(summer.decoded("dtstart")) == "2024-05-17" and str(summer.decoded("dtend")) == "2024-05-20"
