"""Every name the bench takes from matrixbot's internals, in one place (the bench runs the bot as a
separate process; these are its test homeserver, test client, store seeding, parser, calendar feed,
and the delay before it tells a room about unreadable messages)."""

from matrixbot.api.arguments import Body
from matrixbot.calendar.ics import render_ics
from matrixbot.calendar.ledger import Entry, fingerprint, to_json
from matrixbot.db import Database
from matrixbot.engine.registry import discover
from matrixbot.engine.schema import CORE_MIGRATIONS
from matrixbot.matrix.crypto import NOTICE_AFTER
from matrixbot.testing.chat import ChatClient, Seen
from matrixbot.testing.fakebot import FakeBot
from matrixbot.testing.synapse import Account, Synapse
from matrixbot.time import FakeClock, SystemClock, TimeParser

__all__ = [
    "CORE_MIGRATIONS",
    "NOTICE_AFTER",
    "Account",
    "Body",
    "ChatClient",
    "Database",
    "Entry",
    "FakeBot",
    "FakeClock",
    "Seen",
    "Synapse",
    "SystemClock",
    "TimeParser",
    "discover",
    "fingerprint",
    "render_ics",
    "to_json",
]
