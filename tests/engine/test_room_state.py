"""A restart resumes the rooms from the bot's own store and syncs on from its token: no full-state
sync, and every room, member, display name, power level and encryption flag known before the first
sync. The store is trusted only when it is what the syncs left (engine/roomstore.py)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from matrixbot.engine import roomstore
from matrixbot.matrix.roomstate import StateChanges, StoredMember
from matrixbot.testing.fakebot import FakeBot
from matrixbot.testing.pytest_plugin import Storage

BOT = "@bot:fake"
ALICE, BOB, CAROL, DAVE = "@alice:fake", "@bob:fake", "@carol:fake", "@dave:fake"
SECRET, PLAIN = "!secret:fake", "!plain:fake"
_ids = itertools.count(1)


def _state(kind: str, content: dict[str, Any], *, sender: str = ALICE, key: str = "") -> dict[str, Any]:
    return {
        "type": kind,
        "state_key": key,
        "content": content,
        "sender": sender,
        "event_id": f"$state{next(_ids)}",
        "origin_server_ts": 1_700_000_000_000,
    }


def _member(user_id: str, membership: str = "join", name: str | None = None) -> dict[str, Any]:
    content = {"membership": membership, **({"displayname": name} if name else {})}
    return _state("m.room.member", content, sender=user_id, key=user_id)


def _joined(**rooms: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> dict[str, Any]:
    """A sync's `rooms` section: for each room (by keyword: secret, plain), its state and timeline."""
    ids = {"secret": SECRET, "plain": PLAIN}
    return {
        "join": {
            ids[name]: {"state": {"events": state}, "timeline": {"events": timeline, "limited": False}}
            for name, (state, timeline) in rooms.items()
        }
    }


FIRST_TOLD = _joined(
    secret=(
        [
            _state("m.room.create", {"room_version": "10"}),
            _member(ALICE, name="Alice Smith"),
            _member(BOT, name="Bot"),
            _state("m.room.power_levels", {"users": {ALICE: 100, BOT: 40}, "state_default": 50}),
            _state("m.room.encryption", {"algorithm": "m.megolm.v1.aes-sha2"}),
        ],
        [_member(BOB, "invite", name="Bob"), _member(DAVE, name="Dave")],
    ),
    plain=(
        [
            _state("m.room.create", {"room_version": "12"}, sender=CAROL),
            _member(CAROL, name="Carol"),
            _member(BOT),
            _state("m.room.power_levels", {"users": {BOT: 100}, "state_default": 50}),
            _state("m.room.name", {"name": "Co-op garden"}),
        ],
        [],
    ),
)
LATER = _joined(
    secret=([], [_member(DAVE, "leave"), _member(ALICE, name="Alice S."), _member(CAROL, name="Carol")]),
)


@pytest.fixture
def settings(storage: Storage) -> dict[str, Any]:
    """One database for the test's bot across its restarts (on the test's engine)."""
    return storage.config()


async def _bot(
    data_dir: Path, settings: dict[str, Any], waiting: list[dict[str, Any]] | None = None
) -> FakeBot:
    return await FakeBot.create(data_dir, plugins=[], waiting=waiting or (), **settings)


async def _told_and_restarted(tmp_path: Path, settings: dict[str, Any]) -> FakeBot:
    first = await _bot(tmp_path / "bot", settings)
    try:
        await first.sync(FIRST_TOLD)
        await first.sync(LATER)
    finally:
        await first.stop()
    return await _bot(tmp_path / "bot", settings)


async def test_a_restart_knows_every_room_from_its_store_without_a_full_state_sync(
    tmp_path: Path, settings: dict[str, Any]
) -> None:
    bot = await _told_and_restarted(tmp_path, settings)
    try:
        since, full_state = bot.fake.syncs[0]
        assert since is not None and not full_state, "a restart on a trusted store syncs on from its token"
        rooms = bot.parts.rooms
        assert set(bot.fake.rooms) == {SECRET, PLAIN}
        assert rooms.members(SECRET) == sorted([ALICE, BOT, CAROL]), "joined; Dave left; Bob is invited"
        assert BOB in bot.fake.rooms[SECRET].invited_users
        assert rooms.display_name(SECRET, ALICE) == "Alice S.", "the newer display name"
        assert rooms.display_name(SECRET, CAROL) == "Carol"
        assert rooms.display_name(PLAIN, BOT) == BOT, "no display name: the user id"
        assert rooms.is_encrypted(SECRET) and not rooms.is_encrypted(PLAIN)
        assert rooms.name(PLAIN) == "Co-op garden"
        assert await rooms.is_admin(SECRET, ALICE) and not await rooms.is_admin(SECRET, CAROL)
        assert await rooms.user_level(PLAIN, CAROL) == float("inf"), "room version 12: the creator"
        assert await rooms.can_redact(PLAIN) and not await rooms.can_redact(SECRET)
        assert bot.fake.state_asked == [], "power levels and creators came from the store"
        assert bot.lifecycle.rooms_known.is_set()
    finally:
        await bot.stop()


