"""The test harness itself: two ChatClients talk through the session's Synapse."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from nio.crypto import GroupSessionStore

from matrixbot.testing.chat import ChatClient, Seen
from matrixbot.testing.pytest_plugin import MakeChat
from matrixbot.testing.synapse import Synapse

POLL_START = "org.matrix.msc3381.poll.start"
POLL_RESPONSE = "org.matrix.msc3381.poll.response"


async def meet(alice: ChatClient, bob: ChatClient, *, encrypted: bool = False) -> str:
    """Alice creates a room and invites Bob, Bob accepts, and Alice has seen him join."""
    room = await alice.create_room(name="harness", invite=[bob.user_id], encrypted=encrypted)
    invite = await bob.wait_for(lambda e: e.room_id == room and e.membership == "invite", after=0)
    assert invite.state_key == bob.user_id
    assert invite.sender == alice.user_id
    await bob.join(room)
    await alice.wait_for_membership(room, bob.user_id, "join")
    return room


def from_(sender: ChatClient, event_type: str = "m.room.message") -> Callable[[Seen], bool]:
    """Matches events of `event_type` sent by `sender`."""
    return lambda e: e.sender == sender.user_id and e.type == event_type


def has_body(body: str, event: Seen) -> bool:
    return event.body == body


def test_extra_config_replaces_top_level_keys(tmp_path: Path) -> None:
    tight = {"per_second": 0.5, "burst_count": 2}
    config = Synapse(tmp_path, extra_config={"rc_message": tight}).config()
    assert config["rc_message"] == tight
    assert config["rc_room_creation"]["burst_count"] >= 1000
    assert config["listeners"][0]["bind_addresses"] == ["127.0.0.1"]


def test_a_failed_start_shows_the_log(tmp_path: Path) -> None:
    server = Synapse(tmp_path, extra_config={"database": {"name": "no-such-engine"}})
    with pytest.raises(RuntimeError, match="no-such-engine"):
        server.start(timeout=60)
    assert not server.running
    server.stop()


async def test_two_clients_talk(chat: MakeChat) -> None:
    alice, bob = await chat("alice"), await chat("bob")
    room = await meet(alice, bob)
    assert alice.user_id.startswith("@alice-")

    bob.mark()
    sent = await alice.say(room, "hello *bob*", html="hello <em>bob</em>", mentions=[bob.user_id])
    seen = await bob.wait_for(from_(alice))
    assert seen.event_id == sent
    assert seen.room_id == room
    assert seen.body == "hello *bob*"
    assert seen.msgtype == "m.text"
    assert seen.formatted_body == "hello <em>bob</em>"
    assert seen.mentions == [bob.user_id]
    assert seen.ts > 0
    assert not seen.encrypted
    assert bob.events()[seen.position] is seen

    await bob.say(room, "a notice", msgtype="m.notice")
    notice = await alice.wait_for(from_(bob))
    assert (notice.msgtype, notice.body) == ("m.notice", "a notice")
    assert [e.event_id for e in alice.events(room) if e.event_id == sent] == [sent]

    await bob.leave(room)
    assert bob.membership(room, bob.user_id) == "leave"
    await alice.wait_for_membership(room, bob.user_id, "leave")


async def test_reply_and_thread_fields(chat: MakeChat) -> None:
    alice, bob = await chat("alice"), await chat("bob")
    room = await meet(alice, bob)

    root = await alice.say(room, "root")
    reply = await bob.say(room, "a reply", reply_to=root)
    got_reply = await alice.wait_for_reply(root, sender=bob.user_id)
    assert got_reply.event_id == reply
    assert got_reply.reply_to == root
    assert got_reply.thread_root is None

    in_thread = await bob.say(room, "in the thread", thread_root=root)
    answer = await bob.say(room, "answer in thread", thread_root=root, reply_to=in_thread)
    first = await alice.wait_for(lambda e: e.event_id == in_thread)
    assert first.thread_root == root
    assert first.reply_to == root
    assert first.relates_to["is_falling_back"] is False
    second = await alice.wait_for_reply(in_thread)
    assert second.event_id == answer
    assert (second.thread_root, second.reply_to) == (root, in_thread)


async def test_reaction_and_redaction_are_seen(chat: MakeChat) -> None:
    alice, bob = await chat("alice"), await chat("bob")
    room = await meet(alice, bob)
    message = await alice.say(room, "react to me")

    reaction = await bob.react(room, message, "👍")
    seen = await alice.wait_for(from_(bob, "m.reaction"))
    assert seen.event_id == reaction
    assert seen.relates_to == {"rel_type": "m.annotation", "event_id": message, "key": "👍"}

    await bob.redact(room, reaction, reason="oops")
    redaction = await alice.wait_for(from_(bob, "m.room.redaction"))
    assert redaction.redacts == reaction
    assert redaction.content.get("reason") == "oops"


async def test_custom_event_types_are_recorded_raw(chat: MakeChat) -> None:
    alice, bob = await chat("alice"), await chat("bob")
    room = await meet(alice, bob)
    start_content = {
        "org.matrix.msc3381.poll.start": {
            "question": {"org.matrix.msc1767.text": "Lunch?"},
            "kind": "org.matrix.msc3381.poll.disclosed",
            "max_selections": 1,
            "answers": [{"id": "a", "org.matrix.msc1767.text": "Yes"}],
        },
        "org.matrix.msc1767.text": "Lunch?\n1. Yes",
    }
    poll = await alice.send(room, POLL_START, start_content)
    seen_poll = await bob.wait_for(from_(alice, POLL_START))
    assert (seen_poll.event_id, seen_poll.content) == (poll, start_content)

    vote = {"m.relates_to": {"rel_type": "m.reference", "event_id": poll}, POLL_RESPONSE: {"answers": ["a"]}}
    await bob.send(room, POLL_RESPONSE, vote)
    seen_vote = await alice.wait_for(from_(bob, POLL_RESPONSE))
    assert seen_vote.content == vote
    assert seen_vote.relates_to["event_id"] == poll


async def test_wait_for_timeout_is_readable(chat: MakeChat) -> None:
    alice = await chat("alice")
    room = await alice.create_room(name="lonely")
    await alice.say(room, "nobody answers")

    with pytest.raises(AssertionError) as failure:
        await alice.wait_for(lambda e: e.body == "an answer", timeout=0.3)
    text = str(failure.value)
    assert 'e.body == "an answer"' in text
    assert "within 0.3 s" in text
    assert "'nobody answers'" in text
    assert alice.user_id in text


async def test_assert_quiet(chat: MakeChat) -> None:
    alice = await chat("alice")
    room = await alice.create_room()
    alice.mark()
    await alice.assert_quiet(lambda e: e.type == "m.room.message", for_seconds=0.2)

    await alice.say(room, "noise")
    with pytest.raises(AssertionError, match="'noise'"):
        await alice.assert_quiet(lambda e: e.body == "noise", for_seconds=0.2)


async def test_set_power_level(chat: MakeChat) -> None:
    alice, bob = await chat("alice"), await chat("bob")
    room = await meet(alice, bob)
    bob.mark()

    await alice.set_power_level(room, bob.user_id, 50)
    change = await bob.wait_for(from_(alice, "m.room.power_levels"))
    assert change.content["users"][bob.user_id] == 50
    assert bob.nio.rooms[room].power_levels.get_user_level(bob.user_id) == 50


async def test_twenty_messages_at_once_are_all_seen(synapse: Synapse, chat: MakeChat) -> None:
    alice, bob = await chat("alice"), await chat("bob")
    room = await meet(alice, bob)
    bob.mark()

    bodies = [f"burst {i}" for i in range(20)]
    await asyncio.gather(*(alice.say(room, body) for body in bodies))
    for body in bodies:
        await bob.wait_for(partial(has_body, body))

    # A client connecting now gets all twenty in one initial sync (Synapse's default limit is 10).
    late = await ChatClient.connect(synapse.url, bob.account)
    try:
        seen = {e.body for e in late.events(room) if e.type == "m.room.message"}
        assert set(bodies) <= seen
    finally:
        await late.close()


async def test_a_gap_in_a_limited_timeline_is_filled(chat: MakeChat) -> None:
    alice, bob = await chat("alice"), await chat("bob")
    room = await meet(alice, bob)
    before = bob.mark()

    bodies = [f"while away {i}" for i in range(130)]
    async with bob.offline():
        for start in range(0, len(bodies), 26):
            await asyncio.gather(*(alice.say(room, body) for body in bodies[start : start + 26]))
    await bob.until_synced()
    seen = [e.body for e in bob.events(room, since=before) if e.type == "m.room.message"]
    assert sorted(seen) == sorted(bodies)
    assert len(seen) == len(bodies)


async def test_encrypted_round_trip(chat: MakeChat) -> None:
    alice, bob = await chat("alice", encrypted=True), await chat("bob", encrypted=True)
    room = await meet(alice, bob, encrypted=True)
    bob.mark()

    sent = await alice.say(room, "a secret")
    secret = await bob.wait_for(from_(alice))
    assert (secret.event_id, secret.body, secret.encrypted) == (sent, "a secret", True)
    assert secret.source["type"] == "m.room.message"

    alice.mark()
    reaction = await bob.react(room, sent, "🔒")
    seen_reaction: Seen = await alice.wait_for(from_(bob, "m.reaction"))
    assert seen_reaction.event_id == reaction
    assert seen_reaction.encrypted
    assert seen_reaction.relates_to == {"rel_type": "m.annotation", "event_id": sent, "key": "🔒"}

    vote = {"m.relates_to": {"rel_type": "m.reference", "event_id": sent}, POLL_RESPONSE: {"answers": ["x"]}}
    await bob.send(room, POLL_RESPONSE, vote)
    seen_vote = await alice.wait_for(from_(bob, POLL_RESPONSE))
    assert seen_vote.encrypted
    assert seen_vote.content[POLL_RESPONSE] == {"answers": ["x"]}
    assert seen_vote.relates_to == vote["m.relates_to"]

    burst = [f"burst {i}" for i in range(5)]
    await asyncio.gather(*(alice.say(room, body) for body in burst))
    for body in burst:
        assert (await bob.wait_for(partial(has_body, body))).encrypted

    reply = await bob.say(room, "still secret", reply_to=sent)
    got = await alice.wait_for_reply(sent, sender=bob.user_id)
    assert (got.event_id, got.body, got.encrypted) == (reply, "still secret", True)
    assert not [e for e in alice.events(room) + bob.events(room) if e.type == "m.room.encrypted"]


async def test_plain_client_refuses_an_encrypted_room(chat: MakeChat) -> None:
    alice, bob = await chat("alice", encrypted=True), await chat("bob")
    room = await meet(alice, bob, encrypted=True)
    with pytest.raises(ValueError, match="encrypted=True"):
        await bob.say(room, "in clear")


async def test_a_message_whose_key_comes_late_is_logged_once_readable(chat: MakeChat) -> None:
    alice, bob = await chat("alice", encrypted=True), await chat("bob", encrypted=True)
    room = await meet(alice, bob, encrypted=True)
    bob.mark()
    await alice.say(room, "one")
    await bob.wait_for(from_(alice))

    olm = bob.nio.olm
    assert olm is not None
    keys, olm.inbound_group_store = olm.inbound_group_store, GroupSessionStore()
    sent = await alice.say(room, "two")
    unreadable = await bob.wait_for(lambda e: e.event_id == sent)
    assert (unreadable.type, unreadable.encrypted) == ("m.room.encrypted", True)

    olm.inbound_group_store = keys
    await bob.until_synced()
    readable = await bob.wait_for(lambda e: e.event_id == sent and e.type == "m.room.message")
    assert (readable.body, readable.encrypted) == ("two", True)
    assert readable.position > unreadable.position


def test_the_kits_face_lists_every_name_it_loads():
    import matrixbot.testing as kits

    assert sorted(kits.__all__) == sorted(kits._EXPORTS)
    for name in kits.__all__:
        assert getattr(kits, name) is not None, name
