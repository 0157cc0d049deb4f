"""The bench's bursts: how answers out of command order are counted, and how a burst by many members
is spread over rooms and members (the bursts themselves run in `test_bench_smoke.py`)."""

from __future__ import annotations

import pytest

from bench.members import spread
from bench.timing import out_of_order


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
