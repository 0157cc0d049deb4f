"""Declared commands: a decorator records name, usage, help and typed arguments in one place.

`!help`, usage errors and "did you mean" are all derived from these declarations; handlers never
split their own arguments. Arguments are bound from the handler's signature:

    @command("vote", usage="[ID] N… [maybe N…] | none")
    async def vote(self, ctx: Context, poll: Annotated[int | None, Ref("P", "poll")], choices: Rest) -> None:
        '''Vote in a date poll. Example: !vote P3 1 3 maybe 5'''

A command's first line is the command and its words; the following lines are its `Body`, declared
last and keyword-only (`..., *, body: Body`): it is `Body("")`, false, when there are no lines.
`command` returns a `Command`; its `.sub(...)` declares a subcommand (`@vote.sub("undo")`).
"""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any, Literal, ParamSpec, get_args, get_origin, get_type_hints

from matrixbot.api.declared import Declared, Method
from matrixbot.config import USER_ID
from matrixbot.errors import UsageError, UserError
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


class Word(Converter):
    def take(self, reader: ArgReader, name: str) -> str:
        return reader.pop()


class Number(Converter):
    def take(self, reader: ArgReader, name: str) -> int:
        word = reader.pop()
        if not re.fullmatch(r"-?[0-9]+", word):
            raise UsageError(
                f"'{shorten(word)}' is not a number (expected {name.upper()}, in the digits 0-9)"
            )
        if len(word.lstrip("-")) > MAX_DIGITS:
            raise UsageError(f"'{shorten(word)}' is too large a number (expected {name.upper()})")
        return int(word)


class UserIdArg(Converter):
    def take(self, reader: ArgReader, name: str) -> str:
        word = reader.pop()
        if not USER_ID.match(word):
            raise UsageError(f"'{shorten(word)}' is not a user (mention them, or write @name:server)")
        return word


class RestArg(Converter):
    """Everything left on the first line, spacing kept."""

    def take(self, reader: ArgReader, name: str) -> str:
        text = reader.rest()
        if not text:
            raise UsageError(f"{name} is missing")
        return text


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
            listed = f"{', '.join(others)} or {last}" if others else last
            raise UsageError(f"expected {listed}, not '{shorten(word)}'")
        return word.lower()


_ID_SHAPE = re.compile(r"[A-Za-z][0-9]+")
"""A word that can only be meant as an id: a letter and digits (`P3`, `X12`)."""


@dataclass(frozen=True)
class Ref(Converter):
    """An id the bot gave something: a letter and a number (`P12`), case-insensitive.

    Optional by design: a word that is not shaped like an id is left for the next argument, and
    the value is None; the plugin then uses the room's only open item (see `resolve_single`). A
    word shaped like another kind of id (`X3` where a poll id may go) is refused, saying what ids
    look like. A Ref parameter with no default and no `None` in its type must be given.
    """

    letter: str
    noun: str
    optional = True

    def number(self, word: str) -> int | None:
        """The number of `word` when it is this kind of id (`P12` → 12), else None."""
        match = re.fullmatch(rf"{self.letter}([0-9]{{1,{MAX_DIGITS}}})", word, re.I)
        return int(match.group(1)) if match else None

    def not_an_id(self, word: str) -> str:
        return f"'{shorten(word)}' is not a {self.noun} id ({self.noun} ids look like {self.letter}12)"

    def take(self, reader: ArgReader, name: str) -> int | None:
        word = reader.peek()
        if word is None:
            return None
        number = self.number(word)
        if number is None:
            if _ID_SHAPE.fullmatch(word):
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
        _check_done(reader)
        return number


def format_ref(letter: str, number: int) -> str:
    return f"{letter}{number}"


