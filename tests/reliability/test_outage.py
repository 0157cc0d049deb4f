"""The homeserver goes away for a minute while reminders fall due.

On a Synapse of its own (the session's is shared by other tests). The bot must answer a command
within 5 s of the homeserver's return, and post every reminder once, marked late (with the reason)
when it went out over a minute past due, unmarked when not. Measured from the homeserver's
timestamps, counted from the room's history.

    .venv/bin/python -m pytest -q -m slow tests/reliability/test_outage.py -s
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from matrixbot.plugins.meetings import Meetings

from matrixbot.testing.chat import ChatClient
from matrixbot.testing.synapse import Synapse
from matrixbot.testing.testbot import TestBot
from tests.reliability.figures import record
from tests.reliability.history import body, reply_to, room_history

pytestmark = pytest.mark.slow

OUTAGE = 63.0
"""A minute and a little: the reminders due as it begins are then over a minute late whatever the
homeserver's restart takes (1 to 5 s here), so the test cannot pass by luck of timing."""
ANSWER_WITHIN = 5.0
#: reminder text -> seconds after the homeserver stopped that it falls due
REMINDERS = {"early-a": 1.0, "early-b": 2.0, "mid": 30.0, "end": 50.0}


async def test_answers_within_seconds_of_the_homeserver_return_and_posts_reminders_late(
    own_synapse: Synapse, tmp_path: Path
) -> None:
    server = own_synapse
    bot = alice = None
    try:
        bot_account = await asyncio.to_thread(server.register, "bot")
        person = await asyncio.to_thread(server.register, "alice")
        bot = await TestBot.start(server, bot_account, tmp_path / "bot", plugins=[Meetings])
        alice = await ChatClient.connect(server.url, person)
        room = await bot.room_with(alice)

        lead = 15  # seconds from setting the reminders to stopping the homeserver
        for text, after_stop in REMINDERS.items():
            await bot.ask(alice, room, f"!remind in {lead + after_stop:.0f} seconds {text}")
        rows = await bot.database.fetch_all("SELECT text, due_at FROM meetings_reminders")
        due = {row["text"]: row["due_at"] for row in rows}
        stop_at = due["early-a"] - REMINDERS["early-a"]
        await asyncio.sleep(max(0.0, stop_at - time.time()))

        await asyncio.to_thread(server.stop)
        stopped = time.time()
        await asyncio.sleep(OUTAGE - (time.time() - stopped))
        await asyncio.to_thread(server.start)  # same port, same database
        back = time.time()

        command = await alice.say(room, "!help")
        reply = await alice.wait_for_reply(command, sender=bot.user_id, timeout=60)
        await asyncio.sleep(5)  # a reminder posted twice would show now
        history = await room_history(server.url, person.access_token, room)
    finally:
        if alice is not None:
            await alice.close()
        if bot is not None:
            await bot.stop()

    by_id = {e["event_id"]: e for e in history}
    answer_after = (reply.ts - by_id[command]["origin_server_ts"]) / 1000
    since_return = reply.ts / 1000 - back
    posts = {
        text: [e for e in history if e["sender"] == bot.user_id and body(e).startswith(f"⏰ {text}")]
        for text in REMINDERS
    }
    print(
        f"\noutage: Synapse down {back - stopped:.1f} s (restart took {server.startup_seconds:.1f} s); "
        f"'!help' sent on its return answered {answer_after:.2f} s later by the homeserver's clock "
        f"({since_return:.2f} s after it answered again)"
    )
    for text, found in posts.items():
        late = [(e["origin_server_ts"] / 1000 - due[text]) for e in found]
        notes = [line for e in found for line in body(e).splitlines() if "was due" in line]
        back_by = [(e["origin_server_ts"] / 1000 - back) for e in found]
        print(
            f"  {text}: posted {len(found)}x, {', '.join(f'{x:.1f} s' for x in late)} after due "
            f"({', '.join(f'{x:.1f} s' for x in back_by)} after the return); {notes}"
        )

    marked = sum(1 for found in posts.values() for e in found if "was due" in body(e))
    record(
        "outage",
        f"down {back - stopped:.0f} s: a command sent on its return answered {answer_after:.1f} s later; "
        f"{sum(len(f) for f in posts.values())} posts for {len(posts)} reminders, "
        f"{marked} marked late with the reason",
    )
    assert reply_to(by_id[reply.event_id]) == command
    assert answer_after <= ANSWER_WITHIN, (
        f"the bot answered {answer_after:.1f} s after the homeserver's return"
    )
    assert since_return <= ANSWER_WITHIN + 1
    for text, found in posts.items():
        assert len(found) == 1, f"reminder {text} posted {len(found)} times"
        [post] = found
        posted_after_return = post["origin_server_ts"] / 1000 - back
        assert posted_after_return <= ANSWER_WITHIN, (
            f"reminder {text}, due in the outage, went out {posted_after_return:.1f} s after the homeserver's return"
        )
        lateness = post["origin_server_ts"] / 1000 - due[text]
        said = body(post)
        if lateness > 61:
            assert "\nThis reminder was due " in said and said.endswith(
                "; the homeserver was unreachable."
            ), f"{text} went out {lateness:.0f} s late without saying why: {said!r}"
        elif lateness < 59:
            assert "was due" not in said, f"{text} went out {lateness:.0f} s after due, marked late: {said!r}"
    assert "was due" in body(posts["early-a"][0]), "the reminder due first in the outage is late"
