"""Security: a member with power level 0 can do no admin's or organiser's action, an access code
shows nowhere before its reveal (replies, listings, exports, the log at DEBUG), and two bots in one
room do not answer each other.

The permission and export checks run on FakeBot (fast, in the default run); the DEBUG log of a real
`matrixbot run` and the two bots run against the real Synapse (slow).
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from matrixbot.plugins.checkins import Checkins
from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.meetings import Meetings
from matrixbot.plugins.signups import Signups

from matrixbot.api.commands import Command
from matrixbot.testing import FakeBot, Posted
from matrixbot.testing.chat import Seen
from matrixbot.testing.pytest_plugin import MakeFakeBot
from matrixbot.time import FakeClock
from tests.ops.test_processes import stderr_of
from tests.reliability.figures import record

CODE = "731946"
ALICE, BOB, CAROL = "@alice:x", "@bob:x", "@carol:x"

# -- FakeBot: permissions ------------------------------------------------------------------------

ATTEMPTS = {
    "enable": "!enable checkins",
    "disable": "!disable datepoll",
    "set": "!set timezone America/New_York",
    "device trust": "!device trust @alice:x ALICEDEVICE",
    "meeting edit": "!meeting edit M1\nwhen: Friday 4pm",
    "meeting cancel": "!meeting cancel M1",
    "meeting skip": "!meeting skip M1",
    "reminder cancel": "!reminder cancel R1",
    "poll fix": "!poll fix P1 1 3-4pm Wed 28 Feb 2024",
    "poll close": "!poll close P1",
    "poll closes": "!poll closes P1 in 3 days",
    "poll reopen": "!poll reopen P2",
    "poll pick": "!poll pick P2 1",
    "poll runoff": "!poll runoff P2",
    "busy remove": "!busy remove 1",
    "checkin stop": "!checkin stop C1",
    "signup close": "!signup close S1",
    "signup reopen": "!signup reopen S1",
    "signup remove": "!signup remove S1 @carol:x",
    "signup edit": "!signup edit S1\nwhere: Elsewhere",
    "signup move": "!signup move S1 1 2",
    "calendar reset": "!calendar reset",
    "calendar off": "!calendar off",
    "calendar on": "!calendar on",
}
"""Every action reserved to room admins or to the thing's organiser, as a member would try it."""
BOOKKEEPING = {"inbox", "meta", "direct_rooms"}
"""Tables that record the handling of any message, not what a command may change."""


def admin_commands(specs: list[Command[...]]) -> set[str]:
    """The full names of the commands (and subcommands) declared `admin=True`."""
    found = set()
    for spec in specs:
        if spec.admin:
            found.add(spec.full_name)
        found |= admin_commands(list(spec.subcommands.values()))
    return found


async def snapshot(bot: FakeBot) -> dict[str, list[tuple[object, ...]]]:
    tables = await bot.database.connection.tables()
    return {
        name: sorted((tuple(r) for r in await bot.database.fetch_all(f"SELECT * FROM {name}")), key=repr)
        for name in tables
        if name not in BOOKKEEPING and not name.startswith("sqlite_")
    }


@pytest.fixture
async def bot(fake_bot: MakeFakeBot) -> FakeBot:
    return await fake_bot(
        plugins=[DatePoll, Meetings, Checkins, Signups], clock=FakeClock("2024-02-20 12:00", "Europe/London")
    )


