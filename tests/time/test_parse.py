"""Reading dates, times, ranges and durations the way people write them in chat."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from matrixbot.time import FakeClock, TimeParseError, TimeParser, When, format_time

LONDON = "Europe/London"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(text: str, zone: str = LONDON) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


@pytest.fixture(scope="module")
def warm_parser() -> TimeParser:
    parser = TimeParser(FakeClock("2024-02-20 12:00", LONDON))
    parser.warm()
    return parser


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock("2024-02-20 12:00", LONDON)


@pytest.fixture
def parser(clock: FakeClock, warm_parser: TimeParser) -> TimeParser:
    return TimeParser(clock)


def kinds(when: When) -> list[str]:
    return [problem.kind for problem in when.problems]


POLL = [
    ("3-4pm Monday 26th February 2024", "2024-02-26"),
    ("3-4pm Tuesday 27th February 2024", "2024-02-27"),
    ("3-4pm Wednesday 28th February 2024", "2024-02-28"),
    ("3-4pm Thursday 29th February 2024", "2024-02-29"),
    ("3-4pm Monday 4th March 2024", "2024-03-04"),
    ("3-4pm Wednesday 6th March 2024", "2024-03-06"),
    ("3-4pm Thursday 7th March 2024", "2024-03-07"),
]


@pytest.mark.parametrize(("text", "day"), POLL)
def test_cotech_poll_options_are_15_to_16_utc_with_no_problems(
    parser: TimeParser, text: str, day: str
) -> None:
    when = parser.parse(text, LONDON)
    assert (when.start_utc, when.end_utc) == (utc(f"{day} 15:00"), utc(f"{day} 16:00"))
    assert when.zone == LONDON and not when.all_day and when.problems == ()
    assert when.start.tzinfo == ZoneInfo(LONDON)


def test_cotech_poll_typo_keeps_the_date_written_and_flags_weekday_and_past(parser: TimeParser) -> None:
    when = parser.parse("3-4pm Tuesday 5th March 2014", LONDON)
    assert (when.start_utc, when.end_utc) == (utc("2014-03-05 15:00"), utc("2014-03-05 16:00"))
    assert sorted(kinds(when)) == ["past", "weekday"]
    weekday = next(p for p in when.problems if p.kind == "weekday")
    assert weekday.message == (
        "5 March 2014 was a Wednesday, not a Tuesday; did you mean Tuesday 5 March 2024?"
    )
    assert weekday.suggestion is not None
    assert (weekday.suggestion.start_utc, weekday.suggestion.end_utc) == (
        utc("2024-03-05 15:00"),
        utc("2024-03-05 16:00"),
    )
    assert weekday.suggestion.problems == ()
    past = next(p for p in when.problems if p.kind == "past")
    assert "in the past" in past.message and "2014" in past.message


@pytest.fixture
def dateparser_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts handed to dateparser (the costly step of a parse), in order.

    How long a parse takes is measured by `make bench` ("parsed"); here, that the work stays small."""
    from dateparser.date import DateDataParser

    reads: list[str] = []
    original = DateDataParser.get_date_data

    def counted(self: DateDataParser, date_string: str, *args: Any, **kwargs: Any) -> Any:
        reads.append(date_string)
        return original(self, date_string, *args, **kwargs)

    monkeypatch.setattr(DateDataParser, "get_date_data", counted)
    return reads


def test_a_poll_option_with_a_whole_date_needs_no_dateparser_read(
    parser: TimeParser, dateparser_reads: list[str]
) -> None:
    for text in [text for text, _ in POLL] + ["3-4pm Tuesday 5th March 2014", "3-4pm Feb 26 2024"]:
        parser.parse(text, LONDON)
    assert dateparser_reads == []
    for text in ["3-4pm next Monday", "3-4pm 26/02/2024"]:
        parser.parse(text, LONDON)
    assert dateparser_reads == ["next monday", "26/02/2024"], "one read for any other form"