async def test_the_first_start_asks_for_every_room_and_keeps_them(
    tmp_path: Path, settings: dict[str, Any]
) -> None:
    bot = await _bot(tmp_path / "bot", settings)
    try:
        assert bot.fake.syncs[0] == (None, True)
        await bot.sync(FIRST_TOLD)
        kept = await bot.parts.inbox.kept_rooms(await bot.parts.inbox.token(), BOT)
        assert kept.distrust is None
        assert {r.room_id: sorted(r.members) for r in kept.rooms} == {
            SECRET: sorted([ALICE, BOB, BOT, DAVE]),
            PLAIN: sorted([BOT, CAROL]),
        }
    finally:
        await bot.stop()


@pytest.mark.parametrize(
    "spoil",
    [
        "DELETE FROM meta WHERE key = 'room_state_at'",  # a database from before the rooms were kept
        "UPDATE meta SET value = 'elsewhere' WHERE key = 'room_state_at'",  # a token written without them
        f"DELETE FROM room_members WHERE user_id = '{BOT}' AND room_id = '{PLAIN}'",  # not what a sync left
        f"DELETE FROM room_state WHERE event_type = 'm.room.create' AND room_id = '{SECRET}'",
    ],
)
async def test_a_store_that_cannot_be_trusted_means_a_full_state_sync(
    tmp_path: Path, settings: dict[str, Any], spoil: str
) -> None:
    first = await _bot(tmp_path / "bot", settings)
    try:
        await first.sync(FIRST_TOLD)
        await first.database.execute(spoil)
    finally:
        await first.stop()
    bot = await _bot(tmp_path / "bot", settings)
    try:
        since, full_state = bot.fake.syncs[0]
        assert since is not None and full_state, "the stored rooms were not used"
        assert bot.fake.rooms == {}, "nothing restored from a store that cannot be trusted"
    finally:
        await bot.stop()


async def test_a_sync_that_changed_only_a_room_is_stored_before_the_next_token(
    tmp_path: Path, settings: dict[str, Any]
) -> None:
    """Syncs with nothing to handle skip their token write; one that changed a room must not, or
    the next sync's token would be stored past a change that never was."""
    first = await _bot(tmp_path / "bot", settings)
    try:
        await first.sync(FIRST_TOLD)
        # a change in the state section only (as a limited sync brings one): no event to handle
        await first.sync(_joined(plain=([_member(CAROL, name="Carol Jones")], [])))
        chat = {**_state("m.room.message", {"msgtype": "m.text", "body": "hi"}, sender=CAROL)}
        del chat["state_key"]
        await first.sync(_joined(plain=([], [chat])))  # an event: stored, with a later token
    finally:
        await first.stop()
    bot = await _bot(tmp_path / "bot", settings)
    try:
        assert bot.parts.rooms.display_name(PLAIN, CAROL) == "Carol Jones"
    finally:
        await bot.stop()


async def test_a_room_the_bot_left_is_not_restored(tmp_path: Path, settings: dict[str, Any]) -> None:
    first = await _bot(tmp_path / "bot", settings)
    try:
        await first.sync(FIRST_TOLD)
        await first.sync({"leave": {PLAIN: {"timeline": {"events": [_member(BOT, "leave")]}}}})
    finally:
        await first.stop()
    bot = await _bot(tmp_path / "bot", settings)
    try:
        assert set(bot.fake.rooms) == {SECRET}
        assert not bot.fake.syncs[0][1]
    finally:
        await bot.stop()


def test_changes_keep_the_last_word_on_each_member_and_event() -> None:
    changes = StateChanges()
    changes.observe(PLAIN, _member(CAROL, name="Carol"))
    changes.observe(PLAIN, _member(CAROL, name="Carol J."))
    changes.observe(PLAIN, _member(DAVE))
    changes.observe(PLAIN, _member(DAVE, "ban"))
    changes.observe(PLAIN, _member(BOB, "knock"))
    changes.observe(PLAIN, _state("m.room.name", {"name": "One"}))
    changes.observe(PLAIN, _state("m.room.name", {"name": "Two"}))
    changes.observe(PLAIN, _state("m.room.topic", {"topic": "not kept"}))
    changes.observe(PLAIN, {"type": "m.room.message", "content": {"body": "not state"}})
    assert changes.members == {
        (PLAIN, CAROL): StoredMember("join", "Carol J."),
        (PLAIN, DAVE): None,
        (PLAIN, BOB): None,
    }
    assert changes.events == {(PLAIN, "m.room.name"): {"sender": ALICE, "content": {"name": "Two"}}}
    changes.leave(PLAIN)
    assert not changes.members and not changes.events and changes.left == {PLAIN}


