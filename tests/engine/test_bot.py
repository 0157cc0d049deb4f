"""The core through a real homeserver: invites, power levels seen through sync, threads, bursts,
restarts and gaps, the first start, the command line. Its command handling: test_dispatch.py (FakeBot)."""

from __future__ import annotations

import asyncio

import pytest

from tests.engine.crashy import Crashy
from tests.ops.test_processes import stderr_of


async def test_joins_on_invite_and_answers_help(start_bot, chat):
    t = await start_bot(plugins=[Crashy])
    alice = await chat("alice")
    room = await t.room_with(alice)
    reply = await t.ask(alice, room, "!help")
    assert reply.msgtype == "m.notice"
    assert "!enable PLUGIN" in reply.body and "!boom" in reply.body
    assert reply.content["format"] == "org.matrix.custom.html"
    detail = await t.ask(alice, room, "!help echo")
    assert "!echo TEXT" in detail.body and "Repeat a word." in detail.body


async def test_refuses_invite_from_disallowed_inviter(start_bot, chat):
    t = await start_bot(allowed_inviters=("@nobody-*:localhost",))
    mallory = await chat("mallory")
    room = await mallory.create_room(invite=[t.user_id])
    await mallory.wait_for_membership(room, t.user_id, "leave", timeout=20)


async def test_a_power_level_raised_in_the_room_is_heard(start_bot, chat):
    """The levels come from the room's state as synced (the refusals themselves: test_dispatch.py)."""
    t = await start_bot(plugins=[Crashy], default_plugins=("crashy",))
    admin, member = await chat("admin"), await chat("member")
    room = await t.room_with(admin, member)
    refused = await t.ask(member, room, "!disable crashy")
    assert refused.body.startswith(f"Only a room admin ({admin.user_id[1:].split(':')[0]}) can"), refused.body
    await admin.set_power_level(room, member.user_id, 50)
    await member.until_synced()
    allowed = await t.ask(member, room, "!disable crashy")
    assert "crashy is now off" in allowed.body


async def test_answers_in_thread_and_strips_reply_fallback(start_bot, chat):
    t = await start_bot(plugins=[Crashy])
    alice = await chat("alice")
    room = await t.room_with(alice)
    root = await alice.say(room, "a thread root")
    reply = await t.ask(alice, room, "!echo threaded", thread_root=root)
    assert reply.thread_root == root
    quoted = await alice.say(room, "> <@x:localhost> earlier\n\n!echo quoted", reply_to=root)
    answer = await alice.wait_for_reply(quoted, sender=t.user_id)
    assert answer.body == "echo quoted"


async def test_twenty_commands_at_once_are_all_answered_once(start_bot, chat):
    t = await start_bot(plugins=[Crashy])
    alice = await chat("alice")
    room = await t.room_with(alice)
    sent = await asyncio.gather(*(alice.say(room, f"!echo n{i}") for i in range(20)))
    for event_id in sent:
        await alice.wait_for_reply(event_id, sender=t.user_id, timeout=20)
    await alice.until_synced()
    answers = [e.body for e in alice.events(room) if e.sender == t.user_id and e.body.startswith("echo n")]
    assert sorted(answers) == sorted(f"echo n{i}" for i in range(20))


async def test_restart_neither_replays_nor_loses_commands(start_bot, chat):
    t = await start_bot(plugins=[Crashy])
    alice = await chat("alice")
    room = await t.room_with(alice)
    await t.ask(alice, room, "!echo before")
    await t.stop()
    while_down = [await alice.say(room, f"!echo down{i}") for i in range(3)]
    await t.resume()
    for event_id in while_down:
        await alice.wait_for_reply(event_id, sender=t.user_id, timeout=20)
    await t.ask(alice, room, "!echo after")
    await alice.until_synced()
    bodies = [e.body for e in alice.events(room) if e.sender == t.user_id]
    assert bodies.count("echo before") == 1
    assert all(bodies.count(f"echo down{i}") == 1 for i in range(3))


async def test_gap_after_long_downtime_is_filled(start_bot, chat):
    t = await start_bot(plugins=[Crashy])
    alice = await chat("alice")
    room = await t.room_with(alice)
    await t.ask(alice, room, "!echo start")
    await t.stop()
    first = await alice.say(room, "!echo early")
    for i in range(110):
        await alice.say(room, f"chatter {i}")
    last = await alice.say(room, "!echo late")
    await t.resume()
    assert (await alice.wait_for_reply(first, sender=t.user_id, timeout=30)).body == "echo early"
    assert (await alice.wait_for_reply(last, sender=t.user_id, timeout=30)).body == "echo late"


async def test_first_start_skips_history(synapse, chat, account, tmp_path):
    from matrixbot.testing.testbot import TestBot

    alice = await chat("alice")
    bot_account = account("bot")
    room = await alice.create_room(invite=[bot_account.user_id])
    # the bot joins by itself later; the old command was written before it ever ran
    old = await alice.say(room, "!echo old")
    t = await TestBot.start(synapse, bot_account, tmp_path / "fresh", plugins=[Crashy])
    try:
        await alice.wait_for_membership(room, t.user_id, "join", timeout=20)
        new = await alice.say(room, "!echo new")
        await alice.wait_for_reply(new, sender=t.user_id)
        await alice.until_synced()
        assert not [e for e in alice.events(room) if e.reply_to == old]
    finally:
        await t.stop()


@pytest.mark.parametrize("signal_name", ["SIGTERM"])
async def test_cli_check_config_and_clean_exit(tmp_path, synapse, account, signal_name):
    import signal
    import sys

    bot_account = account("bot")
    config = tmp_path / "config.yaml"
    config.write_text(
        f"homeserver: {synapse.url}\nuser_id: '{bot_account.user_id}'\npassword: '{bot_account.password}'\n"
        f"data_dir: {tmp_path / 'data'}\nlog_level: INFO\n"
    )
    check = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "matrixbot",
        "check-config",
        "--config",
        str(config),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await check.communicate()
    assert check.returncode == 0 and b"OK" in out
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "matrixbot", "run", "--config", str(config), stderr=asyncio.subprocess.PIPE
    )
    line = b""
    while b"matrixbot started" not in line:
        line = await asyncio.wait_for(stderr_of(proc).readline(), 30)
        assert line, "the bot exited before starting"
    proc.send_signal(getattr(signal, signal_name))
    rest = await asyncio.wait_for(stderr_of(proc).read(), 30)
    assert await proc.wait() == 0
    log = line + rest
    assert bot_account.password.encode() not in log and bot_account.access_token.encode() not in log