@settings(max_examples=300, deadline=None)
@given(
    clock=st.sampled_from(["3-4pm ", "", "15:00 on ", "all day "]),
    weekday=st.sampled_from(["", "Mon ", "Tuesday ", "wed, ", "Thurs ", "Friday ", "sat ", "Sunday, "]),
    day=st.integers(0, 32),
    suffix=st.sampled_from(["", "th", "st"]),
    month=st.sampled_from(["January", "feb", "Sept", "september", "Dec", "june", "Mai"]),
    year=st.integers(1899, 2101),
    month_first=st.booleans(),
)
def test_a_whole_date_reads_as_dateparser_reads_it(
    warm_parser: TimeParser,
    clock: str,
    weekday: str,
    day: int,
    suffix: str,
    month: str,
    year: int,
    month_first: bool,
) -> None:
    """The dateparser-free read of a whole date gives what dateparser gives, problems included."""
    written = f"{month} {day}{suffix}" if month_first else f"{day}{suffix} {month}"
    text = f"{clock}{weekday}{written} {year}"
    fast, slow = _outcome(warm_parser, text, exact=True), _outcome(warm_parser, text, exact=False)
    assert fast == slow


def _outcome(parser: TimeParser, text: str, *, exact: bool) -> object:
    with contextlib.ExitStack() as stack:
        if not exact:
            stack.enter_context(mock.patch("matrixbot.time.parse.exact_date", return_value=None))
        try:
            return parser.parse(text, LONDON)
        except TimeParseError as exc:
            return exc.message


@pytest.mark.parametrize(
    ("text", "start", "end", "all_day"),
    [
        ("3pm-4pm Monday 26th February 2024", "2024-02-26 15:00", "2024-02-26 16:00", False),
        ("Tuesday 2nd July 3pm", "2024-07-02 15:00", None, False),
        ("2 July 2024 15:00-16:30", "2024-07-02 15:00", "2024-07-02 16:30", False),
        ("15:00 - 16:30 on 2 July 2024", "2024-07-02 15:00", "2024-07-02 16:30", False),
        ("15:00 – 16:30 on 2 July 2024", "2024-07-02 15:00", "2024-07-02 16:30", False),
        ("from 3pm to 4:30pm on 2 July 2024", "2024-07-02 15:00", "2024-07-02 16:30", False),
        ("between 3 and 4pm on 2 July 2024", "2024-07-02 15:00", "2024-07-02 16:00", False),
        ("tomorrow 9am", "2024-02-21 09:00", None, False),
        ("next Friday", "2024-02-23 00:00", "2024-02-24 00:00", True),
        ("17th-19 May 2024", "2024-05-17 00:00", "2024-05-20 00:00", True),
        ("17-19 May 2024", "2024-05-17 00:00", "2024-05-20 00:00", True),
        ("10th-11th July 2024", "2024-07-10 00:00", "2024-07-12 00:00", True),
        ("Fri 17 - Sun 19 May 2024", "2024-05-17 00:00", "2024-05-20 00:00", True),
        ("May 17-19 2024", "2024-05-17 00:00", "2024-05-20 00:00", True),
        ("31 May - 2 June 2024", "2024-05-31 00:00", "2024-06-03 00:00", True),
        ("30 Dec - 2 Jan", "2024-12-30 00:00", "2025-01-03 00:00", True),
        ("June", "2024-06-01 00:00", "2024-07-01 00:00", True),
        ("June 2024", "2024-06-01 00:00", "2024-07-01 00:00", True),
        ("Friday 23rd February 2024 5pm", "2024-02-23 17:00", None, False),
        ("Thursday 13th June 2024 6pm", "2024-06-13 18:00", None, False),
        ("Monday 10th June 2024", "2024-06-10 00:00", "2024-06-11 00:00", True),
        ("11am-1pm tomorrow", "2024-02-21 11:00", "2024-02-21 13:00", False),
        ("11-1pm tomorrow", "2024-02-21 11:00", "2024-02-21 13:00", False),
        ("9-5pm tomorrow", "2024-02-21 09:00", "2024-02-21 17:00", False),
        ("3pm-4 tomorrow", "2024-02-21 15:00", "2024-02-21 16:00", False),
        ("12-2pm tomorrow", "2024-02-21 12:00", "2024-02-21 14:00", False),
        ("noon-2pm tomorrow", "2024-02-21 12:00", "2024-02-21 14:00", False),
        ("12:30-1:30 tomorrow", "2024-02-21 12:30", "2024-02-21 13:30", False),
        ("10pm-2am Friday 23 February 2024", "2024-02-23 22:00", "2024-02-24 02:00", False),
        ("11pm-midnight tomorrow", "2024-02-21 23:00", "2024-02-22 00:00", False),
        ("2024-07-02 15:00", "2024-07-02 15:00", None, False),
        ("2/7/2024", "2024-07-02 00:00", "2024-07-03 00:00", True),
        ("5.30pm tomorrow", "2024-02-21 17:30", None, False),
        ("noon tomorrow", "2024-02-21 12:00", None, False),
        ("tomorrow 12:00", "2024-02-21 12:00", None, False),
        ("3-4pm", "2024-02-20 15:00", "2024-02-20 16:00", False),
        ("the 5th", "2024-03-05 00:00", "2024-03-06 00:00", True),
        ("3pm on the 5th", "2024-03-05 15:00", None, False),
        ("tomorrow at 15", "2024-02-21 15:00", None, False),
        ("17 May 3pm - 19 May 11am", "2024-05-17 15:00", "2024-05-19 11:00", False),
        ("10am Monday - 11am Tuesday", "2024-02-26 10:00", "2024-02-27 11:00", False),
        ("2024-05-17 - 2024-05-19", "2024-05-17 00:00", "2024-05-20 00:00", True),
        ("Mon 26 Feb 2024 15:00 - 16:00 GMT", "2024-02-26 15:00", "2024-02-26 16:00", False),
    ],
)
def test_forms_people_write(
    parser: TimeParser, text: str, start: str, end: str | None, all_day: bool
) -> None:
    when = parser.parse(text, LONDON)
    assert when.start == local(start)
    assert when.end == (None if end is None else local(end))
    assert when.all_day is all_day
    assert "past" not in kinds(when)


