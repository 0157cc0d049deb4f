"""The bench's bursts: how a burst's answers are counted and timed (answered once, tail, median,
out of command order), how its rows are judged, and how a burst by many members is spread over
rooms and members (the bursts themselves run in `test_bench_smoke.py`)."""

from __future__ import annotations

import pytest

from bench.judge_bursts import bot_rows, member_burst_rows
from bench.members import CrowdBursts, MemberBursts, spread
from bench.stats import Figure
from bench.timing import Answer, Burst, Sent, out_of_order, tally


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ([], 0),
        ([7], 0),
        ([1, 2, 3, 4], 0),
        ([1, 5, 9, 20], 0),  # other events between the answers do not matter
        ([2, 1], 1),
        ([2, 3, 4, 5, 1], 1),  # the first command's answer came last: one answer moved, not four
        ([5, 1, 2, 3, 4], 1),
        ([2, 1, 4, 3], 2),
        ([4, 3, 2, 1], 3),
        ([1, 3, 2, 5, 4, 6], 2),
    ],
)
def test_out_of_order_counts_the_fewest_answers_to_move(answers: list[int], expected: int) -> None:
    assert out_of_order(answers) == expected


def test_each_member_sends_one_command_into_every_room_before_the_next_member() -> None:
    members = [f"m{n}" for n in range(3)]
    plan, senders = spread(["r0", "r1"], members, 7, lambda n: f"text {n}")

    assert plan == [
        ("r0", "text 0"),
        ("r1", "text 0"),
        ("r0", "text 1"),
        ("r1", "text 1"),
        ("r0", "text 2"),
        ("r1", "text 2"),
        ("r0", "text 3"),
    ]
    assert senders == ["m0", "m0", "m1", "m1", "m2", "m2", "m0"]


def test_a_burst_of_20_by_20_members_in_one_room_has_one_command_each() -> None:
    members = [f"m{n}" for n in range(20)]
    _, senders = spread(["room"], members, 20, str)

    assert sorted(senders) == sorted(members)


def _sent(n: int, sender: str = "@alice", room: str = "!r", at: float = 100.0) -> Sent:
    return Sent(f"$c{n}", sender, room, at)


def test_a_burst_counts_each_command_answered_once_lost_or_doubled() -> None:
    sent = [_sent(n) for n in range(4)]
    answers = {
        "$c0": [Answer(10, 101.0)],
        "$c1": [Answer(11, 101.5), Answer(12, 103.0)],  # doubled: the first is what is timed
        "$c2": [],
    }  # $c3 never answered

    found = tally(sent, answers, {f"$c{n}": n for n in range(4)})

    assert (found.sent, found.answered_once, found.lost, found.doubled) == (4, 1, 2, 1)
    assert found.tail_ms == pytest.approx(1500)


def test_the_tail_and_the_median_answer_run_from_the_last_send() -> None:
    sent = [_sent(0, at=100.0), _sent(1, at=100.5), _sent(2, at=101.0)]
    answers = {
        "$c0": [Answer(5, 100.8)],  # before the last send: counts as 0
        "$c1": [Answer(6, 101.3)],  # 300 ms after the last send (800 ms after its own)
        "$c2": [Answer(7, 102.0)],  # 1,000 ms
    }

    found = tally(sent, answers, {"$c0": 0, "$c1": 1, "$c2": 2})

    assert found.tail_ms == pytest.approx(1000)
    assert found.p50_ms == pytest.approx(300)


def test_answers_seen_before_the_last_send_make_a_median_of_0_not_less() -> None:
    sent = [_sent(0, at=100.0), _sent(1, at=100.1), _sent(2, at=101.0)]
    answers = {"$c0": [Answer(5, 100.05)], "$c1": [Answer(6, 100.2)], "$c2": [Answer(7, 101.1)]}

    assert tally(sent, answers, {"$c0": 0, "$c1": 1, "$c2": 2}).p50_ms == 0


