"""Fixes suggested for a mistyped date: near the dates around it (a poll's other options), and ahead when alone."""

from __future__ import annotations

from datetime import date

import pytest

from matrixbot.time import FakeClock, TimeParser, When

LONDON = "Europe/London"
MARCH_2027 = [date(2027, 3, 2), date(2027, 3, 4)]


@pytest.fixture
def parser() -> TimeParser:
    return TimeParser(FakeClock("2027-02-01 09:00", LONDON))


def problem(when: When, kind: str) -> str:
    found = [p.message for p in when.problems if p.kind == kind]
    assert found, f"no {kind} problem in {when.problems}"
    return found[0]


def test_the_seeds_typo_among_options_in_march_2027_offers_both_same_year_readings(
    parser: TimeParser,
) -> None:
    """5 March is a Tuesday in no year near 2027: the fix is the nearest Tuesday or the date on its
    own weekday, both in 2027 (it was 5 March 2030, three years from every option)."""
    when = parser.parse("3pm Tuesday 5th March 2014", LONDON, near=MARCH_2027)
    assert problem(when, "weekday") == (
        "5 March 2014 was a Wednesday, not a Tuesday; "
        "did you mean Tuesday 2 March 2027 or Friday 5 March 2027?"
    )
    assert when.problems[0].suggestion is not None
    assert when.problems[0].suggestion.start.date() == date(2027, 3, 2)


def test_a_year_typo_with_the_right_weekday_far_from_the_others_is_asked_about(parser: TimeParser) -> None:
    when = parser.parse("3pm Tuesday 2nd March 2032", LONDON, near=MARCH_2027)
    assert problem(when, "far") == (
        "2 March 2032 is 5 years from the other dates; did you mean Tuesday 2 March 2027?"
    )
    assert when.problems[0].suggestion is not None
    assert when.problems[0].suggestion.start.date() == date(2027, 3, 2)
    without_weekday = parser.parse("3pm 2 March 2026", LONDON, near=MARCH_2027)
    assert "2 March 2026 is 1 year from the other dates; did you mean Tuesday 2 March 2027?" in (
        problem(without_weekday, "far")
    )


def test_a_date_near_the_others_is_not_asked_about(parser: TimeParser) -> None:
    assert parser.parse("3pm Tuesday 9 March 2027", LONDON, near=MARCH_2027).problems == ()
    assert parser.parse("3pm Friday 30 July 2027", LONDON, near=MARCH_2027).problems == (), "5 months"


def test_a_wrong_weekday_in_the_polls_own_year_offers_both_readings(parser: TimeParser) -> None:
    when = parser.parse("Tuesday 6 March 2027", LONDON, near=MARCH_2027)
    assert problem(when, "weekday").endswith("did you mean Tuesday 9 March 2027 or Saturday 6 March 2027?")


def test_every_fix_lies_within_the_span_of_the_others_give_or_take_a_few_weeks() -> None:
    """For every year and every weekday written, the fixes of a 5 March among options in March of
    that year lie in that March, give or take four weeks, and fall on the weekday or the date."""
    for year in range(2024, 2035):
        parser = TimeParser(FakeClock(f"{year}-01-05 09:00", LONDON))
        near = [date(year, 3, 10), date(year, 3, 12)]
        for weekday in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
            for written in (year - 10, year - 1, year + 3):
                when = parser.parse(f"{weekday} 5 March {written}", LONDON, near=near)
                for p in when.problems:
                    if p.kind in ("weekday", "far"):
                        assert p.suggestion is not None, p.message
                        assert date(year, 2, 10) <= p.suggestion.start.date() <= date(year, 4, 9), p.message


def test_an_option_far_out_does_not_widen_the_span_for_the_others(parser: TimeParser) -> None:
    """With options in March 2027 and one in 2032, a typo among them is fixed into March 2027."""
    when = parser.parse("3pm Tuesday 5th March 2014", LONDON, near=[*MARCH_2027, date(2032, 3, 2)])
    assert "did you mean Tuesday 2 March 2027 or Friday 5 March 2027?" in problem(when, "weekday")


def test_of_two_dates_far_apart_the_one_further_from_today_is_asked_about(parser: TimeParser) -> None:
    assert parser.parse("4 March 2027", LONDON, near=[date(2032, 3, 2)]).problems == ()
    assert "far" in [p.kind for p in parser.parse("2 March 2032", LONDON, near=[date(2027, 3, 4)]).problems]
    assert parser.strays(parser.parse("2 March 2032", LONDON), [date(2027, 3, 4)])
    assert not parser.strays(parser.parse("4 March 2027", LONDON), [date(2032, 3, 2)])


def test_alone_the_fix_is_the_nearest_such_date_still_ahead() -> None:
    parser = TimeParser(FakeClock("2027-03-01 09:00", LONDON))
    when = parser.parse("3pm Tuesday 5th March 2014", LONDON)
    assert "did you mean Tuesday 5 March 2030?" in problem(when, "weekday")
    ahead = parser.parse("Tuesday 6th March 2027", LONDON)
    assert "did you mean Tuesday 9 March 2027?" in problem(ahead, "weekday"), "not the past 2 March"


def test_suggestions_stay_within_the_years_taken() -> None:
    """29 February on a Monday: the next is in 2044, past the ten years taken, so it is not offered."""
    parser = TimeParser(FakeClock("2027-03-01 09:00", LONDON))
    when = parser.parse("Monday 29 February 2028", LONDON)
    assert "2044" not in problem(when, "weekday")
    assert when.problems[0].suggestion is not None
    assert when.problems[0].suggestion.start.year <= 2037