async def test_a_member_can_do_no_admin_or_organiser_action(bot):
    room = bot.room(ALICE, BOB, CAROL, admins=[ALICE])
    setup = [
        f"!meeting Board\nwhen: tomorrow 3pm\nrepeat: weekly\ncode: {CODE}",
        "!remind tomorrow 9am invoices",
        "!poll Call\n3-4pm Mon 26 Feb 2024\n3-4pm Tue 27 Feb 2024",
        "!poll Tied\n3-4pm Mon 26 Feb 2024\n3-4pm Tue 27 Feb 2024",
        "!vote P2 1 2",
        "!poll close P2",
        "!busy add Congress 1-3 March 2024",
        "!checkin start Still here?\nevery: 3 months",
        "!signup new Talks\nwhen: 1 March 2024 6pm\ntalks: 3",
    ]
    for text in setup:
        await bot.send(room, ALICE, "m.room.message", {"msgtype": "m.text", "body": text})
    await bot.run_due()
    for text in ("!signup talk S1 First", "!signup talk S1 Second"):
        await bot.say(room, CAROL, text)
    declared = admin_commands(list(bot.parts.registry.commands.values()))
    assert declared and declared <= set(ATTEMPTS), (
        f"an admin command is not tried here: {declared - set(ATTEMPTS)}"
    )
    before = await snapshot(bot)
    for action, text in ATTEMPTS.items():
        reply = await bot.say(room, BOB, text)
        assert reply.body.startswith("Only "), f"{action} by a member: {reply.body!r}"
    direct = bot.room(BOB)
    refused = await bot.say(direct, BOB, "!meeting code M1 999999")
    assert refused.body.startswith("Only alice (its organiser)"), refused.body
    assert await bot.run_due() == [], "a refused action scheduled nothing"
    after = await snapshot(bot)
    changed = [t for t in before if before[t] != after[t]]
    assert not changed, f"refused actions changed {changed}"


# -- FakeBot: no code anywhere before its reveal ---------------------------------------------------


def shows(posts: list[Posted], secret: str) -> list[str]:
    return [p.body for p in posts if secret in str(p.content)]


async def test_no_code_in_any_output_export_or_log_before_its_reveal(bot, debug_log):
    room = bot.room(ALICE, BOB, admins=[ALICE])
    start = len(bot.fake.posted)
    await bot.say(
        room, ALICE, f"!meeting Board\nwhen: tomorrow 3pm\nurl: https://e.x/b\ncode: {CODE}\nremind: 1 hour"
    )
    assert bot.fake.redacted, "the message showing the code was removed"
    await bot.say(bot.room(ALICE), ALICE, "!meeting code M1 318274")
    for text in ("!meetings", "!meeting M1", "!meeting edit M1\ntitle: Board call", "!meeting ics M1"):
        await bot.say(room, BOB, text)
    await bot.say(room, BOB, "!help meeting")
    before_reveal = bot.fake.posted[start:]
    uploads = list(bot.fake.uploads.values())
    assert uploads, "the ICS export was made"
    for secret in (CODE, "318274"):
        assert not shows(before_reveal, secret), f"the code {secret} shows before its reveal"
        assert not [u for u in uploads if secret.encode() in u], "an export shows the code"
    bot.clock.advance(timedelta(hours=26))
    [reminder] = await bot.run_due()
    assert "318274" in reminder.body, "the code set last is revealed with the last reminder"
    await bot.say(room, BOB, "!meeting ics M1")
    assert b"318274" in list(bot.fake.uploads.values())[-1], "after the reveal the export has it"
    log = debug_log.getvalue()
    assert "DEBUG" in log and CODE not in log and "318274" not in log


# -- the real homeserver ---------------------------------------------------------------------------


async def _wait_for_line(proc: asyncio.subprocess.Process, log: list[bytes], text: bytes) -> None:
    while not any(text in line for line in log):
        line = await asyncio.wait_for(stderr_of(proc).readline(), 60)
        assert line, f"the bot exited before logging {text!r}: {b''.join(log[-20:]).decode()}"
        log.append(line)


async def _drain(proc: asyncio.subprocess.Process, log: list[bytes]) -> None:
    while line := await stderr_of(proc).readline():
        log.append(line)