def test_times_are_whole_seconds_and_relative_to_the_clock(parser: TimeParser, clock: FakeClock) -> None:
    clock.advance(0.7)
    when = parser.parse("in 30 seconds", LONDON)
    assert when.start_utc == utc("2024-02-20 12:00:30") and when.end is None
    assert parser.parse("in 10 minutes", LONDON).start_utc == utc("2024-02-20 12:10")
    assert parser.parse("in 1h30m", LONDON).start_utc == utc("2024-02-20 13:30")
    assert parser.parse("now", LONDON).start_utc == utc("2024-02-20 12:00")
    assert parser.parse("tomorrow 9am", LONDON).start.microsecond == 0


def test_in_days_keeps_the_wall_clock_across_a_clock_change(parser: TimeParser, clock: FakeClock) -> None:
    clock.set("2024-03-30 12:00", LONDON)
    assert parser.parse("in 1 day", LONDON).start == local("2024-03-31 12:00")
    assert parser.parse("in 24 hours", LONDON).start == local("2024-03-31 13:00")
    assert parser.parse("in 3 months", LONDON).start == local("2024-06-30 12:00")


def test_a_yearless_date_is_the_next_one(parser: TimeParser, clock: FakeClock) -> None:
    assert parser.parse("Tuesday 2nd July", LONDON).start == local("2024-07-02 00:00")
    clock.set("2024-07-10 16:00", LONDON)
    when = parser.parse("Tuesday 2nd July 3pm", LONDON)
    assert when.start == local("2025-07-02 15:00")
    assert kinds(when) == ["weekday"]  # 2 July 2025 is a Wednesday
    assert "past" not in kinds(parser.parse("10 July", LONDON))
    assert parser.parse("10 July", LONDON).start == local("2024-07-10 00:00")


def test_a_month_is_the_next_one_unless_it_is_under_way(parser: TimeParser, clock: FakeClock) -> None:
    clock.set("2024-06-15 12:00", LONDON)
    assert parser.parse("June", LONDON).start == local("2024-06-01 00:00")
    clock.set("2024-07-10 12:00", LONDON)
    when = parser.parse("June", LONDON)
    assert (when.start, when.end) == (local("2025-06-01 00:00"), local("2025-07-01 00:00"))


