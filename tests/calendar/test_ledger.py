"""What a room's calendar remembers between fetches: a sequence per item that rises when it changes,
an item no longer offered served as cancelled for a while, one that left the window forgotten, and
a failing plugin's items served as before."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from matrixbot import CalendarItem, Recurrence
from matrixbot.calendar.ledger import CANCELLED_KEPT, Offer, Tracked, from_json, reconcile, to_json

NOW = datetime(2024, 3, 1, 12, tzinfo=UTC)
SINCE = NOW - timedelta(days=90)


def item(
    key: str = "M1", title: str = "Call", days: int = 3, repeat: Recurrence | None = None
) -> CalendarItem:
    start = NOW + timedelta(days=days)
    return CalendarItem(key, title, start, start + timedelta(hours=1), "Europe/London", repeat=repeat)


def offer(i: CalendarItem, plugin: str = "meetings") -> Offer:
    return Offer(f"{i.key}.{plugin}", plugin, i)


def served(
    offers: list[Offer],
    tracked: dict[str, Tracked],
    now: datetime = NOW,
    failed: frozenset[str] = frozenset(),
):
    plan = reconcile(offers, tracked, set(failed), now, now - timedelta(days=90))
    record = dict(tracked)
    for write in plan.writes:
        record[write.uid] = write
    for uid in plan.forget:
        record.pop(uid)
    return plan, record


def test_an_item_keeps_its_sequence_until_it_changes():
    plan, record = served([offer(item())], {})
    assert [(e.sequence, e.cancelled) for e in plan.entries] == [(0, False)]
    again, record = served([offer(item())], record)
    assert again.writes == [] and again.entries[0].sequence == 0
    moved, record = served([offer(item(days=4))], record)
    assert moved.entries[0].sequence == 1 and moved.writes
    renamed, _ = served([offer(item(days=4, title="Board call"))], record)
    assert renamed.entries[0].sequence == 2


def test_an_item_no_longer_offered_is_cancelled_for_a_while_then_forgotten():
    _, record = served([offer(item())], {})
    gone, record = served([], record)
    assert [(e.sequence, e.cancelled) for e in gone.entries] == [(1, True)]
    still, record = served([], record, NOW + CANCELLED_KEPT)
    assert [(e.sequence, e.cancelled) for e in still.entries] == [(1, True)] and not still.writes
    later, record = served([], record, NOW + CANCELLED_KEPT + timedelta(minutes=1))
    assert later.entries == [] and later.forget == ["M1.meetings"] and record == {}


def test_an_item_offered_again_is_confirmed_with_a_new_sequence():
    _, record = served([offer(item())], {})
    _, record = served([], record)
    back, _ = served([offer(item())], record)
    assert [(e.sequence, e.cancelled) for e in back.entries] == [(2, False)]


def test_a_one_off_item_that_left_the_window_is_forgotten_not_cancelled():
    _, record = served([offer(item(days=-1))], {})
    later, record = served([], record, NOW + timedelta(days=92))
    assert later.entries == [] and record == {}
    weekly = item(days=-400, repeat=Recurrence("WEEKLY"))
    _, record = served([offer(weekly)], {})
    ended, _ = served([], record)
    assert [e.cancelled for e in ended.entries] == [True], "a repeat is not over: it was cancelled"


def test_a_failing_plugins_items_are_served_as_last_recorded():
    _, record = served([offer(item()), offer(item("S1"), "signups")], {})
    plan, after = served([offer(item("S1"), "signups")], record, failed=frozenset({"meetings"}))
    assert [(e.uid, e.sequence, e.cancelled) for e in plan.entries] == [
        ("M1.meetings", 0, False),
        ("S1.signups", 0, False),
    ]
    assert after == record


def test_an_item_survives_its_json_unchanged():
    monthly = replace(
        item(repeat=Recurrence("MONTHLY", 1, 1, 1)),
        skipped=(NOW + timedelta(days=30),),
        place="Hall",
        url="https://x.example/a",
        details="a, b; c\nd",
        busy=False,
        kind="meeting",
    )
    back = from_json(to_json(monthly))
    assert to_json(back) == to_json(monthly)
    assert (back.start, back.skipped, back.repeat, back.details) == (
        monthly.start,
        monthly.skipped,
        monthly.repeat,
        monthly.details,
    )
