"""Check-ins' pure parts: parsing, the answer rules, rendering and the CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from matrixbot.plugins.checkins.export import render_csv
from matrixbot.plugins.checkins.model import (
    Answer,
    Asked,
    Member,
    Round,
    Series,
    batches,
    latest_answers,
    missed,
    occurrence,
    possibly_inactive,
    states,
    to_ping,
)
from matrixbot.plugins.checkins.parse import check_note, check_org, parse_away, parse_start
from matrixbot.plugins.checkins.render import render_history, render_status

from matrixbot.api.arguments import Body
from matrixbot.api.exports import csv_file, spreadsheet_safe
from matrixbot.errors import UserError
from matrixbot.time import FakeClock, TimeParser

ANN, BEN, CAT = "@ann:x", "@ben:x", "@cat:x"
T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)
TIMES = TimeParser(FakeClock("2024-03-01 10:00"))
ZONE = "Europe/London"


def show(moment: datetime) -> str:
    return moment.strftime("%d %b %H:%M")


def answer(user: str, minutes: int = 0, note: str = "", event: str = "") -> Answer:
    return Answer(user, T0 + timedelta(minutes=minutes), note, "command", event or f"${user}{minutes}")


def a_round(closed: bool = False) -> Round:
    series = Series(
        1, "!r:x", ANN, "Still <active>?", None, "3 months", timedelta(days=3), timedelta(days=14),
        "Europe/London", T0, False,
    )  # fmt: skip
    return Round(4, series, 1, T0, T0 + timedelta(days=14), "$q", closed)


# -- parsing --------------------------------------------------------------------------------------


def test_start_defaults_and_fields():
    spec = parse_start(" Still active? ", Body(""), TIMES, [ANN], ZONE, T0)
    assert (spec.question, spec.who, spec.every) == ("Still active?", None, None)
    assert (spec.nudge, spec.closes) == (timedelta(days=3), timedelta(weeks=2))
    full = parse_start(
        "Q",
        Body(f"who: {ANN}, {BEN}\nevery: 3 months\nnudge: 1 day\ncloses: 1 week"),
        TIMES,
        [ANN, BEN],
        ZONE,
        T0,
    )
    assert (full.who, full.every, full.nudge, full.closes) == (
        (ANN, BEN),
        "3 months",
        timedelta(days=1),
        timedelta(weeks=1),
    )
    assert parse_start("Q", Body("who: room"), TIMES, [ANN], ZONE, T0).who is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("who: @zed:x", "@zed:x is not a member of this room"),
        ("who: bob", "'bob' is not a user"),
        ("nudge: 3 weeks", "'nudge:' must come before the round closes"),
        ("every: 1 week", "'closes:' must be shorter than 'every:'"),
        ("every: 1 month\ncloses: 4 weeks", "'closes:' must be shorter than 'every:'"),
        ("every: often", "'every:' I could not read 'often'"),
        ("closes: yesterday", "'closes:' 'yesterday' is already past"),
        ("closes: 31 November", "'closes:' There is no 31 November: it has 30 days."),
        ("clses: 2 weeks", "did you mean 'closes:'?"),
    ],
)
def test_start_refusals(body, message):
    with pytest.raises(UserError) as caught:
        parse_start("Q", Body(body), TIMES, [ANN], ZONE, T0)
    assert message in caught.value.message


def test_question_too_long_is_refused():
    with pytest.raises(UserError, match="keep it under 2000"):
        parse_start("x" * 2001, Body(""), TIMES, [ANN], ZONE, T0)


def test_note_limit_org_and_away():
    assert check_note("  fine  ") == "fine"
    assert check_note("x" * 1000) == "x" * 1000
    with pytest.raises(UserError, match=r"at most 1000.*nothing was stored"):
        check_note("x" * 1001)
    assert check_org("  Good   Praxis ") == "Good Praxis"
    assert check_org("none") is None
    with pytest.raises(UserError, match="under 100"):
        check_org("x" * 101)
    with pytest.raises(UserError, match="has passed"):
        parse_away("yesterday", TIMES, ZONE, T0)


# -- the rules ------------------------------------------------------------------------------------


def test_latest_answer_counts():
    latest = latest_answers([answer(ANN, 0, "first"), answer(BEN, 1), answer(ANN, 5, "second")])
    assert latest[ANN].note == "second" and set(latest) == {ANN, BEN}


def test_away_is_not_missing_and_two_misses_flag_inactive():
    away = T0 + timedelta(days=30)
    first = ([Asked(ANN), Asked(BEN), Asked(CAT)], [answer(ANN)])
    second = ([Asked(ANN), Asked(BEN), Asked(CAT, away)], [answer(ANN)])
    assert missed(*first) == {BEN, CAT} and missed(*second) == {BEN}
    assert possibly_inactive([first, second]) == {BEN}
    assert possibly_inactive([second]) == set()


def test_pings_skip_answered_opted_out_and_away():
    asked = [Asked(ANN), Asked(BEN), Asked(CAT, T0 + timedelta(days=1)), Asked("@dan:x")]
    members = {BEN: Member(BEN, opted_out=True)}
    assert to_ping(asked, [answer("@dan:x")], members, T0) == [ANN]
    assert to_ping(asked, [], members, T0 + timedelta(days=2)) == [ANN, CAT, "@dan:x"]


def test_states_group_by_org_then_name():
    members = {BEN: Member(BEN, org="Good Praxis"), CAT: Member(CAT, org="Agile Collective")}
    names = {ANN: "Ann", BEN: "Ben", CAT: "Cat", "@dan:x": "Dan"}
    result = states([Asked(ANN), Asked(BEN), Asked(CAT)], [answer("@dan:x")], members, names, {ANN, BEN})
    assert [s.user_id for s in result] == [CAT, BEN, ANN, "@dan:x"]
    assert [s.possibly_inactive for s in result] == [False, True, True, False]


def test_batches_of_twenty():
    users = [f"@u{i}:x" for i in range(45)]
    assert [len(b) for b in batches(users)] == [20, 20, 5]
    assert batches([]) == []


def test_occurrences_keep_the_wall_clock_across_dst():
    first = datetime(2024, 1, 15, 10, tzinfo=UTC)  # 10:00 GMT
    fourth = occurrence(first, "Europe/London", relativedelta(months=3), 3)
    assert fourth == datetime(2024, 7, 15, 9, tzinfo=UTC)  # 10:00 BST


# -- rendering ------------------------------------------------------------------------------------


def test_status_escapes_and_flags():
    members = {ANN: Member(ANN, org="<Co-op>")}
    rows = states([Asked(ANN), Asked(BEN)], [answer(ANN, note="<b>hi</b>")], members, {BEN: "B&B"}, {BEN})
    html = render_status(a_round(), rows, show)
    assert "<bdi>B&amp;B</bdi>" in html, "user values are isolated"
    html = html.replace("<bdi>", "").replace("</bdi>", "")
    assert "Still &lt;active&gt;?" in html and "&lt;Co-op&gt;" in html and "&lt;b&gt;hi&lt;/b&gt;" in html
    assert "B&amp;B — not yet answered — <b>possibly inactive</b>" in html
    assert "1 of 2 answered" in html and "Possibly inactive (missed the last two rounds): B&amp;B" in html
    closed = render_status(a_round(closed=True), rows, show, summary=True)
    assert "has closed" in closed and "did not answer" in closed


def test_history_lists_each_round():
    series = a_round().series
    rounds = [
        a_round(closed=True),
        Round(5, series, 2, T0, T0, "$r", True),
        Round(6, series, 3, T0, T0, "$s", True),
    ]
    rounds.append(Round(7, series, 4, T0, T0, "$t", False))
    asked = {4: Asked(ANN), 5: Asked(ANN), 6: Asked(ANN, T0), 7: Asked(ANN)}
    html = render_history("Ann", "Co", rounds, asked, {4: [answer(ANN, note="<ok>")]}, show)
    html = html.replace("<bdi>", "").replace("</bdi>", "")
    assert "Check-ins of Ann (Co)" in html
    assert "C4 (01 Mar 10:00): answered 01 Mar 10:00: &lt;ok&gt;" in html
    assert (
        "C5 (01 Mar 10:00): did not answer" in html and "C6 (01 Mar 10:00): away until 01 Mar 10:00" in html
    )
    assert "C7 (01 Mar 10:00): not yet answered" in html
    assert "has not been asked" in render_history("Ann", None, [], {}, {}, show)


# -- export ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["=SUM(A1)", "+1", "-1", "@cmd", "\tx"])
def test_formula_cells_are_quoted(cell):
    assert spreadsheet_safe(cell) == "'" + cell
    assert spreadsheet_safe("fine =1") == "fine =1"


def test_csv_rows():
    rows = states(
        [Asked(ANN), Asked(BEN)], [answer(ANN, note="=HYPERLINK(x)")], {ANN: Member(ANN, org="Co")}, {}, set()
    )
    table = list(csv.reader(io.StringIO(render_csv(rows, "Europe/London").decode())))
    assert table == [
        ["member", "name", "org", "answered at", "note"],
        ["'@ann:x", "'@ann:x", "Co", "2024-03-01T10:00+00:00", "'=HYPERLINK(x)"],
        ["'@ben:x", "'@ben:x", "", "", ""],
    ]


def test_a_header_cell_is_made_spreadsheet_safe_too():
    """The header's words come from a translation anyone may edit."""
    table = list(csv.reader(io.StringIO(csv_file(["=note", "name"], [("a", "b")]).decode())))
    assert table == [["'=note", "name"], ["a", "b"]]


def test_nudge_and_close_are_read_as_deadlines_in_whole_seconds():
    """`closes:` reads as in polls and sign-up lists ("in 40 seconds", a date), counted from the
    moment the round opens, to the second."""
    opened = T0 + timedelta(microseconds=654321)
    spec = parse_start("Q", Body("nudge: in 10 seconds\ncloses: 40 seconds"), TIMES, [ANN], ZONE, opened)
    assert (spec.nudge, spec.closes) == (timedelta(seconds=10), timedelta(seconds=40))
    dated = parse_start("Q", Body("closes: 15 March"), TIMES, [ANN], ZONE, T0)
    assert T0 + dated.closes == datetime(2024, 3, 16, tzinfo=UTC), "the end of 15 March (GMT)"
