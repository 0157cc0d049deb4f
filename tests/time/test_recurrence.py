"""Repeats in plain English, keeping the wall-clock time across clock changes."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from dateutil import rrule as dateutil_rrule
from hypothesis import given, settings
from hypothesis import strategies as st

from matrixbot.time import Recurrence, TimeParseError, parse_recurrence

LONDON = ZoneInfo("Europe/London")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("every week", Recurrence("WEEKLY")),
        ("weekly", Recurrence("WEEKLY")),
        ("Every 2 weeks", Recurrence("WEEKLY", 2)),
        ("every two weeks", Recurrence("WEEKLY", 2)),
        ("fortnightly", Recurrence("WEEKLY", 2)),
        ("every fortnight", Recurrence("WEEKLY", 2)),
        ("every monday", Recurrence("WEEKLY", weekday=0)),
        ("Mondays", Recurrence("WEEKLY", weekday=0)),
        ("every other Tuesday", Recurrence("WEEKLY", 2, weekday=1)),
        ("weekly on Fridays", Recurrence("WEEKLY", weekday=4)),
        ("every 2 weeks on thursday", Recurrence("WEEKLY", 2, weekday=3)),
        ("every monday 10am", Recurrence("WEEKLY", weekday=0, time=time(10))),
        ("every Monday at 15:30", Recurrence("WEEKLY", weekday=0, time=time(15, 30))),
        ("every first Tuesday", Recurrence("MONTHLY", weekday=1, nth=1)),
        ("every first Tuesday at 7pm", Recurrence("MONTHLY", weekday=1, nth=1, time=time(19))),
        ("every last friday", Recurrence("MONTHLY", weekday=4, nth=-1)),
        ("the last Friday of every month", Recurrence("MONTHLY", weekday=4, nth=-1)),
        ("second Tuesday of the month", Recurrence("MONTHLY", weekday=1, nth=2)),
        ("every 3rd wed of the month", Recurrence("MONTHLY", weekday=2, nth=3)),
        ("monthly", Recurrence("MONTHLY")),
        ("every month", Recurrence("MONTHLY")),
        ("every 3 months", Recurrence("MONTHLY", 3)),
        ("quarterly", Recurrence("MONTHLY", 3)),
        ("daily", Recurrence("DAILY")),
        ("every day", Recurrence("DAILY")),
        ("daily at noon", Recurrence("DAILY", time=time(12))),
        ("yearly", Recurrence("YEARLY")),
        ("every year", Recurrence("YEARLY")),
    ],
)
def test_parse_recurrence(text: str, expected: Recurrence) -> None:
    assert parse_recurrence(text) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("every blursday", "could not read 'every blursday' as a repeat"),
        ("every second Tuesday", "every other Tuesday or the second one"),
        ("every 0 weeks", "'0'"),
        ("every week at 25:00", "not a time of day"),
        ("sometimes", "Try 'weekly'"),
    ],
)
def test_parse_recurrence_errors_say_what_was_expected(text: str, words: str) -> None:
    with pytest.raises(TimeParseError, match=words):
        parse_recurrence(text)


def test_weekly_meeting_keeps_15_00_local_across_the_end_of_british_summer_time() -> None:
    first = local("2024-10-15 15:00")
    got = parse_recurrence("weekly").occurrences(first, first, 3)
    assert got == [local("2024-10-22 15:00"), local("2024-10-29 15:00"), local("2024-11-05 15:00")]
    assert [d.astimezone(UTC).hour for d in got] == [14, 15, 15]
    assert all(d.tzinfo == LONDON for d in got)


def test_next_after_is_strictly_after() -> None:
    weekly = Recurrence("WEEKLY")
    first = local("2024-10-15 15:00")
    assert weekly.next_after(first, first) == local("2024-10-22 15:00")
    assert weekly.next_after(first, first - timedelta(seconds=1)) == first
    assert weekly.next_after(first, local("2024-01-01 00:00")) == first
    assert weekly.next_after(first, local("2024-10-22 15:00").astimezone(UTC)) == local("2024-10-29 15:00")


def test_next_after_far_ahead() -> None:
    first = local("2020-01-06 10:00")
    assert Recurrence("WEEKLY").next_after(first, local("2030-01-01 00:00")) == local("2030-01-07 10:00")
    assert Recurrence("DAILY", 3).next_after(first, local("2020-01-10 00:00")) == local("2020-01-12 10:00")


def test_every_first_tuesday_over_several_months() -> None:
    rule = parse_recurrence("every first Tuesday")
    first = local("2024-01-02 19:00")
    got = rule.occurrences(first, first - timedelta(minutes=1), 6)
    days = ["2024-01-02", "2024-02-06", "2024-03-05", "2024-04-02", "2024-05-07", "2024-06-04"]
    assert got == [local(f"{day} 19:00") for day in days]
    assert [d.astimezone(UTC).hour for d in got] == [19, 19, 19, 18, 18, 18]


def test_every_last_friday() -> None:
    got = parse_recurrence("every last friday").occurrences(local("2024-01-26 12:00"), local("2024-01-27"), 3)
    assert got == [local("2024-02-23 12:00"), local("2024-03-29 12:00"), local("2024-04-26 12:00")]


def test_monthly_on_the_31st_uses_the_last_day_of_shorter_months() -> None:
    first = local("2024-01-31 10:00")
    got = Recurrence("MONTHLY").occurrences(first, first, 3)
    assert got == [local("2024-02-29 10:00"), local("2024-03-31 10:00"), local("2024-04-30 10:00")]


def test_a_wall_time_the_clocks_skip_moves_forward_by_the_gap() -> None:
    first = local("2024-03-30 01:30")
    got = Recurrence("DAILY").occurrences(first, first, 2)
    assert got == [local("2024-03-31 02:30"), local("2024-04-01 01:30")]
    assert got[0].astimezone(UTC) == datetime(2024, 3, 31, 1, 30, tzinfo=UTC)


def test_first_after_finds_the_first_occurrence_of_a_new_repeat() -> None:
    now = datetime(2024, 2, 20, 12, tzinfo=UTC)  # a Tuesday
    assert parse_recurrence("every monday 10am").first_after(now, "Europe/London") == local(
        "2024-02-26 10:00"
    )
    assert parse_recurrence("every first tuesday").first_after(now, "Europe/London", time(19)) == local(
        "2024-03-05 19:00"
    )
    assert parse_recurrence("every tuesday 3pm").first_after(now, "Europe/London") == local(
        "2024-02-20 15:00"
    )
    with pytest.raises(ValueError, match="time of day"):
        parse_recurrence("weekly").first_after(now, "Europe/London")


@pytest.mark.parametrize(
    ("text", "rule", "ical"),
    [
        ("weekly", {"FREQ": "WEEKLY"}, b"FREQ=WEEKLY"),
        ("every 2 weeks", {"FREQ": "WEEKLY", "INTERVAL": 2}, b"FREQ=WEEKLY;INTERVAL=2"),
        ("every monday", {"FREQ": "WEEKLY", "BYDAY": "MO"}, b"FREQ=WEEKLY;BYDAY=MO"),
        ("every first tuesday", {"FREQ": "MONTHLY", "BYDAY": "1TU"}, b"FREQ=MONTHLY;BYDAY=1TU"),
        ("every last friday", {"FREQ": "MONTHLY", "BYDAY": "-1FR"}, b"FREQ=MONTHLY;BYDAY=-1FR"),
        ("every 3 months", {"FREQ": "MONTHLY", "INTERVAL": 3}, b"FREQ=MONTHLY;INTERVAL=3"),
        ("daily", {"FREQ": "DAILY"}, b"FREQ=DAILY"),
        ("yearly", {"FREQ": "YEARLY"}, b"FREQ=YEARLY"),
    ],
)
def test_to_rrule(text: str, rule: dict[str, str | int], ical: bytes) -> None:
    recurrence = parse_recurrence(text)
    assert recurrence.to_rrule() == rule
    assert icalendar.vRecur(recurrence.to_rrule()).to_ical() == ical


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("every 2 weeks", "every 2 weeks"),
        ("weekly", "every week"),
        ("every first Tuesday", "every first Tuesday"),
        ("second tuesday of the month", "every second Tuesday of the month"),
        ("every monday 10am", "every Monday at 10:00"),
        ("every other monday", "every other Monday"),
        ("every 3 weeks on friday", "every 3 weeks on Friday"),
        ("daily", "every day"),
        ("every 3 months", "every 3 months"),
    ],
)
def test_describe_reads_back_as_the_same_rule(text: str, description: str) -> None:
    recurrence = parse_recurrence(text)
    assert recurrence.describe() == description
    assert parse_recurrence(description) == recurrence


def test_invalid_rules_are_refused() -> None:
    with pytest.raises(ValueError, match="freq"):
        Recurrence("HOURLY")
    with pytest.raises(ValueError, match="nth"):
        Recurrence("WEEKLY", weekday=1, nth=1)
    with pytest.raises(ValueError, match="interval"):
        Recurrence("DAILY", 0)


rules = st.one_of(
    st.builds(
        Recurrence,
        freq=st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]),
        interval=st.integers(1, 12),
        time=st.none() | st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    ),
    st.builds(Recurrence, freq=st.just("WEEKLY"), interval=st.integers(1, 4), weekday=st.integers(0, 6)),
    st.builds(
        Recurrence,
        freq=st.just("MONTHLY"),
        weekday=st.integers(0, 6),
        nth=st.sampled_from([1, 2, 3, 4, -1]),
    ),
)


@given(rule=rules)
def test_json_round_trip(rule: Recurrence) -> None:
    assert Recurrence.from_json(rule.to_json()) == rule


@settings(max_examples=100, deadline=None)
@given(
    rule=rules,
    start=st.datetimes(datetime(2023, 1, 1), datetime(2027, 1, 1)),
    zone=st.sampled_from(["Europe/London", "America/New_York", "Australia/Sydney", "UTC"]),
)
def test_occurrences_increase_and_keep_the_wall_time(rule: Recurrence, start: datetime, zone: str) -> None:
    first = start.replace(hour=15, minute=0, second=0, microsecond=0, tzinfo=ZoneInfo(zone))
    got = rule.occurrences(first, first, 5)
    instants = [d.astimezone(UTC) for d in got]
    assert instants == sorted(instants) and len(set(instants)) == 5
    assert instants[0] > first.astimezone(UTC)
    assert all(d.time() == time(15) for d in got)
    if rule.weekday is not None:
        assert all(d.weekday() == rule.weekday for d in got)


@pytest.mark.parametrize(
    ("first", "recurrence", "extra"),
    [
        (datetime(2024, 1, 31, 15), Recurrence("MONTHLY"), {"BYMONTHDAY": [28, 29, 30, 31], "BYSETPOS": -1}),
        (datetime(2024, 1, 29, 15), Recurrence("MONTHLY", 3), {"BYMONTHDAY": [28, 29], "BYSETPOS": -1}),
        (
            datetime(2024, 2, 29, 9),
            Recurrence("YEARLY"),
            {"BYMONTH": 2, "BYMONTHDAY": [28, 29], "BYSETPOS": -1},
        ),
        (datetime(2024, 1, 28, 15), Recurrence("MONTHLY"), {}),
        (datetime(2024, 1, 2, 15), Recurrence("MONTHLY", 1, 1, 1), {}),  # the first Tuesday
    ],
)
def test_to_rrule_keeps_the_days_short_months_lack(first, recurrence, extra):
    """From the 31st the bot meets on each month's last day; a plain FREQ=MONTHLY would skip the
    short months in every calendar app. dateutil reads the rule as the bot schedules."""
    zone = ZoneInfo("Europe/London")
    start = first.replace(tzinfo=zone)
    rule = recurrence.to_rrule(start)
    assert rule == {**recurrence.to_rrule(), **extra}
    text = icalendar.vRecur(rule).to_ical().decode()
    rule_set = dateutil_rrule.rrulestr(text, dtstart=start.replace(tzinfo=None), cache=False)
    assert isinstance(rule_set, dateutil_rrule.rrule)
    expanded = list(itertools.islice(rule_set, 25))
    own = [start, *recurrence.occurrences(start, start, 24)]
    assert expanded == [t.replace(tzinfo=None) for t in own]