Rest = Annotated[str, RestArg()]
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
            raise UsageError(f"Say what to change, one 'key: value' per line (keys: {', '.join(known)})")
        return self.fields(known)[0]

    def fields(
        self, keys: Iterable[str], *, required: Iterable[str] = (), free: bool = False
    ) -> tuple[dict[str, Field], list[tuple[int, str]]]:
        """Parse `key: value` lines. With `free`, other lines are returned (numbered) instead of refused.

        A line whose key looks like a known one (`clses:`) is refused with a suggestion even when free
        lines are allowed, so a typo never silently becomes an option.
        """
        known = list(keys)
        found: dict[str, Field] = {}
        others: list[tuple[int, str]] = []
        for number, line in self.lines:
            match = _KEY_LINE.match(line)
            key = match.group(1).lower() if match else None
            if key in known and match:
                if key in found:
                    raise UsageError(
                        f"line {number}: '{key}:' is given twice (first on line {found[key].line})"
                    )
                value = match.group(2).strip()
                if not value:
                    raise UsageError(f"line {number}: '{key}:' has no value")
                found[key] = Field(key, value, number)
                continue
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.75) if key else []
            if close or (key and not free):
                hint = f"did you mean '{close[0]}:'? " if close else ""
                raise UsageError(
                    f"line {number}: unknown key '{shorten(key or '')}:'; {hint}Known keys: {', '.join(known)}"
                )
            if not free:
                raise UsageError(
                    f"line {number}: expected 'key: value' (keys: {', '.join(known)}), got '{shorten(line)}'"
                )
            others.append((number, line))
        for key in required:
            if key not in found:
                raise UsageError(f"'{key}:' is missing: add a line like '{key}: …'")
        return found, others


P = ParamSpec("P")
"""The parameters of a handler being declared."""
Q = ParamSpec("Q")
"""The parameters of a `Command`'s own handler (P is its subcommands')."""
EMPTY = inspect.Parameter.empty


@dataclass(frozen=True)
class Argument:
    """A handler parameter after `ctx`, as the command reads it."""

    name: str
    converter: Converter | None
    """None for the `Body`."""
    default: Any
    required: bool
    """No default and no `None` in its type: an optional converter (`Ref`) must find its word."""


