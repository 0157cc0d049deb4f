"""Security through the real homeserver: no secret in a DEBUG log, and two bots in a room do not loop.

The permission checks and the exports live in `tests/unit/test_security_fakebot.py` (FakeBot, fast).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CODE = "731946"


async def _wait_for_line(proc: asyncio.subprocess.Process, log: list[bytes], text: bytes) -> None:
    while not any(text in line for line in log):
        line = await asyncio.wait_for(proc.stderr.readline(), 60)
        assert line, f"the bot exited before logging {text!r}: {b''.join(log[-20:]).decode()}"
        log.append(line)


async def _drain(proc: asyncio.subprocess.Process, log: list[bytes]) -> None:
    while line := await proc.stderr.readline():
        log.append(line)


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
            answer = await alice.wait_for_reply(await alice.say(room, text), sender=bot.user_id, timeout=30)
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
