"""checkins' commands on the fake transport: answers by command and by reply, notes and their limits,
opting out and away, the status and its order, nudges and the close on the bot's clock, export,
history, refusals and stopping a series. ✅ reactions, restarts and downtime, and nudges by direct
message go through the homeserver (test_plugin.py)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from matrixbot.plugins.checkins import Checkins

from matrixbot.testing import FakeBot, FakeClock, MakeFakeBot, Posted

ALICE, BOB, CAROL, DAVE = "@alice:x", "@bob:x", "@carol:x", "@dave:x"
QUARTERLY = (
    "!checkin start Are you (and your co-op) still active? What would help you take part?\n"
    "who: room\nevery: 3 months\nnudge: 3 days\ncloses: 2 weeks"
)


def line_of(body: str, user_id: str) -> str:
    """The line of a status or history message about `user_id`."""
    name = user_id[1:].split(":")[0]
    return next(line for line in body.split("\n") if name in line)


def said(posted: list[Posted], text: str, msgtype: str = "m.notice") -> Posted:
    """The one post among `posted` of `msgtype` that says `text`."""
    [found] = [p for p in posted if p.msgtype == msgtype and text in p.body]
    return found


async def checkins_bot(fake_bot: MakeFakeBot, now: str) -> tuple[FakeBot, FakeClock]:
    clock = FakeClock(now, "Europe/London")
    return await fake_bot(plugins=[Checkins], clock=clock), clock


async def reply(bot: FakeBot, room: str, sender: str, text: str, relation: dict[str, object]) -> list[Posted]:
    content = {"msgtype": "m.text", "body": text, "m.relates_to": relation}
    return await bot.send(room, sender, "m.room.message", content)


async def test_round_answers_nudge_status_export_close_and_history(fake_bot: MakeFakeBot) -> None:
    bot, clock = await checkins_bot(fake_bot, "2024-03-01 10:00")
    room = bot.room(ALICE, BOB, CAROL, DAVE)
    for member in (ALICE, BOB):
        assert "Good Praxis" in (await bot.say(room, member, "!checkin org Good Praxis")).body

    posted = await bot.send(room, ALICE, "m.room.message", {"msgtype": "m.text", "body": QUARTERLY})
    assert "Started check-in C1: 4 asked" in said(posted, "Started check-in").body
    question = said(posted, "Check-in C1", "m.text")
    assert sorted(question.mentions) == sorted([ALICE, BOB, CAROL, DAVE])
    assert f"https://matrix.to/#/{DAVE}" in question.html
    assert "Fri 15 Mar 2024, 10:00 GMT" in question.body

    noted = await bot.say(room, ALICE, "!here <b>all well</b>")
    assert "noted for check-in C1" in noted.body
    await bot.say(room, BOB, "!here")
    thread = {"rel_type": "m.thread", "event_id": question.event_id, "is_falling_back": True}
    [ack] = await reply(bot, room, CAROL, "=1+1 busy, but still here", thread)
    assert ack.type == "m.reaction" and ack.content["m.relates_to"]["rel_type"] == "m.annotation"

    status = await bot.say(room, ALICE, "!checkin status")
    assert "3 of 4 answered" in status.body
    assert "&lt;b&gt;all well&lt;/b&gt;" in status.html and "<b>all well</b>" not in status.html
    assert "answered Fri 1 Mar 2024, 10:00 GMT: <b>all well</b>" in line_of(status.body, ALICE)
    assert "answered" in line_of(status.body, BOB)
    assert "=1+1 busy, but still here" in line_of(status.body, CAROL)
    assert "not yet answered" in line_of(status.body, DAVE)
    assert status.body.index("Good Praxis") < status.body.index("bob") < status.body.index("No co-op given")

    clock.advance(timedelta(days=3, minutes=1))
    nudge = said(await bot.run_due(), "Reminder", "m.text")
    assert nudge.mentions == [DAVE]
    assert nudge.reply_to == question.event_id
    assert ALICE not in nudge.html and "late" not in nudge.body

    exported = await bot.say(room, ALICE, "!checkin export c1")
    assert exported.msgtype == "m.file" and exported.body == "checkin-C1.csv"
    rows = list(csv.reader(io.StringIO(bot.fake.uploads[exported.content["url"]].decode())))
    assert rows[0] == ["member", "name", "org", "answered at", "note"]
    by_user = {row[0].removeprefix("'"): row for row in rows[1:]}  # user ids start with @: quoted
    assert by_user[ALICE][2:] == ["Good Praxis", "2024-03-01T10:00+00:00", "<b>all well</b>"]
    assert by_user[BOB][2:] == ["Good Praxis", "2024-03-01T10:00+00:00", ""]
    assert by_user[CAROL][2:] == ["", "2024-03-01T10:00+00:00", "'=1+1 busy, but still here"]
    assert by_user[DAVE][2:] == ["", "", ""]

    clock.advance(timedelta(days=11))
    summary = said(await bot.run_due(), "Check-in C1 has closed")
    assert "3 of 4 answered" in summary.body and "did not answer" in line_of(summary.body, DAVE)
    closed = await bot.say(room, DAVE, "!here")
    assert closed.body == (
        "Check-in C1 closed Fri 15 Mar 2024, 10:00 GMT; your answer, sent Fri 15 Mar 2024, 10:01 GMT, "
        "was not counted."
    )
    assert "Check-in C1 closed" in (await bot.say(room, DAVE, "!here C1 late")).body
    assert "There is no check-in C9 here." in (await bot.say(room, DAVE, "!checkin status C9")).body
    history = await bot.say(room, BOB, f"!checkin history {ALICE}")
    assert "(Good Praxis)" in history.body
    assert (
        "C1 (Fri 1 Mar 2024, 10:00 GMT): answered Fri 1 Mar 2024, 10:00 GMT: <b>all well</b>" in history.body
    )


async def test_opt_out_away_long_notes_and_answers_by_reply(fake_bot: MakeFakeBot) -> None:
    bot, _ = await checkins_bot(fake_bot, "2024-03-01 10:00")
    room = bot.room(ALICE, BOB, CAROL, DAVE)
    assert "no check-ins here yet" in (await bot.say(room, ALICE, "!checkin")).body
    await bot.say(room, BOB, "!checkin optout")
    away = await bot.say(room, CAROL, "!checkin away until 1 April")
    assert "away until Mon 1 Apr 2024, 00:00 BST" in away.body
    missing = await bot.say(room, DAVE, "!checkin away until")
    assert missing.body.startswith(
        "The date is missing: say when you will be back, e.g. !checkin away until "
    )

    posted = await bot.send(
        room,
        ALICE,
        "m.room.message",
        {"msgtype": "m.text", "body": f"!checkin start Still active?\nwho: {BOB}, {CAROL}, {DAVE}"},
    )
    question = said(posted, "Check-in C1", "m.text")
    assert question.mentions == [DAVE], "opted out and away are not pinged"

    too_long = await bot.say(room, DAVE, "!here " + "x" * 1001)
    assert "at most 1000" in too_long.body
    thread = {"rel_type": "m.thread", "event_id": question.event_id, "is_falling_back": True}
    [refused] = await reply(bot, room, DAVE, "y" * 1001, thread)
    assert "at most 1000" in refused.body
    status = await bot.say(room, ALICE, "!checkin status")
    assert "0 of 3 answered" in status.body
    assert "not yet answered (opted out of pings)" in line_of(status.body, BOB)
    assert "away until Mon 1 Apr 2024, 00:00 BST" in line_of(status.body, CAROL)

    [ack] = await reply(bot, room, CAROL, "back in April", {"m.in_reply_to": {"event_id": question.event_id}})
    assert ack.type == "m.reaction"
    await bot.say(room, DAVE, "!checkin away until 1 April")
    assert "away until Mon 1 Apr" in line_of((await bot.say(room, ALICE, "!checkin status")).body, DAVE)
    await bot.say(room, DAVE, "!checkin back")
    status = await bot.say(room, ALICE, "!checkin")
    assert "1 of 3 answered" in status.body
    assert "answered Fri 1 Mar 2024, 10:00 GMT: back in April" in line_of(status.body, CAROL)
    assert line_of(status.body, DAVE).endswith("not yet answered")
    await bot.say(room, BOB, "!checkin optin")
    status = await bot.say(room, ALICE, "!checkin status")
    assert line_of(status.body, BOB).endswith("not yet answered")


async def test_only_the_organiser_or_an_admin_stops_a_series_and_nothing_runs_after(
    fake_bot: MakeFakeBot,
) -> None:
    bot, clock = await checkins_bot(fake_bot, "2024-03-04 09:00")
    room = bot.room(ALICE, BOB)
    await bot.say(room, ALICE, "!checkin start Still with us?\nevery: 1 week\nnudge: 1 day\ncloses: 2 days")
    clock.set("2024-03-06 09:00", "Europe/London")
    said(await bot.run_due(), "Check-in C1 has closed")
    refused = await bot.say(room, BOB, "!checkin stop")
    assert refused.body == "Only alice (its organiser) or a room admin can stop check-in C1."
    stopped = await bot.say(room, ALICE, "!checkin stop")
    assert "C1 will not repeat. The next round, due Mon 11 Mar 2024, 09:00 GMT, is off." in stopped.body
    clock.set("2024-04-30 09:00", "Europe/London")
    assert await bot.run_due() == []
