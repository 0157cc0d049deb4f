"""A package's gettext catalogs: `Translations(__package__)` finds `locale/<lang>/LC_MESSAGES/<domain>.mo`
beside the package's code and translates into the language being written (see `current`).

English is the source language: its texts are the message ids, so it needs no catalog and loads
nothing. Another language's catalog is read the first time something is said in it, and kept.
"""

from __future__ import annotations

import gettext
import importlib.util
import logging
import threading
from pathlib import Path

from matrixbot.i18n.current import ENGLISH, current_language, reading_languages

log = logging.getLogger(__name__)

KEYWORD = "keyword"
"""The context (msgctxt) of a word members may type (`maybe`): its translation lists the words
accepted in that language, separated by `|` ("vielleicht|evtl")."""


def mark(message: str) -> str:
    """Mark a text for the catalog without translating it now (`N_`): a module-level constant whose
    translation is looked up where it is said (`_(OFFLINE)`)."""
    return message


class Translations:
    """The catalogs of one package: its domain (the package's last name: `datepoll`,
    `matrixbot_agenda`) in `locale/` beside its code."""

    def __init__(self, package: str, *, domain: str | None = None) -> None:
        spec = importlib.util.find_spec(package)
        places = list(spec.submodule_search_locations or []) if spec else []
        if not places:
            raise ValueError(f"{package!r} is not a package: Translations(__package__) names one")
        self.package = package
        self.domain = domain or package.rsplit(".", 1)[-1]
        self.localedir = Path(places[0]) / "locale"
        self._loaded: dict[str, gettext.NullTranslations] = {}
        self._lock = threading.Lock()  # the time parser's worker thread says things too

    def __repr__(self) -> str:
        return f"Translations({self.package!r}, domain={self.domain!r})"

    def catalog(self, language: str) -> gettext.NullTranslations:
        """The catalog of `language`, read on first use; an empty one for English or a language
        this package has no catalog of (its texts then stay English)."""
        found = self._loaded.get(language)
        if found is not None:
            return found
        with self._lock:
            if language not in self._loaded:
                self._loaded[language] = self._read(language)
            return self._loaded[language]

    def _read(self, language: str) -> gettext.NullTranslations:
        if language == ENGLISH:
            return gettext.NullTranslations()
        folder = self.localedir / language / "LC_MESSAGES"
        try:
            with (folder / f"{self.domain}.mo").open("rb") as file:
                return gettext.GNUTranslations(file)
        except FileNotFoundError:
            if (folder / f"{self.domain}.po").exists():
                log.warning(
                    "the %s catalog of %s is not compiled (%s.mo): it speaks English until it is "
                    "(make catalogs, or reinstall the package)",
                    language,
                    self.package,
                    self.domain,
                )
            return gettext.NullTranslations()

    def languages(self) -> list[str]:
        """The languages this package has a catalog for (a `.po` file), English left out."""
        if not self.localedir.is_dir():
            return []
        return sorted(p.parent.parent.name for p in self.localedir.glob(f"*/LC_MESSAGES/{self.domain}.po"))

    def gettext(self, message: str) -> str:
        """`message` in the language being written (`_`)."""
        language = current_language()
        return message if language == ENGLISH else self.catalog(language).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form for `n` (`_n`): English has two, other languages as many as their catalog says."""
        language = current_language()
        if language == ENGLISH:
            return singular if n == 1 else plural
        return self.catalog(language).ngettext(singular, plural, n)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        """`ngettext` of a message in a context (`_np("relative", "{n} day", "{n} days", n)`: a
        language may say it differently there, as German says "vor 3 Tagen" but "3 Tage")."""
        language = current_language()
        if language == ENGLISH:
            return singular if n == 1 else plural
        return self.catalog(language).npgettext(context, singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        language = current_language()
        return message if language == ENGLISH else self.catalog(language).pgettext(context, message)

    def keyword_said(self, word: str) -> str:
        """The keyword `word` as the language being written says it: the first of its translation's
        words ("vielleicht"), for a hint that shows a command to type."""
        said = self.pgettext(KEYWORD, word).split("|")[0].strip()
        return said or word

    def keyword(self, word: str) -> frozenset[str]:
        """The words a member may type for the keyword `word` (lower case): `word` itself, which
        is always taken, and its translations in the languages read (the member's and the room's,
        see `reading_languages`), e.g. `maybe` and `vielleicht`."""
        found = {word.lower()}
        for language in reading_languages():
            said = self.catalog(language).pgettext(KEYWORD, word)
            found.update(w.strip().lower() for w in said.split("|") if w.strip())
        return frozenset(found)
