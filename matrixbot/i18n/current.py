"""The language the bot is writing in right now, the room's language it reads too, and whose
catalog declared texts come from.

They are context variables: the core sets them where a piece of work starts (a command is invoked,
a job runs, a plugin's event handler is called, the engine posts a notice), and everything said
or read on the way, however deep, reads them. So no function needs a `language` argument, and a
task or a thread started from there (the time parser's worker) carries them along.

What a member types is read in English, in the room's language and in their own (the language of
the answer): keywords and the parser's own date words in all three, dateparser in the room's and
English only (`room_language`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matrixbot.i18n.catalogs import Translations

ENGLISH = "en"

_language: ContextVar[str] = ContextVar("matrixbot_language", default=ENGLISH)
_texts: ContextVar[Translations | None] = ContextVar("matrixbot_plugin_texts", default=None)
_room: ContextVar[str | None] = ContextVar("matrixbot_room_language", default=None)


def current_language() -> str:
    """The code of the language being written now ("en" unless something set another)."""
    return _language.get()


def room_language() -> str:
    """The language of the room the work is for: the one being written, unless a member's own
    language is (then the room's is read too)."""
    return _room.get() or _language.get()


def reading_languages() -> tuple[str, ...]:
    """The languages besides English that what a member types is read in: theirs, and the room's."""
    return tuple(dict.fromkeys(code for code in (_language.get(), room_language()) if code != ENGLISH))


def plugin_texts() -> Translations | None:
    """The catalog of the plugin whose work this is, for texts it declared (a `Ref`'s noun)."""
    return _texts.get()


@contextmanager
def speaking(language: str, texts: Translations | None = None, *, room: str | None = None) -> Iterator[None]:
    """Write in `language` within the block: `with speaking(await self.language(room)): …`. With
    `texts`, take declared texts from that plugin's catalog; with `room`, the room's language when
    it is not `language` (a member's own), read as well."""
    token = _language.set(language)
    room_token = _room.set(room)
    texts_token = _texts.set(texts) if texts is not None else None
    try:
        yield
    finally:
        if texts_token is not None:
            _texts.reset(texts_token)
        _room.reset(room_token)
        _language.reset(token)
