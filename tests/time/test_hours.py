"""Working hours: reading them as people type them, and the next working moment after any time,
across weekends and clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matrixbot.errors import UserError
from matrixbot.time import (
    Scheduled,
    WorkingHours,
    before_deadline,
    moved_note,
    on_working_day,
    parse_working_hours,
    quiet,
)

LONDON = "Europe/London"
OFFICE = WorkingHours(frozenset(range(5)), 9 * 60, 18 * 60)


def london(text: str) -> datetime:
    """A London wall time as UTC (fold=0 for a time the clocks show twice)."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(LONDON)).astimezone(UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- reading the setting ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Mon-Fri 09:00-18:00", "Mon-Fri 09:00-18:00"),
        ("mon - fri 9-17:30", "Mon-Fri 09:00-17:30"),
        ("Monday to Friday 9am to 5pm", "Mon-Fri 09:00-17:00"),
        ("Mon-Fri 9-5", "Mon-Fri 09:00-17:00"),
        ("Sun-Thu 8am–4pm", "Mon-Thu, Sun 08:00-16:00"),
        ("Mon, Wed and Fri 8:30-12", "Mon, Wed, Fri 08:30-12:00"),
        ("weekdays 10-16", "Mon-Fri 10:00-16:00"),
        ("Sat Sun 10:00-14:00", "Sat, Sun 10:00-14:00"),
        ("daily 0-24", "Mon-Sun 00:00-24:00"),
        ("every day 7:00-22:00", "Mon-Sun 07:00-22:00"),
        ("Tue-Thu, Sat 12pm-8pm", "Tue-Thu, Sat 12:00-20:00"),
    ],
)
def test_hours_are_read_as_people_type_them_and_written_back_in_a_form_read_again(text, shown):
    hours = parse_working_hours(text)
    assert hours is not None and hours.text == shown
    assert parse_working_hours(shown) == hours


@pytest.mark.parametrize("text", ["off", "OFF", " none "])
def test_off_is_no_working_hours(text):
    assert parse_working_hours(text) is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("9-17", "Say which days too, e.g. 'Mon-Fri 9-17'"),
        ("Mnday-Fri 9-17", "'mnday-fri' is not a day or a range of days"),
        ("Mon-Fri 25:00-26:00", "'25:00' is not a time of day"),
        ("Mon-Fri 9:75-17", "'9:75' is not a time of day"),
        ("Mon-Fri 24:00-24:00", "'24:00' is not a time of day"),
        ("Mon-Fri 18:00-09:00", "must end after they start, within one day: '18:00-09:00'"),
        ("Mon-Fri 9", "I could not read 'Mon-Fri 9'"),
        ("sometimes", "I could not read 'sometimes'"),
        ("Mon-Fri 9-17 " + "x" * 100, "too long"),
    ],
)
def test_a_bad_value_says_what_is_allowed_with_an_example(text, says):
    with pytest.raises(UserError) as refused:
        parse_working_hours(text)
    assert says in refused.value.message
    assert "like 'Mon-Fri 09:00-18:00'" in refused.value.message and "'off'" in refused.value.message


# -- the next working moment ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2024-03-05 11:00", "2024-03-05 11:00"),  # a Tuesday, inside: unchanged
        ("2024-03-05 09:00", "2024-03-05 09:00"),  # the first minute counts
        ("2024-03-05 01:47", "2024-03-05 09:00"),  # night: the same morning
        ("2024-03-05 18:00", "2024-03-06 09:00"),  # the end is not a working minute
        ("2024-03-08 17:59", "2024-03-08 17:59"),
        ("2024-03-08 19:00", "2024-03-11 09:00"),  # Friday evening: Monday
        ("2024-03-09 12:00", "2024-03-11 09:00"),  # Saturday
        ("2024-03-10 23:59", "2024-03-11 09:00"),  # Sunday night
    ],
)
def test_next_working_moment_across_nights_and_weekends(moment, expected):
    assert OFFICE.next_working(london(moment), LONDON) == london(expected)


