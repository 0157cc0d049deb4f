"""Test kits for matrixbot and its plugins: FakeBot (the real core over a fake transport), a throwaway
Synapse, chat clients, and a pytest plugin with the fixtures. Nothing the running bot imports uses this.

The names a plugin's tests annotate with are importable from here (`from matrixbot.testing import
FakeBot, FakeClock, Posted`); the fixtures (`fake_bot`, `start_bot`, `chat`, ...) come with the
pytest plugin that installing matrixbot registers.

The names load on first use (PEP 562), like matrixbot's own face: `matrixbot demo` uses the Synapse
and chat kits with only the `demo` extra installed, so importing `matrixbot.testing.chat` must not
pull in the pytest plugin (and pytest with it).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "Account": "matrixbot.testing.synapse",
    "ChatClient": "matrixbot.testing.chat",
    "FakeBot": "matrixbot.testing.fakebot",
    "FakeClient": "matrixbot.testing.fakeclient",
    "FakeClock": "matrixbot.time",
    "MakeAccount": "matrixbot.testing.pytest_plugin",
    "MakeChat": "matrixbot.testing.pytest_plugin",
    "MakeFakeBot": "matrixbot.testing.pytest_plugin",
    "NotStarted": "matrixbot.errors",
    "Started": "matrixbot.engine.assembly",
    "Postgres": "matrixbot.testing.postgres",
    "Posted": "matrixbot.testing.fakeclient",
    "Seen": "matrixbot.testing.chat",
    "StartBot": "matrixbot.testing.pytest_plugin",
    "Storage": "matrixbot.testing.pytest_plugin",
    "Synapse": "matrixbot.testing.synapse",
    "TestBot": "matrixbot.testing.testbot",
    "edit_by": "matrixbot.testing.chat",
}

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
    "Posted",
    "Postgres",
    "Seen",
    "StartBot",
    "Started",
    "Storage",
    "Synapse",
    "TestBot",
    "edit_by",
]


if not TYPE_CHECKING:  # hidden from type checkers: they see the imports below

    def __getattr__(name: str) -> Any:
        module = _EXPORTS.get(name)
        if module is None:
            raise AttributeError(f"module 'matrixbot.testing' has no attribute {name!r}")
        value = getattr(import_module(module), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


if TYPE_CHECKING:
    from matrixbot.engine.assembly import Started
    from matrixbot.errors import NotStarted
    from matrixbot.testing.chat import ChatClient, Seen, edit_by
    from matrixbot.testing.fakebot import FakeBot
    from matrixbot.testing.fakeclient import FakeClient, Posted
    from matrixbot.testing.postgres import Postgres
    from matrixbot.testing.pytest_plugin import MakeAccount, MakeChat, MakeFakeBot, StartBot, Storage
    from matrixbot.testing.synapse import Account, Synapse
    from matrixbot.testing.testbot import TestBot
    from matrixbot.time import FakeClock
