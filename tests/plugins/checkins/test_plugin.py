"""Check-ins through the real homeserver: rounds, answers, nudges, status, export, restarts."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta

import nio
from matrixbot.plugins.checkins import Checkins

from matrixbot.testing.chat import ChatClient, Seen
from matrixbot.testing.testbot import TestBot
from matrixbot.time import FakeClock

QUARTERLY = (
    "!checkin start Are you (and your co-op) still active? What would help you take part?\n"
    "who: room\nevery: 3 months\nnudge: 3 days\ncloses: 2 weeks"
)


def name(client: ChatClient) -> str:
    return client.user_id[1:].split(":")[0]


def line_of(body: str, client: ChatClient) -> str:
    """The line of a status or history message about `client`."""
    return next(line for line in body.split("\n") if name(client) in line)


def bot_says(t: TestBot, room: str, text: str, msgtype: str = "m.notice") -> Callable[[Seen], bool]:
    return lambda e: e.sender == t.user_id and e.room_id == room and e.msgtype == msgtype and text in e.body


async def test_round_answers_nudge_status_export(start_bot, chat):
    clock = FakeClock("2024-03-01 10:00", "Europe/London")
    t = await start_bot(plugins=[Checkins], clock=clock)
    alice, bob, carol, dave = [await chat(n) for n in ("alice", "bob", "carol", "dave")]
    room = await t.room_with(alice, bob, carol, dave)
    for member in (alice, bob):
        assert "Good Praxis" in (await t.ask(member, room, "!checkin org Good Praxis")).body

    started = await t.ask(alice, room, QUARTERLY)
    assert "Started check-in C1: 4 asked" in started.body
    question = await alice.wait_for(bot_says(t, room, "Check-in C1", "m.text"), after=0)
    assert sorted(question.mentions) == sorted(c.user_id for c in (alice, bob, carol, dave))
    assert f"https://matrix.to/#/{dave.user_id}" in (question.formatted_body or "")
    assert "Fri 15 Mar 2024, 10:00 GMT" in question.body

    noted = await t.ask(alice, room, "!here <b>all well</b>")
    assert "noted for check-in C1" in noted.body
    await bob.react(room, question.event_id, "✅")
    taken_back = await dave.react(room, question.event_id, "✅")
    await dave.redact(room, taken_back)
    answer = await carol.say(room, "=1+1 busy, but still here", thread_root=question.event_id)
    await carol.wait_for(
        lambda e: e.type == "m.reaction" and e.sender == t.user_id and e.relates_to.get("event_id") == answer,
        after=0,
    )

    status = await t.ask(alice, room, "!checkin status")
    assert "3 of 4 answered" in status.body
    assert "&lt;b&gt;all well&lt;/b&gt;" in (status.formatted_body or "")
    assert "answered Fri 1 Mar 2024, 10:00 GMT: <b>all well</b>" in line_of(status.body, alice)
    assert "answered" in line_of(status.body, bob)
    assert "=1+1 busy, but still here" in line_of(status.body, carol)
    assert "not yet answered" in line_of(status.body, dave)
    assert (
        status.body.index("Good Praxis") < status.body.index(name(bob)) < status.body.index("No co-op given")
    )

    alice.mark()
    clock.advance(timedelta(days=3, minutes=1))
    await t.bot.scheduler.run_due()
    nudge = await alice.wait_for(bot_says(t, room, "Reminder", "m.text"))
    assert nudge.mentions == [dave.user_id]
    assert nudge.reply_to == question.event_id
    assert alice.user_id not in (nudge.formatted_body or "") and "late" not in nudge.body

    exported = await t.ask(alice, room, "!checkin export c1")
    assert exported.msgtype == "m.file" and exported.body == "checkin-C1.csv"
    download = await alice.nio.download(exported.content["url"])
    assert isinstance(download, nio.MemoryDownloadResponse)
    rows = list(csv.reader(io.StringIO(download.body.decode())))
    assert rows[0] == ["member", "name", "org", "answered at", "note"]
    by_user = {row[0].removeprefix("'"): row for row in rows[1:]}  # user ids start with @: quoted
    assert by_user[alice.user_id][2:] == ["Good Praxis", "2024-03-01T10:00+00:00", "<b>all well</b>"]
    assert by_user[bob.user_id][2:] == ["Good Praxis", "2024-03-01T10:00+00:00", ""]
    assert by_user[carol.user_id][2:] == ["", "2024-03-01T10:00+00:00", "'=1+1 busy, but still here"]
    assert by_user[dave.user_id][2:] == ["", "", ""]

    clock.advance(timedelta(days=11))
    await t.bot.scheduler.run_due()
    summary = await alice.wait_for(bot_says(t, room, "Check-in C1 has closed"))
    assert "3 of 4 answered" in summary.body and "did not answer" in line_of(summary.body, dave)
    closed = await t.ask(dave, room, "!here")
    assert "There is no open check-in round" in closed.body
    assert "Check-in C1 has closed." in (await t.ask(dave, room, "!here C1 late")).body
    assert "There is no check-in C9 here." in (await t.ask(dave, room, "!checkin status C9")).body
    history = await t.ask(bob, room, f"!checkin history {alice.user_id}")
    assert "(Good Praxis)" in history.body
    assert (
        "C1 (Fri 1 Mar 2024, 10:00 GMT): answered Fri 1 Mar 2024, 10:00 GMT: <b>all well</b>" in history.body
    )


async def test_repeating_rounds_restart_late_missed_inactive_and_stop(start_bot, chat):
    clock = FakeClock("2024-03-04 09:00", "Europe/London")
    t = await start_bot(plugins=[Checkins], clock=clock)
    alice, bob = await chat("alice"), await chat("bob")
    room = await t.room_with(alice, bob)
    await t.ask(alice, room, "!checkin start Still with us?\nevery: 1 week\nnudge: 1 day\ncloses: 2 days")
    await t.ask(alice, room, "!here")

    await t.stop()
    clock.advance(timedelta(days=2, hours=1))  # the nudge (25 h ago: missed) and the close (1 h: late)
    await t.resume()
    summary = await alice.wait_for(bot_says(t, room, "Check-in C1 has closed"), after=0)
    # the nudge is overtaken by the close: only the close is said, not "please answer" after it closed
    assert not [e for e in alice.events(room) if "The reminder for check-in C1" in e.body]
    assert "\nThis summary was due Wed 6 Mar 2024, 09:00 GMT; the bot was offline." in summary.body
    assert "did not answer" in line_of(summary.body, bob)

    await t.stop()
    clock.set("2024-03-11 10:00", "Europe/London")  # round 2 fell due at 09:00, while the bot was down
    await t.resume()
    second = await alice.wait_for(bot_says(t, room, "Check-in C2", "m.text"), after=0)
    assert "\nThis check-in was due Mon 11 Mar 2024, 09:00 GMT; the bot was offline." in second.body
    assert sorted(second.mentions) == sorted([alice.user_id, bob.user_id])
    await t.ask(alice, room, "!here")
    await t.stop()
    clock.set("2024-03-18 16:00", "Europe/London")  # C2's close and round 3 (09:00) are beyond the 6 h grace
    await t.resume()
    closed = await alice.wait_for(bot_says(t, room, "Check-in C2 has closed"), after=0)
    assert "\nThis summary was due" in closed.body and "; the bot was offline." in closed.body
    assert "possibly inactive" in line_of(closed.body, bob)
    assert "possibly inactive" not in line_of(closed.body, alice)
    missed = await alice.wait_for(bot_says(t, room, "Round 3 of check-in"), after=0)
    assert "Mon 18 Mar 2024, 09:00 GMT" in missed.body and "offline" in missed.body
    await t.restart()
    refused = await t.ask(bob, room, "!checkin stop")
    assert "Only its organiser or a room admin" in refused.body
    stopped = await t.ask(alice, room, "!checkin stop")
    assert "C2 will not repeat. The next round, due Mon 25 Mar 2024, 09:00 GMT, is off." in stopped.body
    mark = alice.mark()
    clock.set("2024-04-30 09:00", "Europe/London")
    await t.bot.scheduler.run_due()
    await t.bot.scheduler.settle()  # whatever ran has posted; the clock stands, so nothing else is due
    await alice.until_synced()
    posted = [e.body for e in alice.events(room, since=mark) if e.sender == t.user_id]
    assert not [b for b in posted if "Check-in C" in b or "Round 3" in b], posted


async def test_dm_nudges_opt_out_away_and_long_notes(start_bot, chat):
    clock = FakeClock("2024-03-01 10:00", "Europe/London")
    t = await start_bot(plugins=[Checkins], clock=clock)
    alice, bob, carol, dave = [await chat(n) for n in ("alice", "bob", "carol", "dave")]
    room = await t.room_with(alice, bob, carol, dave)
    assert "no check-ins here yet" in (await t.ask(alice, room, "!checkin")).body
    assert "checkin_nudge is now dm" in (await t.ask(alice, room, "!set checkin_nudge dm")).body
    await t.ask(bob, room, "!checkin optout")
    away = await t.ask(carol, room, "!checkin away until 1 April")
    assert "away until Mon 1 Apr 2024, 00:00 BST" in away.body

    who = ", ".join(c.user_id for c in (bob, carol, dave))
    await t.ask(alice, room, f"!checkin start Still active?\nwho: {who}")
    question = await alice.wait_for(bot_says(t, room, "Check-in C1", "m.text"), after=0)
    assert question.mentions == [dave.user_id]

    too_long = await t.ask(dave, room, "!here " + "x" * 1001)
    assert "at most 1000" in too_long.body
    reply = await dave.say(room, "y" * 1001, thread_root=question.event_id)
    refused = await dave.wait_for_reply(reply, sender=t.user_id)
    assert "at most 1000" in refused.body
    status = await t.ask(alice, room, "!checkin status")
    assert "0 of 3 answered" in status.body
    assert "not yet answered (opted out of pings)" in line_of(status.body, bob)
    assert "away until Mon 1 Apr 2024, 00:00 BST" in line_of(status.body, carol)
    plain_reply = await carol.say(room, "back in April", reply_to=question.event_id)
    await carol.wait_for(
        lambda e: e.type == "m.reaction" and e.relates_to.get("event_id") == plain_reply, after=0
    )
    await t.ask(dave, room, "!checkin away until 1 April")
    assert "away until Mon 1 Apr" in line_of((await t.ask(alice, room, "!checkin status")).body, dave)
    await t.ask(dave, room, "!checkin back")
    status = await t.ask(alice, room, "!checkin")
    assert "1 of 3 answered" in status.body
    assert "answered Fri 1 Mar 2024, 10:00 GMT: back in April" in line_of(status.body, carol)
    assert line_of(status.body, dave).endswith("not yet answered")

    await t.stop()
    clock.advance(timedelta(days=3, hours=1))
    await t.resume()
    invite = await dave.wait_for(
        lambda e: e.membership == "invite" and e.state_key == dave.user_id and e.room_id != room, after=0
    )
    await dave.join(invite.room_id)
    nudge = await dave.wait_for(bot_says(t, invite.room_id, "Reminder", "m.text"), after=0)
    assert nudge.mentions == [dave.user_id] and "Still active?" in nudge.body
    assert "\nThis reminder was due" in nudge.body and "; the bot was offline." in nudge.body
    for other in (bob, carol):  # bob opted out, carol answered
        await other.until_synced()
        assert not [e for e in other.events() if e.membership == "invite" and e.room_id != room]
    await t.ask(bob, room, "!checkin optin")
    status = await t.ask(alice, room, "!checkin status")
    assert line_of(status.body, bob).endswith("not yet answered")
