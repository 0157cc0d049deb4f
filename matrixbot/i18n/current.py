"""The language the bot is writing in right now, and whose catalog declared texts come from.

Both are context variables: the core sets them where a piece of work starts (a command is invoked,
a job runs, a plugin's event handler is called, the engine posts a notice), and everything said
on the way, however deep, reads them. So no function needs a `language` argument, and a task or a
thread started from there (the time parser's worker) carries them along.
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


def current_language() -> str:
    """The code of the language being written now ("en" unless something set another)."""
    return _language.get()


def plugin_texts() -> Translations | None:
    """The catalog of the plugin whose work this is, for texts it declared (a `Ref`'s noun)."""
    return _texts.get()


@contextmanager
def speaking(language: str, texts: Translations | None = None) -> Iterator[None]:
    """Write in `language` within the block (and, with `texts`, take declared texts from that
    plugin's catalog): `with speaking(await self.settings.language(room)): …`."""
    token = _language.set(language)
    texts_token = _texts.set(texts) if texts is not None else None
    try:
        yield
    finally:
        if texts_token is not None:
            _texts.reset(texts_token)
        _language.reset(token)