@pytest.mark.parametrize(
    ("text", "suggested"),
    [
        ("Tuesday 6th March 2024", "2024-03-05"),
        ("Tuesday 5th March 2025 3pm", "2024-03-05"),
        ("Friday 17 - Sunday 19 May 2023", "2024-05-17"),
    ],
)
def test_wrong_weekday_suggests_the_nearest_date_that_fits(
    parser: TimeParser, text: str, suggested: str
) -> None:
    when = parser.parse(text, LONDON)
    problem = next(p for p in when.problems if p.kind == "weekday")
    assert problem.suggestion is not None
    assert problem.suggestion.start.date().isoformat() == suggested
    assert problem.suggestion.start.weekday() == {"Tue": 1, "Fri": 4}[text[:3]]


def test_a_weekday_that_matches_is_not_a_problem(parser: TimeParser) -> None:
    assert parser.parse("Tues 5 Mar 2024 3pm", LONDON).problems == ()
    assert parser.parse("Thurs 7 Mar 2024", LONDON).problems == ()


def test_past_times_are_flagged_unless_the_past_is_wanted(parser: TimeParser) -> None:
    assert kinds(parser.parse("2 hours ago", LONDON)) == ["past"]
    assert kinds(parser.parse("19 February 2024", LONDON)) == ["past"]
    assert kinds(parser.parse("20 February 2024", LONDON)) == []  # today is not over
    assert parser.parse("19 February 2024", LONDON, future=False).problems == ()
    assert parser.parse("yesterday 3pm", LONDON, future=False).start == local("2024-02-19 15:00")


def test_unreadable_text_is_named_after_one_read(parser: TimeParser, dateparser_reads: list[str]) -> None:
    with pytest.raises(TimeParseError) as caught:
        parser.parse("blursday 3pm", LONDON)
    assert dateparser_reads == ["blursday 3pm"], "no search through other readings of the text"
    assert caught.value.message.startswith("I could not read 'blursday 3pm' as a date or time")
    assert "'blursday' is not a word I know" in caught.value.message
    assert "tomorrow 9am" in caught.value.message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("4-3pm tomorrow", "end comes before the start"),
        ("19-17 May 2024", "is not after the start"),
        ("3-4 Monday", "can't tell morning from afternoon"),
        ("3pm-", "one range"),
        ("", "Give me a date"),
        ("13pm tomorrow - 2pm", "'13pm' in '13pm tomorrow - 2pm' is not a time of day"),
        ("25:00 tomorrow", "is not a time of day"),
        ("tomorrow 9am 3-4pm", "should name a single day"),
        ("blursday 3-4pm", "'blursday' in 'blursday 3-4pm'"),
        ("tomorrow at 3", "'at 3' in the morning or the afternoon"),
        ("3-4pm Thursday 29th February 2025", "There is no 29 February 2025"),
    ],
)
def test_invalid_inputs(parser: TimeParser, text: str, words: str) -> None:
    with pytest.raises(TimeParseError, match=words):
        parser.parse(text, LONDON)


def test_unknown_zone_is_refused(parser: TimeParser) -> None:
    with pytest.raises(TimeParseError, match="Europe/London"):
        parser.parse("tomorrow 9am", "Mars/Olympus_Mons")


def test_a_time_the_clocks_skip_is_refused_saying_why(parser: TimeParser) -> None:
    with pytest.raises(TimeParseError) as caught:
        parser.parse("1:30am Sunday 31 March 2024", LONDON)
    assert "does not exist in Europe/London" in caught.value.message
    assert "clocks go forward from 01:00 to 02:00 that night" in caught.value.message


def test_the_night_the_clocks_go_back_has_a_three_hour_1am_to_3am(parser: TimeParser) -> None:
    when = parser.parse("1am-3am Sunday 27 October 2024", LONDON)
    assert when.duration == timedelta(hours=3)
    assert (when.start_utc, when.end_utc) == (utc("2024-10-27 00:00"), utc("2024-10-27 03:00"))
    assert kinds(when) == ["ambiguous_fold"]
    assert "happens twice" in when.problems[0].message
    assert "01:00 BST" in when.problems[0].message


