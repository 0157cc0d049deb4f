import math

from matrixbot.matrix import permissions as p

PL = {"users": {"@admin:x": 100, "@mod:x": 50}, "users_default": 0, "state_default": 50}


def test_state_default_decides_admins():
    assert p.is_room_admin(PL, "@admin:x") and p.is_room_admin(PL, "@mod:x")
    assert not p.is_room_admin(PL, "@member:x")


def test_events_override_for_settings_type():
    levels = {**PL, "events": {p.SETTINGS_EVENT_TYPE: 100}}
    assert not p.is_room_admin(levels, "@mod:x")
    assert p.is_room_admin(levels, "@admin:x")


def test_users_default_applies_to_unlisted():
    assert p.is_room_admin({"users_default": 50, "state_default": 50}, "@anyone:x")


def test_room_v12_creators_outrank_everyone():
    create = {"sender": "@founder:x", "content": {"room_version": "12", "additional_creators": ["@co:x"]}}
    creators = p.creators(create)
    assert creators == {"@founder:x", "@co:x"}
    assert p.user_level(PL, "@founder:x", creators) == math.inf
    assert p.is_room_admin({"state_default": 100}, "@co:x", creators)


def test_older_rooms_have_no_implicit_creator_power():
    assert p.creators({"sender": "@founder:x", "content": {"room_version": "10"}}) == frozenset()
    assert not p.is_room_admin(PL, "@founder:x", p.creators({"sender": "@founder:x", "content": {}}))


def test_malformed_levels_fall_back_to_spec_defaults():
    assert p.state_level({"state_default": "oops"}) == 50
    assert p.room_mention_level({}) == 50
    assert p.redact_level({"redact": 0}) == 0
