"""Every name the bench takes from matrixbot's internals, in one place (the bench runs the bot as a
separate process; these are its test homeserver, test client, store seeding and parser)."""

from matrixbot.clock import FakeClock, SystemClock
from matrixbot.commands import Body
from matrixbot.core_schema import CORE_MIGRATIONS
from matrixbot.db import Database
from matrixbot.fakebot import FakeBot
from matrixbot.homeserver import Account, Synapse
from matrixbot.registry import discover
from matrixbot.testing import ChatClient, Seen
from matrixbot.timeparse import TimeParser

__all__ = [
    "CORE_MIGRATIONS",
    "Account",
    "Body",
    "ChatClient",
    "Database",
    "FakeBot",
    "FakeClock",
    "Seen",
    "Synapse",
    "SystemClock",
    "TimeParser",
    "discover",
]