def test_a_zone_word_in_the_text_wins(parser: TimeParser) -> None:
    assert parser.parse("Tue 5 Mar 2024, 15:00 BST", LONDON).start_utc == utc("2024-03-05 14:00")
    assert parser.parse("15:00 CEST 2 July 2024", LONDON).start_utc == utc("2024-07-02 13:00")
    assert parser.parse("15:00 UTC+05:30 5 March 2024", LONDON).start_utc == utc("2024-03-05 09:30")
    second = parser.parse("1:30am GMT Sunday 27 October 2024", LONDON)
    assert second.start_utc == utc("2024-10-27 01:30") and second.problems == ()
    assert str(second.start.tzinfo) == LONDON


def test_other_zones_read_wall_time_in_that_zone(parser: TimeParser) -> None:
    when = parser.parse("3-4pm Tuesday 5 March 2024", "America/New_York")
    assert when.start_utc == utc("2024-03-05 20:00") and when.zone == "America/New_York"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 hour", timedelta(hours=1)),
        ("90 minutes", timedelta(minutes=90)),
        ("1h30m", timedelta(minutes=90)),
        ("1 hour 30 minutes", timedelta(minutes=90)),
        ("1 hour and 30 minutes", timedelta(minutes=90)),
        ("1.5 hours", timedelta(minutes=90)),
        ("an hour and a half", timedelta(minutes=90)),
        ("half an hour", timedelta(minutes=30)),
        ("2 days", timedelta(days=2)),
        ("1 week", timedelta(weeks=1)),
        ("a fortnight", timedelta(weeks=2)),
        ("30s", timedelta(seconds=30)),
        ("Two Days", timedelta(days=2)),
    ],
)
def test_durations(parser: TimeParser, text: str, expected: timedelta) -> None:
    assert parser.parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("0 minutes", "longer than zero"),
        ("-5 minutes", "'-5 minutes'"),
        ("5 parsecs", "'parsecs'"),
        ("1 hour 30", "'30' in '1 hour 30'"),
        ("soon", "'soon'"),
        ("3 months", "months vary"),
        ("", "Give a length"),
        ("99999999999 weeks", "too long"),
    ],
)
def test_bad_durations_name_the_bad_part(parser: TimeParser, text: str, words: str) -> None:
    with pytest.raises(TimeParseError, match=words):
        parser.parse_duration(text)


def test_duration_lists(parser: TimeParser) -> None:
    expected = [timedelta(days=1), timedelta(minutes=10)]
    assert parser.parse_durations("1 day, 10 minutes") == expected
    assert parser.parse_durations("1 day and 10 minutes") == expected
    assert parser.parse_durations("1 day, and 10 minutes") == expected
    assert parser.parse_durations("an hour and a half, 2 days") == [timedelta(minutes=90), timedelta(days=2)]
    with pytest.raises(TimeParseError, match="'soon'"):
        parser.parse_durations("1 day, soon")


def test_periods_allow_months_and_years(parser: TimeParser) -> None:
    assert parser.parse_period("3 months") == relativedelta(months=3)
    assert parser.parse_period("2 weeks") == relativedelta(days=14)
    assert parser.parse_period("1 year") == relativedelta(years=1)
    with pytest.raises(TimeParseError, match="whole number"):
        parser.parse_period("1.5 months")
    with pytest.raises(TimeParseError, match="longer than zero"):
        parser.parse_period("0 months")


ZONES = ["Europe/London", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "UTC"]


@settings(max_examples=150, deadline=None)
@given(
    minutes=st.integers(min_value=0, max_value=6 * 365 * 24 * 60),
    zone=st.sampled_from([*ZONES, "America/Sao_Paulo", "Asia/Kathmandu"]),
)
def test_a_formatted_time_reads_back_as_the_same_instant(
    warm_parser: TimeParser, minutes: int, zone: str
) -> None:
    instant = utc("2024-02-21 00:00") + timedelta(minutes=minutes)
    text = format_time(instant, zone)
    when = warm_parser.parse(text, zone)
    assert when.start_utc == instant, text
    assert [p.kind for p in when.problems] in ([], ["ambiguous_fold"])


