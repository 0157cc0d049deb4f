"""What a command's words become: the converters a handler's parameters are read with, and the Body.

Each parameter after `ctx` names its converter by its type (`int`, `str`, `Rest`, `Title`,
`UserId`, `Literal[...]`, `Annotated[int | None, Ref("P", "poll")]`); the converter takes its
word(s) from an `ArgReader` or raises `UsageError`, and says how it shows itself in the usage
line, so the usage is derived from the signature (see `matrixbot.api.commands`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from matrixbot.config import USER_ID
from matrixbot.errors import UsageError
from matrixbot.i18n import _, declared, keyword_said, keywords
from matrixbot.time import shorten

_KEY_LINE = re.compile(r"^([A-Za-z][\w-]*)\s*:\s*(.*)$")
MAX_DIGITS = 9
"""The most digits a number or an id may have: more is no count a chat command needs."""


class ArgReader:
    """The words of a command's first line, consumed left to right; spacing of the rest is kept."""

    def __init__(self, text: str) -> None:
        self.text = text.strip()

    def peek(self) -> str | None:
        return self.text.split(None, 1)[0] if self.text else None

    def pop(self) -> str:
        parts = self.text.split(None, 1)
        self.text = parts[1].strip() if len(parts) > 1 else ""
        return parts[0]

    def rest(self) -> str:
        text, self.text = self.text, ""
        return text


class Converter:
    """Turns the next word(s) into a value or raises UsageError. `optional` converters may take nothing."""

    optional = False

    def take(self, reader: ArgReader, name: str) -> Any:
        raise NotImplementedError

    def shown(self, name: str) -> str:
        """How the argument named `name` shows in the usage line (brackets are added when it is
        optional): its name, upper-cased."""
        return name.strip("_").upper()


class Word(Converter):
    def take(self, reader: ArgReader, name: str) -> str:
        return reader.pop()


class Number(Converter):
    def take(self, reader: ArgReader, name: str) -> int:
        word = reader.pop()
        if not re.fullmatch(r"-?[0-9]+", word):
            raise UsageError(
                _("'{word}' is not a number (expected {name}, in the digits 0-9)").format(
                    word=shorten(word), name=name.upper()
                )
            )
        if len(word.lstrip("-")) > MAX_DIGITS:
            raise UsageError(
                _("'{word}' is too large a number (expected {name})").format(
                    word=shorten(word), name=name.upper()
                )
            )
        return int(word)


class UserIdArg(Converter):
    def take(self, reader: ArgReader, name: str) -> str:
        word = reader.pop()
        if not USER_ID.match(word):
            raise UsageError(
                _("'{word}' is not a user (mention them, or write @name:server)").format(word=shorten(word))
            )
        return word

    def shown(self, name: str) -> str:
        return f"@{super().shown(name)}"


class RestArg(Converter):
    """Everything left on the first line, spacing kept."""

    def take(self, reader: ArgReader, name: str) -> str:
        text = reader.rest()
        if not text:
            raise UsageError(_("{name} is missing").format(name=name))
        return text


class TitleArg(RestArg):
    """A `Rest` that is the title of a new thing (`!poll TITLE⏎…`, `!signup new TITLE⏎…`).

    A fact the parser reads: before a title with lines, an id-shaped word is the title's first
    word ("!meeting Q3 planning⏎when: …"), and a command that takes a title reads "!meeting Code
    review⏎when: …" as a title, not as its subcommand `code` (see `resolve`).
    """


class Choice(Converter):
    """One of a few fixed words (a `Literal["timezone", "zone"]` argument), case-insensitive.

    `Literal["until"] | None` is an optional word: when the next word is not one of them, it is
    left for the next argument and the value is None.
    """

    def __init__(self, words: Iterable[str], *, optional: bool = False) -> None:
        self.words = tuple(words)
        self.optional = optional

    def take(self, reader: ArgReader, name: str) -> str:
        word = reader.pop()
        if word.lower() not in self.words:
            *others, last = self.words
            listed = _("{first} or {second}").format(first=", ".join(others), second=last) if others else last
            raise UsageError(_("expected {words}, not '{word}'").format(words=listed, word=shorten(word)))
        return word.lower()

    def shown(self, name: str) -> str:
        return "|".join(self.words)


ID_SHAPE = re.compile(r"[A-Za-z][0-9]+")
"""A word that can only be meant as an id: a letter and digits (`P3`, `X12`)."""


@dataclass(frozen=True)
class Ref(Converter):
    """An id the bot gave something: a letter and a number (`P12`), case-insensitive.

    Optional by design: a word that is not shaped like an id is left for the next argument, and
    the value is None; the plugin then uses the room's only open item (see `resolve_single`). A
    word shaped like another kind of id (`X3` where a poll id may go) is refused, saying what ids
    look like. A Ref parameter with no default and no `None` in its type must be given.

    `noun` and `plural` (by default `noun` and an s) are English; the core says them in the
    language being written, from the catalog of the plugin at work (the catalog tools find them in
    `Ref(...)`).
    """

    letter: str
    noun: str
    plural: str = ""
    optional = True

    @property
    def said(self) -> str:
        """The noun in the language being written: "poll", "Umfrage"."""
        return declared(self.noun)

    @property
    def said_plural(self) -> str:
        return declared(self.plural or f"{self.noun}s")

    def number(self, word: str) -> int | None:
        """The number of `word` when it is this kind of id (`P12` → 12), else None."""
        match = re.fullmatch(rf"{self.letter}([0-9]{{1,{MAX_DIGITS}}})", word, re.I)
        return int(match.group(1)) if match else None

    def not_an_id(self, word: str) -> str:
        return _("'{word}' is not a {noun} id ({noun} ids look like {example})").format(
            word=shorten(word), noun=self.said, example=f"{self.letter}12"
        )

    def take(self, reader: ArgReader, name: str) -> int | None:
        word = reader.peek()
        if word is None:
            return None
        number = self.number(word)
        if number is None:
            if ID_SHAPE.fullmatch(word):
                raise UsageError(self.not_an_id(word))
            return None
        reader.pop()
        return number

    def parse(self, text: str) -> int | None:
        """The optional id that is the whole of `text`, for a handler that must act before its words
        are read (meetings hides an access code even from a mistyped command). Refused as the
        declared argument would be: a word that is not an id, or words after it."""
        reader = ArgReader(text)
        word = reader.peek()
        number = self.take(reader, self.noun)
        if number is None and word is not None:
            raise UsageError(self.not_an_id(word))
        check_done(reader)
        return number

    def shown(self, name: str) -> str:
        return "ID"