@pytest.mark.slow
async def test_debug_log_of_the_whole_meeting_flow_shows_no_secret(tmp_path, synapse, account, chat):
    """A real `matrixbot run` at DEBUG: create (with link and code), list, edit, export, reveal.

    The code, the bot's password and its access token appear nowhere in the log, at any level.
    """
    bot = account("bot")
    data = tmp_path / "data"
    config = tmp_path / "config.yaml"
    config.write_text(
        f"homeserver: {synapse.url}\nuser_id: '{bot.user_id}'\npassword: '{bot.password}'\n"
        f"data_dir: {data}\nlog_level: DEBUG\ndefault_plugins: [meetings]\n"
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "matrixbot", "run", "--config", str(config), stderr=asyncio.subprocess.PIPE
    )
    log: list[bytes] = []
    try:
        await _wait_for_line(proc, log, b"matrixbot started")
        reader = asyncio.create_task(_drain(proc, log))
        alice = await chat("alice", encrypted=True)
        room = await alice.create_room(invite=[bot.user_id], encrypted=True)
        await alice.wait_for_membership(room, bot.user_id, "join", timeout=30)

        async def ask(text: str) -> str:
            answer: Seen = await alice.wait_for_reply(
                await alice.say(room, text), sender=bot.user_id, timeout=30
            )
            return answer.body

        made = await ask(
            "!meeting Board call\nwhen: in 1 minute\nurl: https://meet.example.coop/board\n"
            f"code: {CODE}\nremind: 50 seconds"
        )
        assert "M1" in made and CODE not in made
        assert "Board call" in await ask("!meetings")
        assert "Updated M1" in await ask("!meeting edit M1\nurl: https://meet.example.coop/board2")
        assert (await ask("!meeting ics M1")) == "meeting-M1.ics"
        reveal = await alice.wait_for(lambda e: e.sender == bot.user_id and CODE in e.body, timeout=60)
        assert "board2" in reveal.body
        proc.terminate()
        assert await asyncio.wait_for(proc.wait(), 30) == 0
        await reader
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    text = b"".join(log).decode()
    token = json.loads((data / "session.json").read_text())["access_token"]
    (Path(tmp_path) / "bot.log").write_text(text)
    assert " DEBUG " in text, "the log was not at DEBUG"
    leaks = [line for line in text.splitlines() if CODE in line or bot.password in line or token in line]
    assert not leaks, f"{len(leaks)} of {len(text.splitlines())} log lines show a secret, e.g. {leaks[:3]}"
    record(
        "secrets at DEBUG",
        f"{len(text.splitlines())} log lines through create, list, edit, export and reveal: "
        "none shows the access code, the password or the access token",
    )


@pytest.mark.slow
async def test_two_bots_in_one_room_do_not_answer_each_other(start_bot, chat):
    """Each answers the member once; neither answers the other's replies or reminders."""
    first = await start_bot(plugins=[Meetings])
    second = await start_bot(plugins=[Meetings])
    bots = {first.user_id, second.user_id}
    alice = await chat("alice")
    room = await alice.create_room(invite=sorted(bots))
    for user_id in bots:
        await alice.wait_for_membership(room, user_id, "join", timeout=30)
        # its hello (a notice naming !help) comes first; the other bot does not answer it
        await alice.wait_for(lambda e, u=user_id: e.sender == u and e.body.startswith("👋 Hello!"), after=0)
    start = alice.mark()
    asked = [await alice.say(room, "!help"), await alice.say(room, "!remind in 3 seconds !help")]
    for user_id in bots:
        for event_id in asked:
            await alice.wait_for_reply(event_id, sender=user_id, timeout=20)
        await alice.wait_for(
            lambda e, u=user_id: e.sender == u and "!help" in e.body and e.msgtype == "m.text"
        )
    await asyncio.sleep(5)
    await alice.until_synced()
    posted = [e for e in alice.events(room, since=start) if e.sender in bots and e.type == "m.room.message"]
    per_bot = {u: sum(e.sender == u for e in posted) for u in bots}
    assert per_bot == dict.fromkeys(bots, 3), f"each bot posts 2 answers and 1 reminder: {per_bot}"
    answered_bot = [e for e in posted if e.reply_to not in (None, *asked)]
    assert not answered_bot, f"a bot answered a bot: {[e.body for e in answered_bot]}"