@settings(max_examples=150, deadline=None)
@given(
    days=st.integers(0, 30),
    hours=st.integers(0, 23),
    minutes=st.integers(0, 59),
    seconds=st.integers(0, 59),
)
def test_durations_round_trip(
    warm_parser: TimeParser, days: int, hours: int, minutes: int, seconds: int
) -> None:
    delta = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")]
    text = "".join(f"{n}{unit}" for n, unit in parts if n)
    if not text:
        with pytest.raises(TimeParseError):
            warm_parser.parse_duration("0s")
        return
    assert warm_parser.parse_duration(text) == delta
    spaced = " and ".join(f"{n} {unit}" for n, unit in parts if n)
    assert warm_parser.parse_duration(spaced) == delta


def test_alone_a_year_typo_is_corrected_to_a_date_still_ahead():
    """Seen later (here in November 2026), 'Tuesday 5th March 2014' alone is not corrected to the
    past 5 March 2024, but to the next 5 March on a Tuesday: 2030."""
    parser = TimeParser(FakeClock("2026-11-25 09:00", "Europe/London"))
    when = parser.parse("3-4pm Tuesday 5th March 2014", "Europe/London")
    weekday = next(p for p in when.problems if p.kind == "weekday")
    assert "did you mean Tuesday 5 March 2030?" in weekday.message
    assert weekday.suggestion is not None and weekday.suggestion.start.date().isoformat() == "2030-03-05"


def weekday_message(when: When) -> str:
    return next(p.message for p in when.problems if p.kind == "weekday")


def test_with_dates_around_it_the_suggestion_is_the_one_closest_to_them():
    """Among options in 2027, 'Tuesday 2nd March 2033' meant 2027 (not 2032); among options in
    2030, 'Tuesday 5th March 2014' meant 2030 (not 2024, itself past); with the options all past,
    the past year closest to them."""
    parser = TimeParser(FakeClock("2026-11-25 09:00", "Europe/London"))
    around = [date(2027, 3, 1), date(2027, 3, 4)]
    when = parser.parse("Tuesday 2nd March 2033 3pm", LONDON, near=around)
    assert "did you mean Tuesday 2 March 2027?" in weekday_message(when)
    around = [date(2030, 3, 4), date(2030, 3, 6)]
    when = parser.parse("Tuesday 5th March 2014 3pm", LONDON, near=around)
    assert "did you mean Tuesday 5 March 2030?" in weekday_message(when)
    around = [date(2024, 2, 26), date(2024, 3, 4)]
    when = parser.parse("Tuesday 5th March 2014 3pm", LONDON, near=around)
    assert "did you mean Tuesday 5 March 2024?" in weekday_message(when)


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("Friday 20th October 2029", "2029-10-26"),  # 0 for 6; no other single digit makes a Friday
        ("Wednesday 29th October 2029", "2029-10-24"),
        ("Friday 31st July 2029", "2029-08-31"),  # the month: 7 for 8
    ],
)
def test_a_single_digit_slip_in_the_day_or_month_is_caught_when_the_weekday_says_which(text, meant):
    parser = TimeParser(FakeClock("2029-01-10 09:00", LONDON))
    when = parser.parse(text, LONDON)
    weekday = next(p for p in when.problems if p.kind == "weekday")
    assert weekday.suggestion is not None
    assert weekday.suggestion.start.date().isoformat() == meant


def test_an_ambiguous_slip_is_not_guessed():
    """ "Tuesday 7th March 2029": 6 and 27 are both one digit away and Tuesdays, so neither is
    guessed from the digits; the nearest Tuesday, 6 March, is suggested."""
    parser = TimeParser(FakeClock("2029-01-10 09:00", LONDON))
    assert parser.parse("Tuesday 6th March 2029", LONDON).problems == ()
    assert "did you mean Tuesday 6 March 2029?" in weekday_message(
        parser.parse("Tuesday 7th March 2029", LONDON)
    )


def test_an_offset_no_zone_has_is_refused_with_a_reply(parser: TimeParser) -> None:
    """Found by the bad-input fuzzer: "gmt - 99" raised a ValueError out of the parser."""
    with pytest.raises(TimeParseError, match="is not a UTC offset"):
        parser.parse("gmt - 99", LONDON)
    assert parser.parse("3pm utc+2", LONDON).start_utc.hour == 13
