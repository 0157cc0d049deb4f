"""The languages the bot writes and reads: gettext catalogs per package, and the language of the
moment (a context variable the core sets where work starts).

`_`, `_n` and `N_` here translate matrixbot's own texts (the engine, the API, the time parser); a
plugin makes its own with `Translations(__package__)` (see docs/writing-plugins.md). Nothing here
imports the layers above: every layer may say things.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable

from matrixbot.i18n.catalogs import KEYWORD, Translations, mark
from matrixbot.i18n.current import (
    ENGLISH,
    current_language,
    plugin_texts,
    reading_languages,
    room_language,
    speaking,
)

__all__ = [
    "ENGLISH",
    "KEYWORD",
    "N_",
    "Translations",
    "_",
    "_n",
    "_np",
    "all_of",
    "any_of",
    "current_language",
    "declared",
    "help_texts",
    "keyword",
    "keyword_said",
    "keywords",
    "plugin_texts",
    "reading_languages",
    "room_language",
    "speaking",
    "texts",
]

texts = Translations("matrixbot")
"""matrixbot's own catalogs (domain `matrixbot`, in matrixbot/locale)."""
_ = texts.gettext
_n = texts.ngettext
_np = texts.npgettext
N_ = mark
keyword = texts.keyword


def help_texts(docstring: str | None) -> tuple[str, tuple[str, ...]]:
    """A command's docstring as `!help` shows it and its catalog holds it: its summary (the first
    line), and the paragraphs of its details, each on one line."""
    summary, _sep, details = inspect.cleandoc(docstring or "").partition("\n")
    return summary.strip(), tuple(" ".join(p.split()) for p in details.strip().split("\n\n") if p.strip())


def all_of(items: Iterable[str]) -> str:
    """ "a and b and c", each joined by "and" in the language being written."""
    listed = list(items)
    if len(listed) <= 1:
        return "".join(listed)
    return _("{first} and {second}").format(first=listed[0], second=all_of(listed[1:]))


def any_of(items: Iterable[str]) -> str:
    """ "!poll or !polls or !vote": alternatives, each joined by "or" in the language being written."""
    listed = list(items)
    if len(listed) <= 1:
        return "".join(listed)
    return _("{first} or {second}").format(first=listed[0], second=any_of(listed[1:]))


def keywords(word: str) -> frozenset[str]:
    """The words a member may type for the keyword `word` (lower case): `word`, and its translations
    in the languages read, from the catalog of the plugin at work and matrixbot's own."""
    own = plugin_texts()
    found = keyword(word)
    return found | own.keyword(word) if own is not None else found


def keyword_said(word: str) -> str:
    """The keyword `word` as the language being written says it ("wann" for `when`), from the
    catalog of the plugin at work, else matrixbot's own, else `word`."""
    own = plugin_texts()
    said = own.keyword_said(word) if own is not None else word
    return said if said != word else texts.keyword_said(word)


def declared(message: str, catalog: Translations | None = None) -> str:
    """A text a plugin declared and the core says for it (a `Ref`'s noun, a command's summary): from
    `catalog` (by default the catalog of the plugin at work, see `speaking`), else matrixbot's own,
    else as written."""
    own = catalog or plugin_texts()
    if own is not None:
        said = own.gettext(message)
        if said != message:
            return said
    return _(message)