async def test_the_rooms_are_written_with_the_token_they_are_of(
    tmp_path: Path, settings: dict[str, Any]
) -> None:
    bot = await _bot(tmp_path / "bot", settings)
    try:
        changes = StateChanges()
        changes.observe(PLAIN, _state("m.room.create", {}))
        changes.observe(PLAIN, _member(BOT))
        await bot.parts.inbox.store([], "s-written", changes)
        kept = await roomstore.load(bot.database, "s-written", BOT)
        assert kept.distrust is None and [r.room_id for r in kept.rooms] == [PLAIN]
        stale = await roomstore.load(bot.database, "s-other", BOT)
        assert stale.distrust is not None and not stale.rooms
    finally:
        await bot.stop()


async def test_what_changed_while_the_bot_was_down_is_right_after_the_restart(
    tmp_path: Path, settings: dict[str, Any]
) -> None:
    """The restart's first sync (from the stored token) brings a new power level, a room the bot
    was removed from, and a room it was invited to and joined: all right before any command."""
    first = await _bot(tmp_path / "bot", settings)
    try:
        await first.sync(FIRST_TOLD)
    finally:
        await first.stop()
    garden = "!garden:fake"
    meanwhile = {
        "join": {
            SECRET: {
                "timeline": {
                    "events": [_state("m.room.power_levels", {"users": {ALICE: 100, CAROL: 100, BOT: 40}})],
                    "limited": False,
                }
            },
            garden: {
                "state": {"events": [_state("m.room.create", {}, sender=DAVE), _member(DAVE), _member(BOT)]},
                "timeline": {"events": [], "limited": False},
            },
        },
        "leave": {PLAIN: {"timeline": {"events": [_member(BOT, "leave")]}}},
    }
    bot = await _bot(tmp_path / "bot", settings, [meanwhile])
    try:
        assert bot.fake.syncs[0][0] is not None and not bot.fake.syncs[0][1], "no full-state sync"
        rooms = bot.parts.rooms
        assert await rooms.is_admin(SECRET, CAROL), "the power levels set while the bot was down"
        assert set(bot.fake.rooms) == {SECRET, garden}
        assert rooms.members(garden) == sorted([BOT, DAVE])
    finally:
        await bot.stop()
    again = await _bot(tmp_path / "bot", settings)
    try:
        kept = {
            r.room_id: r
            for r in (await again.parts.inbox.kept_rooms(await again.parts.inbox.token(), BOT)).rooms
        }
        assert set(kept) == {SECRET, garden}, "and the store says so too, for the next restart"
        assert (kept[SECRET].power_levels or {})["users"][CAROL] == 100
        assert await again.parts.rooms.is_admin(SECRET, CAROL)
    finally:
        await again.stop()


class _TokenWatch:
    """A transaction that notes whether the sync token 's-never' was written through it."""

    def __init__(self, tx: Any) -> None:
        self.tx, self.wrote_token = tx, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.tx, name)

    async def executemany(self, sql: str, rows: Any) -> None:
        rows = list(rows)
        self.wrote_token |= any(tuple(row) == ("sync_token", "s-never") for row in rows)
        await self.tx.executemany(sql, rows)


async def test_a_crash_before_the_token_commits_leaves_the_rooms_as_they_were(
    tmp_path: Path, settings: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rooms' changes and the token commit together: the process dying just before the token's
    transaction commits (as a kill -9 there) leaves the rooms of the old token, still trusted."""
    bot = await _bot(tmp_path / "bot", settings)
    try:
        await bot.sync(FIRST_TOLD)
        token = await bot.parts.inbox.token()
        db = bot.database
        write = db.write

        async def dies_before_the_token_commits(body: Any) -> Any:
            async def run(tx: Any) -> Any:
                watched = _TokenWatch(tx)
                result = await body(watched)
                if watched.wrote_token:
                    raise RuntimeError("killed before the commit")
                return result

            return await write(run)

        monkeypatch.setattr(db, "write", dies_before_the_token_commits)
        changes = StateChanges()
        changes.observe(PLAIN, _member(DAVE, name="Dave"))
        with pytest.raises(RuntimeError):
            await bot.parts.inbox.store([], "s-never", changes)
        monkeypatch.undo()
        assert await bot.parts.inbox.token() == token
        kept = await roomstore.load(db, token, BOT)
        assert kept.distrust is None, kept.distrust
        assert DAVE not in {r.room_id: r for r in kept.rooms}[PLAIN].members
    finally:
        await bot.stop()
