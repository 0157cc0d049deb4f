"""Showing times: always with the zone, 24-hour clock, en dash in ranges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from matrixbot.time import (
    When,
    format_relative,
    format_time,
    format_when,
    localize,
    transition_near,
    valid_zone,
    zone_abbrev,
)

LONDON = "Europe/London"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(text: str, zone: str = LONDON) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def test_format_time_names_the_zone() -> None:
    assert format_time(utc("2024-03-05 15:00"), LONDON) == "Tue 5 Mar 2024, 15:00 GMT"
    assert format_time(utc("2024-07-02 14:00"), LONDON) == "Tue 2 Jul 2024, 15:00 BST"
    assert format_time(utc("2024-07-02 14:00"), LONDON, with_date=False) == "15:00 BST"


def test_format_time_adds_the_readers_zone_when_it_differs() -> None:
    summer = utc("2024-07-02 14:00")
    assert format_time(summer, LONDON, other_zone="Europe/Berlin") == "Tue 2 Jul 2024, 15:00 BST / 16:00 CEST"
    assert format_time(summer, LONDON, other_zone=LONDON) == "Tue 2 Jul 2024, 15:00 BST"
    assert format_time(summer, LONDON, other_zone="Europe/Dublin") == "Tue 2 Jul 2024, 15:00 BST / 15:00 IST"
    assert (
        format_time(summer, LONDON, other_zone="Australia/Sydney")
        == "Tue 2 Jul 2024, 15:00 BST / Wed 3 Jul, 00:00 AEST"
    )
    assert format_time(summer, LONDON, other_zone="Asia/Kolkata", with_date=False) == "15:00 BST / 19:30 IST"


def zoned(start: str, end: str | None, *, all_day: bool = False, zone: str = LONDON) -> When:
    return When(local(start, zone), None if end is None else local(end, zone), zone, all_day)


@pytest.mark.parametrize(
    ("when", "text"),
    [
        (zoned("2024-03-05 15:00", "2024-03-05 16:00"), "Tue 5 Mar 2024, 15:00–16:00 GMT"),
        (zoned("2024-03-05 15:00", None), "Tue 5 Mar 2024, 15:00 GMT"),
        (zoned("2024-05-17 00:00", "2024-05-20 00:00", all_day=True), "Fri 17 – Sun 19 May 2024"),
        (zoned("2024-05-31 00:00", "2024-06-03 00:00", all_day=True), "Fri 31 May – Sun 2 Jun 2024"),
        (zoned("2024-12-31 00:00", "2025-01-02 00:00", all_day=True), "Tue 31 Dec 2024 – Wed 1 Jan 2025"),
        (zoned("2024-06-01 00:00", "2024-07-01 00:00", all_day=True), "June 2024"),
        (zoned("2024-06-01 00:00", "2024-09-01 00:00", all_day=True), "June – August 2024"),
        (zoned("2024-01-01 00:00", "2025-01-01 00:00", all_day=True), "2024"),
        (zoned("2024-06-13 00:00", "2024-06-14 00:00", all_day=True), "Thu 13 Jun 2024"),
        (
            zoned("2024-02-23 22:00", "2024-02-24 02:00"),
            "Fri 23 Feb 2024, 22:00 – Sat 24 Feb 2024, 02:00 GMT",
        ),
        (
            When(utc("2024-10-27 00:00").astimezone(ZoneInfo(LONDON)), utc("2024-10-27 03:00"), LONDON),
            "Sun 27 Oct 2024, 01:00 BST–03:00 GMT",
        ),
    ],
)
def test_format_when(when: When, text: str) -> None:
    assert format_when(when) == text
    assert str(when) == text


def test_format_when_in_two_zones() -> None:
    meeting = zoned("2024-03-05 15:00", "2024-03-05 16:00")
    assert (
        format_when(meeting, other_zone="Europe/Berlin")
        == "Tue 5 Mar 2024, 15:00–16:00 GMT / 16:00–17:00 CET"
    )
    assert format_when(meeting, other_zone="Pacific/Auckland") == (
        "Tue 5 Mar 2024, 15:00–16:00 GMT / Wed 6 Mar, 04:00–05:00 NZDT"
    )
    assert format_when(meeting, other_zone=LONDON) == "Tue 5 Mar 2024, 15:00–16:00 GMT"
    days = zoned("2024-05-17 00:00", "2024-05-20 00:00", all_day=True)
    assert format_when(days, other_zone="Asia/Tokyo") == "Fri 17 – Sun 19 May 2024"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "now"),
        (30, "in 30 seconds"),
        (60, "in 1 minute"),
        (600, "in 10 minutes"),
        (3599, "in 1 hour"),
        (5400, "in 1 hour 30 minutes"),
        (86400, "in 1 day"),
        (90000, "in 1 day 1 hour"),
        (-7200, "2 hours ago"),
        (-1, "1 second ago"),
    ],
)
def test_format_relative(seconds: int, text: str) -> None:
    assert format_relative(timedelta(seconds=seconds)) == text


def test_zone_abbrev_falls_back_to_an_offset() -> None:
    assert zone_abbrev(local("2024-07-02 12:00")) == "BST"
    assert zone_abbrev(local("2024-07-02 12:00", "Europe/Berlin")) == "CEST"
    assert zone_abbrev(local("2024-07-02 12:00", "Asia/Kathmandu")) == "UTC+05:45"
    assert zone_abbrev(local("2024-07-02 12:00", "America/Sao_Paulo")) == "UTC-03:00"
    assert zone_abbrev(utc("2024-07-02 12:00")) == "UTC"


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("Europe/London", True),
        ("UTC", True),
        ("America/Sao_Paulo", True),
        ("Europe", False),
        ("europe/london", False),
        ("", False),
        ("../etc/passwd", False),
        ("localtime", False),
    ],
)
def test_valid_zone(name: str, valid: bool) -> None:
    assert valid_zone(name) is valid


def test_localize_reports_gaps_and_folds() -> None:
    zone = ZoneInfo(LONDON)
    moved, kind = localize(datetime(2024, 3, 31, 1, 30), zone)
    assert kind == "gap" and moved == local("2024-03-31 02:30") and moved.utcoffset() == timedelta(hours=1)
    first, kind = localize(datetime(2024, 10, 27, 1, 30), zone)
    assert kind == "fold" and first.astimezone(UTC) == utc("2024-10-27 00:30")
    assert localize(datetime(2024, 7, 1, 9, 0), zone)[1] == "ok"
    assert transition_near(datetime(2024, 3, 31, 1, 30), zone) == (
        datetime(2024, 3, 31, 1, 0),
        datetime(2024, 3, 31, 2, 0),
    )
    assert transition_near(datetime(2024, 10, 27, 1, 30), zone) == (
        datetime(2024, 10, 27, 2, 0),
        datetime(2024, 10, 27, 1, 0),
    )


def test_times_past_the_years_datetime_holds_in_the_zone_are_shown_in_utc() -> None:
    """23:30 UTC on 31 December 9999 is year 10000 in Auckland, 00:30 UTC on 1 January of year 1 is
    year 0 in Los Angeles: both were OverflowError / "year 0 is out of range" in every listing."""
    late = datetime(9999, 12, 31, 23, 30, tzinfo=UTC)
    early = datetime(1, 1, 1, 0, 30, tzinfo=UTC)
    assert format_time(late, "Pacific/Auckland") == "Fri 31 Dec 9999, 23:30 UTC"
    assert format_time(late, "America/Los_Angeles") == "Fri 31 Dec 9999, 15:30 PST"
    assert format_time(early, "America/Los_Angeles") == "Mon 1 Jan 1, 00:30 UTC"
    assert format_time(late, "Europe/London", other_zone="Pacific/Auckland").endswith("23:30 UTC")
    day = When(datetime(9999, 12, 31, tzinfo=UTC), None, "Pacific/Auckland", all_day=True)
    assert format_when(day) == "Fri 31 Dec 9999"
    assert format_when(When(early, late, "Pacific/Auckland")).startswith("Mon 1 Jan 1, ")