def test_next_working_moment_across_the_clock_changes():
    # spring: the weekend the clocks go forward, Monday 09:00 is BST (08:00 UTC)
    assert OFFICE.next_working(utc("2024-03-30 12:00"), LONDON) == utc("2024-04-01 08:00")
    assert OFFICE.next_working(utc("2024-03-31 00:30"), LONDON) == utc("2024-04-01 08:00")
    # Friday 17:30 GMT plus three days is 18:30 BST: past Monday's hours, so Tuesday 09:00 BST
    assert OFFICE.next_working(utc("2024-03-29 17:30") + timedelta(days=3), LONDON) == utc("2024-04-02 08:00")
    # autumn: 01:30 happens twice on Sunday 27 October; both go to Monday 09:00 GMT (09:00 UTC)
    assert OFFICE.next_working(utc("2024-10-27 00:30"), LONDON) == utc("2024-10-28 09:00")
    assert OFFICE.next_working(utc("2024-10-27 01:30"), LONDON) == utc("2024-10-28 09:00")
    # Friday 17:30 BST plus three days is 16:30 GMT on Monday: inside, unchanged
    assert OFFICE.next_working(utc("2024-10-25 16:30") + timedelta(days=3), LONDON) == utc("2024-10-28 16:30")


def test_hours_in_the_night_the_clocks_skip_or_repeat():
    sundays = WorkingHours(frozenset({6}), 60 + 30, 3 * 60)  # Sun 01:30-03:00
    # 31 March 2024: 01:30 does not exist in London; the hours start when the clocks jump to 02:00
    # BST (01:00 UTC), which is within 01:30-03:00 by the clock
    assert sundays.next_working(utc("2024-03-31 00:00"), LONDON) == utc("2024-03-31 01:00")
    # 27 October 2024: 01:30 happens twice; the hours start at the first (00:30 UTC), and the
    # second 01:30 (01:30 UTC) is inside them
    assert sundays.next_working(utc("2024-10-26 23:00"), LONDON) == utc("2024-10-27 00:30")
    assert sundays.next_working(utc("2024-10-27 01:30"), LONDON) == utc("2024-10-27 01:30")


