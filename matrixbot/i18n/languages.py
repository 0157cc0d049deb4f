"""The languages the bot speaks, and reading a language a member names (`!set language de`)."""

from __future__ import annotations

import difflib
import unicodedata

from matrixbot.errors import UserError
from matrixbot.i18n import _

LANGUAGES: dict[str, str] = {"de": "Deutsch", "en": "English", "es": "español", "fr": "français"}
"""Each language the bot writes, by its code, with its name in itself."""


def _plain(text: str) -> str:
    """Lower case, accents dropped: "Español" and "espanol" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


NAMES: dict[str, str] = {
    **{code: code for code in LANGUAGES},
    **{_plain(name): code for code, name in LANGUAGES.items()},
    **dict.fromkeys(("german", "allemand", "aleman"), "de"),
    **dict.fromkeys(("englisch", "ingles", "anglais"), "en"),
    **dict.fromkeys(("spanish", "spanisch", "castellano", "espagnol"), "es"),
    **dict.fromkeys(("french", "franzosisch", "frances"), "fr"),
}
"""What a member may write for a language, in lower case without accents."""


def listed() -> str:
    """ "de (Deutsch), en (English), es (español), fr (français)"."""
    return ", ".join(f"{code} ({name})" for code, name in LANGUAGES.items())


def check_language(value: str) -> str:
    """The code of the language `value` names ("de", "Deutsch", "german", "de-AT"); a `UserError`
    listing the languages, with a "did you mean", for anything else."""
    plain = _plain(value)
    code = NAMES.get(plain) or NAMES.get(plain.replace("_", "-").split("-", 1)[0])
    if code is not None:
        return code
    close = difflib.get_close_matches(plain, list(NAMES), n=1, cutoff=0.6)
    hint = ""
    if close:
        meant = NAMES[close[0]]
        hint = " " + _("Did you mean {code} ({name})?").format(code=meant, name=LANGUAGES[meant])
    raise UserError(
        _("I don't speak '{value}'. Languages: {languages}.").format(
            value=" ".join(value.split())[:40], languages=listed()
        )
        + hint
    )
