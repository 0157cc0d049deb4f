"""The dates the bot takes: no day a calendar lacks, years from 1970 to ten ahead; deadlines; a base instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from matrixbot.errors import DateRefused
from matrixbot.time import FakeClock, TimeParseError, TimeParser

LONDON = "Europe/London"


@pytest.fixture
def parser() -> TimeParser:
    return TimeParser(FakeClock("2027-03-01 09:00", LONDON))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31st November", "There is no 31 November: it has 30 days."),
        ("31st November 9am", "There is no 31 November: it has 30 days."),
        ("November 31", "There is no 31 November: it has 30 days."),
        ("the 31st of November", "There is no 31 November: it has 30 days."),
        ("Sat 31 Nov 3-4pm", "There is no 31 November: it has 30 days."),
        ("30th February", "There is no 30 February: it has 28 days, 29 in a leap year."),
        ("29 February 2027", "There is no 29 February 2027: February 2027 has 28 days."),
        ("31 April 2028 3pm", "There is no 31 April 2028: it has 30 days."),
        ("2027-11-31", "There is no 31 November 2027: it has 30 days."),
        ("31/11/2027", "There is no 31 November 2027: it has 30 days."),
        ("30 - 31 November", "There is no 31 November: it has 30 days."),
    ],
)
def test_a_day_that_does_not_exist_is_named(parser: TimeParser, text: str, message: str) -> None:
    with pytest.raises(DateRefused) as caught:
        parser.parse(text, LONDON)
    assert caught.value.message == message


def test_29_february_without_a_year_is_the_next_one(parser: TimeParser) -> None:
    assert parser.parse("29 February", LONDON).start.date().isoformat() == "2028-02-29"


def test_a_cut_through_a_day_that_does_not_exist_is_found(parser: TimeParser) -> None:
    words = ["31st", "November", "9am", "invoices"]
    assert parser.split_day(words, 1) == "There is no 31 November: it has 30 days."
    assert parser.split_day(words, 2) is None, "the whole date is on one side"
    assert parser.split_day(["tomorrow", "9am", "pay", "31", "November"], 2) is None
    assert parser.split_day(["Party", "30", "February"], 2) is not None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5 March 1969", "Wed 5 Mar 1969 is before 1970: give a date from 1 January 1970 on."),
        (
            "2 March 2037 3pm",
            "Mon 2 Mar 2037 is more than 10 years ahead: give a date up to 1 March 2037.",
        ),
        ("in 11 years", "is more than 10 years ahead"),
        ("31 December 9999", "is more than 10 years ahead"),
        ("1 January 1900 - 1 March 2027", "before 1970"),
        ("1 March 2027 - 1 March 2040", "more than 10 years ahead"),
        ("in 10000 years", "more than 10 years away"),
    ],
)
def test_years_far_out_are_refused_with_a_sentence(parser: TimeParser, text: str, message: str) -> None:
    with pytest.raises(DateRefused, match=message):
        parser.parse(text, LONDON)


def test_ten_years_ahead_and_1970_are_taken(parser: TimeParser) -> None:
    assert parser.parse("1 March 2037", LONDON).start.year == 2037
    assert parser.parse("1 January 1970", LONDON, future=False).start.year == 1970


T0 = datetime(2027, 3, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 weeks", T0 + timedelta(weeks=2)),
        ("in 2 weeks", T0 + timedelta(weeks=2)),
        ("40 seconds", T0 + timedelta(seconds=40)),
        ("in 40 seconds", T0 + timedelta(seconds=40)),
        ("1h30m", T0 + timedelta(hours=1, minutes=30)),
        ("1 month", datetime(2027, 4, 1, 8, tzinfo=UTC)),  # 09:00 on 1 April, BST
        ("14 June", datetime(2027, 6, 14, 23, tzinfo=UTC)),  # the end of 14 June, BST
        ("Friday 5pm", datetime(2027, 3, 5, 17, tzinfo=UTC)),
        ("tomorrow", datetime(2027, 3, 3, 0, tzinfo=UTC)),
    ],
)
def test_a_deadline_is_read_the_same_way_for_every_plugin(
    parser: TimeParser, text: str, expected: datetime
) -> None:
    assert parser.parse_deadline(text, LONDON) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("yesterday", "'yesterday' is already past"),
        ("0 seconds", "'0 seconds' is already past"),
        ("Tuesday 5 March 2027", "5 March 2027 is a Friday, not a Tuesday"),
        ("31 November", "There is no 31 November"),
        ("in 20 years", "more than 10 years ahead"),
        ("whenever", "could not read 'whenever'"),
    ],
)
def test_a_deadline_that_cannot_be_is_refused(parser: TimeParser, text: str, message: str) -> None:
    with pytest.raises(TimeParseError, match=message):
        parser.parse_deadline(text, LONDON)


def test_a_past_deadline_suggests_one_the_parser_takes(parser: TimeParser) -> None:
    with pytest.raises(TimeParseError) as caught:
        parser.parse_deadline("yesterday", LONDON)
    suggested = caught.value.message.split("or '")[1].split("'")[0]
    assert parser.parse_deadline(suggested, LONDON) > T0


def test_relative_times_count_from_the_base_instant_given(parser: TimeParser) -> None:
    """The lead passes the time a command was sent: "in 60 seconds" counts from then."""
    sent = T0 - timedelta(seconds=50)
    assert parser.parse("in 60 seconds", LONDON, now=sent).start_utc == sent + timedelta(seconds=60)
    assert parser.parse_deadline("60 seconds", LONDON, now=sent) == sent + timedelta(seconds=60)
    late = parser.parse("9am", LONDON, now=datetime(2027, 3, 1, 8, 59, tzinfo=UTC))
    assert late.start_utc == T0 and late.problems == (), "9:00 was ahead when the command was sent"
    assert parser.parse("tomorrow", LONDON, now=datetime(2027, 2, 27, 12, tzinfo=UTC)).start.day == 28