@dataclass(eq=False)
class Command(Declared[Q]):
    """One declared command (or subcommand): its handler and everything help and errors need.

    A class attribute of its plugin: `@poll.sub("close")` declares a subcommand of it; read on a
    plugin instance it is the handler as a bound method.
    """

    name: str = ""
    usage: str = ""
    summary: str = ""
    details: str = ""
    aliases: tuple[str, ...] = ()
    admin: bool = False
    parent: str = ""
    """The full name of the command this is a subcommand of; empty for a top-level command."""
    subcommands: dict[str, Command[...]] = field(default_factory=dict)
    plugin: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.parent} {self.name}" if self.parent else self.name

    def usage_line(self, prefix: str) -> str:
        return f"{prefix}{self.full_name}{' ' + self.usage if self.usage else ''}"

    def sub(
        self, name: str, *, usage: str = "", aliases: Iterable[str] = (), admin: bool = False
    ) -> Callable[[Method[P]], Command[P]]:
        """Declare a subcommand: `@poll.sub("close", usage="[ID]")`."""

        def decorate(func: Method[P]) -> Command[P]:
            sub = _command_from(func, name, usage, aliases, admin)
            sub.parent = self.full_name
            for key in (name, *sub.aliases):
                self.subcommands[key] = sub
            return sub

        return decorate

    @cached_property
    def arguments(self) -> list[Argument]:
        """The handler's parameters after `self, ctx`; TypeError when one cannot be read from chat."""
        hints = get_type_hints(self.func, include_extras=True)
        found: list[Argument] = []
        for param in list(inspect.signature(self.func).parameters.values())[2:]:  # self, ctx
            hint = hints.get(param.name, str)
            where = f"{self.func.__qualname__}, argument '{param.name}'"
            if hint is Body:
                if param.kind is not inspect.Parameter.KEYWORD_ONLY or param.default is not EMPTY:
                    raise TypeError(
                        f"{where}: declare the Body last, keyword-only and without a default "
                        "(`..., *, body: Body`); it is empty when the command has no lines"
                    )
                found.append(Argument(param.name, None, EMPTY, False))
                continue
            if param.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD:
                raise TypeError(f"{where}: only the Body may be keyword-only")
            required = param.default is EMPTY and type(None) not in get_args(_bare(hint))
            found.append(Argument(param.name, _converter_for(hint, where), param.default, required))
        return found

    def bind(self, ctx: Any, args: str, body: str, *, prefix: str = "!") -> tuple[list[Any], dict[str, Any]]:
        """Turn the words into the handler's arguments after `self` (positional, keyword), or raise
        UsageError (naming the command with the bot's `prefix`)."""
        reader = ArgReader(args)
        values: list[Any] = [ctx]
        keywords: dict[str, Any] = {}
        positional = [a for a in self.arguments if a.converter is not None]
        for arg in self.arguments:
            if arg.converter is None:
                keywords[arg.name] = Body(body)
                continue
            values.append(self._take(reader, arg, _title_after(positional, arg, body), prefix))
        _check_done(reader)
        return values, keywords

    def _take(self, reader: ArgReader, arg: Argument, before_title: bool, prefix: str) -> Any:
        converter = arg.converter
        assert converter is not None
        word = reader.peek()
        if word is None:
            if arg.default is not EMPTY:
                return arg.default
            if arg.required or not converter.optional:
                raise UsageError(self._missing(arg.name, prefix))
            return None
        if isinstance(converter, Choice) and converter.optional and word.lower() not in converter.words:
            return None  # an optional word ("away [until] DATE") that was left out
        if isinstance(converter, Ref) and converter.number(word) is None:
            if arg.required:
                raise UsageError(converter.not_an_id(word))
            if before_title:  # "!meeting Q3 planning⏎when: …": the title's first word, not a wrong id
                return None
        return converter.take(reader, arg.name)

    def _missing(self, name: str, prefix: str) -> str:
        """ "VALUE is missing: it comes after !set NAME, e.g. !set timezone Europe/London": the
        argument as the usage names it, where it goes, and the command's example."""
        words = self.usage.split("⏎")[0].split()
        upper = name.upper()
        place = next((w for w in words if w.strip("[]").upper() == upper), None)
        if place is None:  # a Rest named otherwise in the usage ("NAME DATES"): name what it covers
            upper, before = " ".join(w for w in words if not w.startswith("[")) or upper, ""
        else:
            before = " ".join(w for w in words[: words.index(place)] if not w.startswith("["))
        text = f"{upper} is missing: it comes after {prefix}{self.full_name}{' ' + before if before else ''}"
        found = re.search(r"Example: (\S[^\n]*?)(?:\.(?:\s|$)|\n|$)", f"{self.summary}\n{self.details}")
        return text + (f", e.g. {found.group(1).strip()}" if found else "")


def _check_done(reader: ArgReader) -> None:
    extra = reader.peek()
    if extra is not None:
        raise UsageError(f"unexpected '{shorten(extra)}'")


def _title_after(positional: list[Argument], arg: Argument, body: str) -> bool:
    """Whether `arg` comes before a title: the command has lines, and a `Rest` takes what follows.
    There a word shaped like a wrong id is the title's first word ("Q3 planning"), not a mistake."""
    if not body.strip():
        return False
    later = positional[positional.index(arg) + 1 :]
    return any(isinstance(a.converter, RestArg) for a in later)


def command(
    name: str, *, usage: str = "", aliases: Iterable[str] = (), admin: bool = False
) -> Callable[[Method[P]], Command[P]]:
    """Declare a plugin method as a chat command. The docstring's first line is its summary."""

    def decorate(func: Method[P]) -> Command[P]:
        return _command_from(func, name, usage, aliases, admin)

    return decorate


def _command_from(func: Method[P], name: str, usage: str, aliases: Iterable[str], admin: bool) -> Command[P]:
    doc = inspect.cleandoc(func.__doc__ or "")
    summary, _, details = doc.partition("\n")
    return Command(
        func,
        name=name.lower(),
        usage=usage,
        summary=summary.strip(),
        details=details.strip(),
        aliases=tuple(a.lower() for a in aliases),
        admin=admin,
    )


