"""The bot in end-to-end encrypted rooms, through a real homeserver and encrypting clients."""

from __future__ import annotations

import secrets

import nio
import pytest

from matrixbot.api.commands import command
from matrixbot.api.context import Context
from matrixbot.api.plugin import Plugin
from matrixbot.errors import StartupError
from matrixbot.matrix import crypto


class Filer(Plugin):
    name = "filer"
    description = "Uploads a small file (a test plugin)."

    @command("file")
    async def file(self, ctx: Context) -> None:
        """Upload a CSV."""
        await ctx.outbox.file(
            ctx.room_id, b"member,note\nalice,hi\n", "export.csv", "text/csv", reply_to=ctx.event
        )


async def test_answers_encrypted_and_keeps_its_device_across_restarts(start_bot, chat):
    t = await start_bot(plugins=[Filer])
    alice = await chat("alice", encrypted=True)
    room = await t.room_with(alice, encrypted=True)
    device = t.running.parts.transport.device_id
    reply = await t.ask(alice, room, "!help")
    assert reply.encrypted and "!help" in reply.body
    await t.restart()
    assert t.running.parts.transport.device_id == device
    again = await t.ask(alice, room, "!plugins")
    assert again.encrypted and "filer on" in again.body


async def test_files_are_uploaded_encrypted_in_encrypted_rooms(start_bot, chat):
    t = await start_bot(plugins=[Filer])
    alice = await chat("alice", encrypted=True)
    room = await t.room_with(alice, encrypted=True)
    event_id = await alice.say(room, "!file")
    upload = await alice.wait_for(lambda e: e.sender == t.user_id and e.msgtype == "m.file")
    assert upload.encrypted and upload.reply_to == event_id
    assert "file" in upload.content and "url" not in upload.content
    downloaded = await alice.nio.download(upload.content["file"]["url"])
    assert isinstance(downloaded, nio.DownloadResponse) and isinstance(downloaded.body, bytes)
    assert b"alice,hi" not in downloaded.body
    keys = upload.content["file"]
    plain = nio.crypto.attachments.decrypt_attachment(
        downloaded.body, keys["key"]["k"], keys["hashes"]["sha256"], keys["iv"]
    )
    assert plain == b"member,note\nalice,hi\n"


async def test_unreadable_message_is_reported_once(start_bot, chat, monkeypatch):
    monkeypatch.setattr(crypto, "NOTICE_AFTER", 0.2)
    t = await start_bot()
    alice = await chat("alice", encrypted=True)
    room = await t.room_with(alice, encrypted=True)
    await t.ask(alice, room, "!help")
    # a message encrypted for a session the bot never received a key for
    content = {
        "algorithm": "m.megolm.v1.aes-sha2",
        "sender_key": alice.nio.olm.account.identity_keys["curve25519"],
        "session_id": secrets.token_urlsafe(32),
        "ciphertext": secrets.token_urlsafe(64),
        "device_id": alice.nio.device_id,
    }
    method, path, data = nio.Api.room_send(
        alice.nio.access_token, room, "m.room.encrypted", content, "bogus1"
    )
    sent = await alice.nio._send(nio.RoomSendResponse, method, path, data, (room,))
    assert isinstance(sent, nio.RoomSendResponse)

    def notice(e):
        return e.sender == t.user_id and "could not read a message" in e.body

    for _ in range(10):  # each command makes the bot sync, when it checks what is overdue
        await t.ask(alice, room, "!plugins")
        try:
            found = await alice.wait_for(notice, timeout=0.5, after=0)
            break
        except AssertionError:
            continue
    else:
        raise AssertionError("the bot never said it could not read the message")
    assert (
        t.running.parts.transport.device_id in found.body and "Please send again what matters" in found.body
    )
    await t.ask(alice, room, "!plugins")
    await alice.until_synced()
    assert len([e for e in alice.events(room) if notice(e)]) == 1


async def test_lost_or_damaged_crypto_store_stops_the_start_clearly(start_bot, chat):
    t = await start_bot()
    alice = await chat("alice", encrypted=True)
    room = await t.room_with(alice, encrypted=True)
    await t.ask(alice, room, "!help")
    device = t.running.parts.transport.device_id
    await t.stop()
    store = crypto.crypto_dir(t.config) / f"{t.user_id}_{device}.db"
    store.rename(store.with_suffix(".bak"))
    with pytest.raises(StartupError, match="is missing"):
        await t.resume()
    await t.stop()
    store.with_suffix(".bak").rename(store)
    (crypto.crypto_dir(t.config) / "pickle_key").write_text("not the key")
    with pytest.raises(StartupError, match="cannot be opened"):
        await t.resume()
    await t.stop()


async def test_device_shows_the_bot_session_and_owners_trust_devices(start_bot, chat):
    owner = await chat("owner", encrypted=True)
    t = await start_bot(owners=(owner.user_id,), e2ee=crypto_config("verified-only"))
    member = await chat("member", encrypted=True)
    room = await t.room_with(owner, member, encrypted=True)
    shown = await t.ask(owner, room, "!device")
    assert f"/verify {t.running.parts.transport.device_id} " in shown.body
    refused = await t.ask(member, room, f"!device trust {owner.user_id} {owner.nio.device_id}")
    assert "Only the bot's owners" in refused.body
    listed = await t.ask(owner, room, f"!device list {member.user_id}")
    assert member.nio.device_id in listed.body and "ignored" in listed.body
    trusted = await t.ask(owner, room, f"!device trust {member.user_id} {member.nio.device_id}")
    assert "I now trust" in trusted.body
    after = await t.ask(member, room, f"!device list {member.user_id}")
    assert "verified" in after.body


def crypto_config(trust: str):
    from matrixbot.config import E2EEConfig

    return E2EEConfig(enabled=True, trust=trust)


async def test_poll_vote_and_reminder_work_in_an_encrypted_room(start_bot, chat):
    from matrixbot.plugins.datepoll import DatePoll
    from matrixbot.plugins.meetings import Meetings

    t = await start_bot(plugins=[DatePoll, Meetings])
    alice, bob = await chat("alice", encrypted=True), await chat("bob", encrypted=True)
    room = await t.room_with(alice, bob, encrypted=True)
    await alice.wait_for_membership(room, bob.user_id)
    await bob.wait_for_membership(room, t.user_id)
    text = await t.ask(
        alice, room, "!poll Encrypted call\n3-4pm Monday 1st March 2027\n3-4pm Tuesday 2nd March 2027"
    )
    assert text.encrypted and "P1: Encrypted call" in text.body
    poll = await alice.wait_for(
        lambda e: e.type == "org.matrix.msc3381.poll.start" and e.sender == t.user_id, after=0
    )
    assert poll.encrypted
    response = {
        "m.relates_to": {"rel_type": "m.reference", "event_id": poll.event_id},
        "org.matrix.msc3381.poll.response": {"answers": ["2"]},
    }
    await bob.send(room, "org.matrix.msc3381.poll.response", response)
    await alice.react(room, text.event_id, "1️⃣")
    results = await t.ask(alice, room, "!poll P1")
    assert "Not voted yet: nobody" in results.body

    made = await t.ask(alice, room, "!remind in 3 seconds encrypted stand-up")
    assert made.encrypted
    reminder = await bob.wait_for(
        lambda e: e.sender == t.user_id and "encrypted stand-up" in e.body and e.msgtype == "m.text",
        timeout=15,
    )
    assert reminder.encrypted
