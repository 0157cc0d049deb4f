"""One member cannot hold the bot up or flood a room: made-up "encrypted" events (no keys needed,
even in a plain room) get one notice per sender per room, sent from the room's lane, while another
room's commands are answered; the log stays bounded."""

from __future__ import annotations

import logging
import secrets

import nio
import pytest

from matrixbot.matrix import crypto
from matrixbot.testing.pytest_plugin import MakeChat, StartBot

FLOOD = 40


async def test_made_up_encrypted_events_get_one_notice_and_do_not_hold_up_another_room(
    start_bot: StartBot, chat: MakeChat, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(crypto, "NOTICE_AFTER", 0.2)
    t = await start_bot()
    mallory, alice = await chat("mallory"), await chat("alice")
    flooded = await t.room_with(mallory)
    other = await t.room_with(alice)
    await t.ask(mallory, flooded, "!help")
    caplog.set_level(logging.INFO)
    caplog.clear()
    for n in range(FLOOD):
        content = {
            "algorithm": "m.megolm.v1.aes-sha2",
            "sender_key": secrets.token_urlsafe(32),
            "session_id": secrets.token_urlsafe(32),
            "ciphertext": secrets.token_urlsafe(64),
            "device_id": "MADEUP",
        }
        method, path, data = nio.Api.room_send(
            mallory.nio.access_token, flooded, "m.room.encrypted", content, f"f{n}"
        )
        assert isinstance(
            await mallory.nio._send(nio.RoomSendResponse, method, path, data, (flooded,)),
            nio.RoomSendResponse,
        )
    await t.ask(alice, other, "!help")  # answered while the flood waits its turn (latency: make bench)

    def notice(e: object) -> bool:
        return getattr(e, "sender", "") == t.user_id and "could not read" in getattr(e, "body", "")

    for _ in range(10):  # each command makes the bot sync, when it checks what is overdue
        await t.ask(mallory, flooded, "!plugins")
        if [e for e in mallory.events(flooded) if notice(e)]:
            break
    await t.ask(mallory, flooded, "!plugins")
    await mallory.until_synced()
    notices = [e for e in mallory.events(flooded) if notice(e)]
    assert len(notices) == 1, [e.body for e in notices]
    assert "messages mallory" in notices[0].body and "could not read" in notices[0].body
    shown = [
        r
        for r in caplog.records
        if r.levelno >= (logging.WARNING if r.name.startswith("nio") else logging.INFO)
    ]
    failed = [r for r in shown if "no session found" in r.getMessage()]
    assert len(failed) <= FLOOD, (
        f"{len(failed)} decryption warnings for {FLOOD} events: retries must not try again"
    )
    assert len(shown) <= 3 * FLOOD + 20, (
        f"{len(shown)} log lines for {FLOOD} events: {sorted({r.getMessage()[:60] for r in shown})}"
    )