def _bare(hint: Any) -> Any:
    """The type under `Annotated[...]`."""
    return get_args(hint)[0] if get_origin(hint) is Annotated else hint


def _converter_for(hint: Any, where: str) -> Converter:
    if get_origin(hint) is Annotated:
        for extra in get_args(hint)[1:]:
            if isinstance(extra, Converter):
                return extra
        hint = get_args(hint)[0]
    args = [a for a in get_args(hint) if a is not type(None)]
    optional = len(args) < len(get_args(hint))
    if args and get_origin(hint) is not Literal:
        hint = args[0]
    if get_origin(hint) is Literal:
        return Choice((str(a).lower() for a in get_args(hint)), optional=optional)
    if hint is int:
        return Number()
    if hint is str:
        return Word()
    raise TypeError(f"{where}: no converter for {hint!r}")


@dataclass(frozen=True)
class Invocation:
    """A message split into command name, the rest of its first line, and its body lines."""

    name: str
    args: str
    body: str


def parse_invocation(text: str, prefix: str) -> Invocation | None:
    if not text.startswith(prefix):
        return None
    first, _, body = text[len(prefix) :].partition("\n")
    words = first.strip().split(None, 1)
    if not words or not re.fullmatch(r"[A-Za-z][\w-]*", words[0]):
        return None
    return Invocation(words[0].lower(), words[1] if len(words) > 1 else "", body)


def resolve(spec: Command[...], args: str, body: str = "", prefix: str = "!") -> tuple[Command[...], str]:
    """Follow subcommands: `poll close P3` → (the `close` spec, "P3").

    A subcommand that takes an id wins only when an id follows (or nothing does): "!meeting Code
    review call⏎when: …" is a meeting titled "Code review call", not `code`. A lone word close to
    a subcommand ("!poll clsoe") is refused with "did you mean !poll close?" rather than read as
    a title.
    """
    while spec.subcommands:
        reader = ArgReader(args)
        word = reader.peek()
        sub = spec.subcommands.get(word.lower()) if word else None
        if sub is not None and _title_not_sub(spec, sub, reader.text.split(None, 1)[1:], body):
            break
        if sub is None:
            if word and not body.strip() and len(args.split()) == 1:
                close = suggest(word.lower(), spec.subcommands)
                if close:
                    raise UserError(
                        f"There is no {prefix}{spec.full_name} {shorten(word)}; "
                        f"did you mean {prefix}{spec.full_name} {close[0]}?"
                    )
            break
        reader.pop()
        spec, args = sub, reader.text
    return spec, args


def _title_not_sub(parent: Command[...], sub: Command[...], rest: list[str], body: str) -> bool:
    """Whether "!PARENT SUB words…⏎lines" is a new item titled "SUB words…" rather than SUB: the
    parent takes a title, lines follow, SUB takes only an id and the next word is not one."""
    if not parent.usage.startswith("TITLE") or not body.strip() or not rest:
        return False
    usage = sub.usage.split("⏎")[0].split()
    takes_id = usage == ["[ID]"] or usage[:1] == ["ID"]
    return takes_id and not _ID_SHAPE.fullmatch(rest[0].split()[0])


def suggest(name: str, names: Iterable[str]) -> list[str]:
    return difflib.get_close_matches(name, list(names), n=3, cutoff=0.6)


def resolve_single(items: Mapping[int, Any], letter: str, noun: str, given: int | None, example: str) -> int:
    """The item a command means: the one given, or the room's only open one.

    `items` maps the numbers of the room's open items to anything; `example` shows the command
    with an id, for the error when the room has several.
    """
    if given is not None:
        return given
    if len(items) == 1:
        only: int = next(iter(items))
        return only
    if not items:
        raise UserError(f"There is no open {noun} in this room.")
    ids = ", ".join(format_ref(letter, n) for n in sorted(items))
    example = re.sub(rf"\b{letter}[0-9]+\b", format_ref(letter, max(items)), example)  # the room's own id
    raise UserError(f"This room has {len(items)} open {noun}s ({ids}): say which, e.g. {example}")