@dataclass(frozen=True)
class RawRef(Converter):
    """Where an id of `ref`'s kind goes, taken as written: for a handler that must act before the
    id is checked (meetings hides an access code even from a mistyped command), then reads it with
    `ref.parse(text)`. One word, or with `line=True` the rest of the line, so that words after the
    id are refused by `ref.parse` too, after the handler acted.

    Shown as an id in the usage line, and taken as one by `resolve`.
    """

    ref: Ref
    line: bool = False
    optional = True

    def take(self, reader: ArgReader, name: str) -> str:
        return reader.rest() if self.line else reader.pop()

    def shown(self, name: str) -> str:
        return "ID"


@dataclass(frozen=True)
class Shown:
    """How an argument shows in the usage line, where its name says less than the words it takes:
    `Annotated[Rest, Shown("NAME DATES")]`, `Annotated[Rest, Shown("N… [maybe N…]|none")] = ""`.

    The text stands for the argument as written, brackets included (it is not bracketed when the
    argument is optional). One alternative within an argument is written `a|b`; " | " separates a
    command's forms. Only help reads it: the parser goes by the type.
    """

    text: str


def check_done(reader: ArgReader) -> None:
    extra = reader.peek()
    if extra is not None:
        raise UsageError(_("unexpected '{word}'").format(word=shorten(extra)))


def format_ref(letter: str, number: int) -> str:
    return f"{letter}{number}"


Rest = Annotated[str, RestArg()]
Title = Annotated[str, TitleArg()]
UserId = Annotated[str, UserIdArg()]


@dataclass(frozen=True)
class Field:
    key: str
    value: str
    line: int


@dataclass(frozen=True)
class Body:
    """The lines after a command's first line. Line numbers count the command line as line 1."""

    text: str = ""

    def __bool__(self) -> bool:
        """Whether the command has lines: `if not body:` tells "show" from "create"."""
        return bool(self.lines)

    @property
    def lines(self) -> list[tuple[int, str]]:
        return [(n + 2, line.strip()) for n, line in enumerate(self.text.split("\n")) if line.strip()]

    def changes(self, keys: Iterable[str]) -> dict[str, Field]:
        """The `key: value` lines of an edit command (`!meeting edit`, `!signup edit`): at least one,
        each a known key."""
        known = tuple(keys)
        if not self:
            raise UsageError(
                _("Say what to change, one 'key: value' per line (keys: {keys})").format(
                    keys=_keys_said(known)
                )
            )
        return self.fields(known)[0]

    def fields(
        self, keys: Iterable[str], *, required: Iterable[str] = (), free: bool = False
    ) -> tuple[dict[str, Field], list[tuple[int, str]]]:
        """Parse `key: value` lines. With `free`, other lines are returned (numbered) instead of refused.

        A line whose key looks like a known one (`clses:`) is refused with a suggestion even when free
        lines are allowed, so a typo never silently becomes an option. A key may be written in the
        language being written too (`schließt:` for `closes:`, as the catalog lists it): it is
        found under its English name.
        """
        known = list(keys)
        spelt = {alias: key for key in known for alias in keywords(key)}
        found: dict[str, Field] = {}
        others: list[tuple[int, str]] = []
        for number, line in self.lines:
            match = _KEY_LINE.match(line)
            typed = match.group(1).lower() if match else None
            key = spelt.get(typed) if typed else None
            if key is not None and match:
                if key in found:
                    raise UsageError(
                        _("line {n}: '{key}:' is given twice (first on line {first})").format(
                            n=number, key=typed, first=found[key].line
                        )
                    )
                value = match.group(2).strip()
                if not value:
                    raise UsageError(_("line {n}: '{key}:' has no value").format(n=number, key=typed))
                found[key] = Field(key, value, number)
                continue
            close = difflib.get_close_matches(typed, spelt, n=1, cutoff=0.75) if typed else []
            if close or (typed and not free):
                said = _("line {n}: unknown key '{key}:';").format(n=number, key=shorten(typed or ""))
                meant = keyword_said(spelt[close[0]]) if close else ""  # in the words being written
                hint = " " + _("did you mean '{key}:'?").format(key=meant) if close else ""
                raise UsageError(f"{said}{hint} " + _("Known keys: {keys}").format(keys=_keys_said(known)))
            if not free:
                raise UsageError(
                    _("line {n}: expected 'key: value' (keys: {keys}), got '{line}'").format(
                        n=number, keys=_keys_said(known), line=shorten(line)
                    )
                )
            others.append((number, line))
        for key in required:
            if key not in found:
                raise UsageError(_("'{key}:' is missing: add a line like '{key}: …'").format(key=key))
        return found, others


def _keys_said(keys: Iterable[str]) -> str:
    """Keys as a member may type them in the language being written ("wann, dauer, url")."""
    return ", ".join(keyword_said(key) for key in keys)
