"""Test kits for matrixbot and its plugins: FakeBot (the real core over a fake transport), a throwaway
Synapse, chat clients, and a pytest plugin with the fixtures. Nothing the running bot imports uses this.

The names a plugin's tests annotate with are importable from here (`from matrixbot.testing import
FakeBot, FakeClock, Posted`); the fixtures (`fake_bot`, `start_bot`, `chat`, ...) come with the
pytest plugin that installing matrixbot registers.
"""

from matrixbot.engine.parts import NotStarted, Parts
from matrixbot.testing.chat import ChatClient, Seen, edit_by
from matrixbot.testing.fakebot import FakeBot, FakeClient, Posted
from matrixbot.testing.pytest_plugin import MakeAccount, MakeChat, MakeFakeBot, StartBot
from matrixbot.testing.synapse import Account, Synapse
from matrixbot.testing.testbot import TestBot
from matrixbot.time import FakeClock

__all__ = [
    "Account",
    "ChatClient",
    "FakeBot",
    "FakeClient",
    "FakeClock",
    "MakeAccount",
    "MakeChat",
    "MakeFakeBot",
    "NotStarted",
    "Parts",
    "Posted",
    "Seen",
    "StartBot",
    "Synapse",
    "TestBot",
    "edit_by",
]