def test_a_week_that_wraps_round_sunday():
    sun_thu = parse_working_hours("Sun-Thu 08:00-16:00")
    assert sun_thu is not None
    assert sun_thu.next_working(london("2024-03-08 10:00"), LONDON) == london("2024-03-10 08:00")
    only_monday = parse_working_hours("Mon 09:00-10:00")
    assert only_monday is not None
    assert only_monday.next_working(london("2024-03-04 10:00"), LONDON) == london("2024-03-11 09:00")


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31)),
    st.frozensets(st.integers(0, 6), min_size=1),
    st.integers(0, 23 * 60),
    st.integers(90, 24 * 60),  # longer than a clock change, so a stretch never ends in the hour skipped
    st.sampled_from([LONDON, "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]),
)
def test_the_next_working_moment_is_the_first_one_not_before(naive, days, start, length, zone):
    hours = WorkingHours(days, start, min(start + length, 24 * 60))
    moment = naive.replace(tzinfo=UTC)
    found = hours.next_working(moment, zone)
    assert found >= moment

    def working(at: datetime) -> bool:
        local = at.astimezone(ZoneInfo(zone))
        minute = local.hour * 60 + local.minute
        return local.weekday() in days and hours.start <= minute < hours.end

    assert working(found)
    if found > moment:  # moved: nothing between was working (checked every 15 minutes)
        step = moment + timedelta(minutes=15 - moment.minute % 15, seconds=-moment.second)
        while step < found - timedelta(minutes=1):
            assert not working(step), f"{step} is working, before {found}"
            step += timedelta(minutes=15)


# -- what moves and how -----------------------------------------------------------------------------


def test_quiet_moves_to_working_hours_and_off_moves_nothing():
    night = london("2026-12-06 01:47")  # a Sunday
    assert quiet(night, LONDON, OFFICE) == Scheduled(london("2026-12-07 09:00"), night)
    assert quiet(night, LONDON, None) == Scheduled(night, night)
    assert not quiet(london("2026-12-07 11:00"), LONDON, OFFICE).moved


def test_a_chosen_clock_time_is_kept_and_only_a_day_off_moves():
    saturday = london("2024-03-30 07:00")  # GMT; Monday 07:00 is BST
    assert on_working_day(saturday, LONDON, OFFICE) == Scheduled(london("2024-04-01 07:00"), saturday)
    tuesday = london("2024-04-02 07:00")  # before the hours, but the organiser chose 07:00
    assert not on_working_day(tuesday, LONDON, OFFICE).moved
    assert not on_working_day(saturday, LONDON, None).moved


def test_a_reminder_before_a_deadline_never_goes_after_it():
    made, planned = london("2024-03-06 12:00"), london("2024-03-09 12:00")  # planned on a Saturday
    monday_ten = london("2024-03-11 10:00")
    assert before_deadline(planned, monday_ten, made, LONDON, OFFICE) == Scheduled(
        london("2024-03-11 09:00"), planned
    )
    sunday = london("2024-03-10 12:00")
    assert before_deadline(planned, sunday, made, LONDON, OFFICE) == Scheduled(
        london("2024-03-08 09:00"), planned
    )
    assert before_deadline(planned, sunday, london("2024-03-08 10:00"), LONDON, OFFICE) is None


def test_the_note_says_from_when_in_a_few_words():
    assert moved_note(Scheduled(london("2026-12-07 09:00"), london("2026-12-06 01:47")), LONDON) == (
        "moved from Sunday 01:47 to working hours"
    )
    assert moved_note(Scheduled(london("2026-12-07 09:00"), london("2026-12-07 01:47")), LONDON) == (
        "moved from 01:47 to working hours"
    )
    assert moved_note(Scheduled(london("2026-12-07 09:00"), london("2026-12-07 09:00")), LONDON) == ""


def test_a_moved_time_is_kept_in_a_job_payload_and_an_old_payload_reads_as_not_moved():
    slot = quiet(london("2026-12-06 01:47"), LONDON, OFFICE)
    assert Scheduled.from_payload(slot.at, {"round": 1} | slot.to_payload()) == slot
    assert Scheduled.from_payload(slot.at, {"round": 1}) == Scheduled(slot.at, slot.at)
    assert quiet(london("2026-12-07 10:00"), LONDON, OFFICE).to_payload() == {}


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=200),
        st.text(alphabet="monfriwedsatuh0123456789:-–, apm", max_size=60),
        st.text(min_size=1000, max_size=65536),
    )
)
def test_any_text_is_read_or_refused_with_a_message_and_what_is_read_reads_back_the_same(text):
    try:
        hours = parse_working_hours(text)
    except UserError as refused:
        assert refused.message and len(refused.message) < 300
        return
    assert hours is None or parse_working_hours(hours.text) == hours


def test_a_stretch_that_starts_in_the_hour_the_clocks_skip_starts_when_they_jump():
    """Lord Howe goes from 02:00 to 02:30 on 6 October 2024: working hours from 02:02 start at 02:30
    that night (hypothesis found 02:32, a moment after the first working one)."""
    sunday = WorkingHours(frozenset({6}), 2 * 60 + 2, 3 * 60 + 32)
    found = sunday.next_working(datetime(2024, 10, 1, tzinfo=UTC), "Australia/Lord_Howe")
    local = found.astimezone(ZoneInfo("Australia/Lord_Howe"))
    assert (local.date().isoformat(), local.hour, local.minute) == ("2024-10-06", 2, 30)