def test_one_members_answers_are_judged_in_the_rooms_order_not_the_order_sent() -> None:
    # sent at once, the second command reached the room first: answered in the room's order is in order
    sent = [_sent(0), _sent(1)]
    answers = {"$c0": [Answer(11, 101.0)], "$c1": [Answer(10, 101.0)]}

    assert tally(sent, answers, {"$c0": 2, "$c1": 1}).out_of_order == 0
    assert tally(sent, answers, {"$c0": 1, "$c1": 2}).out_of_order == 1


def test_answers_to_different_members_may_overtake_but_not_one_members_own() -> None:
    # the room's order: ann 0, bob 1, ann 2, bob 3; answers: bob's two, then ann's two
    sent = [_sent(0, "@ann"), _sent(1, "@bob"), _sent(2, "@ann"), _sent(3, "@bob")]
    place = {f"$c{n}": n for n in range(4)}
    overtaken = {
        "$c0": [Answer(12, 101.0)],
        "$c1": [Answer(10, 101.0)],
        "$c2": [Answer(13, 101.0)],
        "$c3": [Answer(11, 101.0)],
    }

    found = tally(sent, overtaken, place)

    assert (found.out_of_order, found.out_of_room_order) == (0, 2)
    swapped = {**overtaken, "$c0": [Answer(13, 101.0)], "$c2": [Answer(12, 101.0)]}
    assert tally(sent, swapped, place).out_of_order == 1


def test_answers_in_another_room_are_not_compared() -> None:
    sent = [_sent(0, room="!a"), _sent(1, room="!b")]
    answers = {"$c0": [Answer(11, 101.0)], "$c1": [Answer(10, 101.0)]}

    found = tally(sent, answers, {"$c0": 0, "$c1": 1})

    assert (found.out_of_order, found.out_of_room_order) == (0, 0)


def _burst(tail: float, p50: float = 50.0, member: int = 0, room: int = 0, lost: int = 0) -> Burst:
    return Burst(20, 20 - lost, lost, 0, tail, p50, member, room)


def _row(rows: list[Figure], ending: str) -> Figure:
    [row] = [r for r in rows if r.metric.endswith(ending)]
    return row


def test_our_tail_is_judged_against_maubots_in_the_same_run_and_the_echo_bots_without_it() -> None:
    ours, echo = _burst(900), _burst(400)

    assert _row(bot_rows("b", ours, echo, _burst(1000)), "last answer").passed is True
    assert _row(bot_rows("b", ours, echo, _burst(800)), "last answer").passed is False
    assert _row(bot_rows("b", ours, echo, None), "last answer").limit == pytest.approx(480)


def test_one_members_answers_out_of_order_fail_while_others_overtaking_is_only_shown() -> None:
    maubot = _burst(1000, p50=70, member=3, room=9)
    rows = bot_rows("b", _burst(900, member=1, room=5), _burst(400), maubot, crowd=True)

    member = _row(rows, "a member's answers out of command order")
    assert (member.passed, member.maubot) == (False, 3)
    room = _row(rows, "answers out of the room's command order")
    assert (room.value, room.passed, room.maubot) == (5, None, 9)
    p50 = _row(rows, "answer p50")
    assert (p50.passed, p50.maubot) == (None, 70)
    assert p50.maubot_ratio == pytest.approx(50 / 70)
    in_order = bot_rows("b", _burst(900, room=5), _burst(400), maubot, crowd=True)
    assert _row(in_order, "a member's answers out of command order").passed is True


def test_the_bursts_by_many_members_show_each_peers_then_judge_ours() -> None:
    mb = CrowdBursts(_burst(500), _burst(2000), rooms=10)
    rows = member_burst_rows(MemberBursts(10, CrowdBursts(_burst(450), _burst(2100), 10), mb, mb))

    judged = {r.metric.split(":")[0] for r in rows if r.passed is not None}
    assert judged == {"bot burst of 20 by 10 members, one room", "bot burst of 20 by 10 members, 10 rooms"}
    shown = {r.metric.split(":")[0] for r in rows}
    assert "maubot burst of 20 by 10 members, 10 rooms" in shown
    tails = [r for r in rows if r.metric.startswith("bot burst") and r.metric.endswith("last answer")]
    assert [(r.value, r.maubot, r.passed) for r in tails] == [(450, 500, True), (2100, 2000, False)]
