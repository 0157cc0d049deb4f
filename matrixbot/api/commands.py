"""Declared commands: a decorator records name, usage, help and typed arguments in one place.

`!help`, usage errors and "did you mean" are all derived from these declarations; handlers never
split their own arguments. Arguments are bound from the handler's signature:

    @command("vote", usage="[ID] N… [maybe N…] | none")
    async def vote(self, ctx: Context, poll: Annotated[int | None, Ref("P", "poll")], choices: Rest) -> None:
        '''Vote in a date poll. Example: !vote P3 1 3 maybe 5'''

A command's first line is the command and its words; the following lines are its `Body`.
"""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from matrixbot.config import USER_ID
from matrixbot.errors import UserError
from matrixbot.time import shorten

_KEY_LINE = re.compile(r"^([A-Za-z][\w-]*)\s*:\s*(.*)$")
MAX_DIGITS = 9
"""The most digits a number or an id may have: more is no count a chat command needs."""


class UsageError(UserError):
    """The command's words do not fit its usage; the reply shows the usage line.

    The message is made a sentence (a full stop is added when it has no end mark): it is shown to
    the user as it is, above the usage line.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message if message.endswith((".", "?", "!")) else message + ".", show_usage=True)


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


@dataclass(frozen=True)
class Ref(Converter):
    """An id the bot gave something: a letter and a number (`P12`), case-insensitive.

    Optional by design: a word that is not such an id is left for the next argument, and the value
    is None; the plugin then uses the room's only open item (see `resolve_single`).
    """

    letter: str
    noun: str
    optional = True

    def take(self, reader: ArgReader, name: str) -> int | None:
        word = reader.peek()
        if word is None:
            return None
        match = re.fullmatch(rf"{self.letter}([0-9]{{1,{MAX_DIGITS}}})", word, re.I)
        if not match:
            if re.fullmatch(r"[A-Za-z][0-9]+", word):
                raise UsageError(
                    f"'{shorten(word)}' is not a {self.noun} id ({self.noun} ids look like {self.letter}12)"
                )
            return None
        reader.pop()
        return int(match.group(1))


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

    @property
    def lines(self) -> list[tuple[int, str]]:
        return [(n + 2, line.strip()) for n, line in enumerate(self.text.split("\n")) if line.strip()]

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
                    f"line {number}: unknown key '{shorten(key)}:'; {hint}Known keys: {', '.join(known)}"
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


@dataclass
class CommandSpec:
    """One declared command (or subcommand): everything help and errors need."""

    name: str
    func: Callable[..., Any]
    usage: str = ""
    summary: str = ""
    details: str = ""
    aliases: tuple[str, ...] = ()
    admin: bool = False
    parent: CommandSpec | None = None
    subcommands: dict[str, CommandSpec] = field(default_factory=dict)
    plugin: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.parent.full_name} {self.name}" if self.parent else self.name

    def usage_line(self, prefix: str) -> str:
        return f"{prefix}{self.full_name}{' ' + self.usage if self.usage else ''}"

    def sub(
        self, name: str, *, usage: str = "", aliases: Iterable[str] = (), admin: bool = False
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declare a subcommand: `@poll.sub("close", usage="[ID]")`."""

        def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
            spec = _spec_from(func, name, usage, aliases, admin)
            spec.parent = self
            for key in (name, *spec.aliases):
                self.subcommands[key] = spec
            func.__command__ = spec  # type: ignore[attr-defined]
            return func

        return decorate

    def bind(self, ctx: Any, args: str, body: str) -> tuple[list[Any], dict[str, Any]]:
        """Turn the words into the handler's arguments, or raise UsageError."""
        reader = ArgReader(args)
        values: list[Any] = []
        for name, param, converter in _parameters(self.func):
            if converter is BODY:
                values.append(Body(body))
                continue
            if reader.peek() is None and param.default is not inspect.Parameter.empty:
                values.append(param.default)
                continue
            if reader.peek() is None and not converter.optional:
                raise UsageError(self._missing(name, getattr(ctx, "prefix", "!")))
            values.append(converter.take(reader, name))
        if reader.peek() is not None:
            raise UsageError(f"unexpected '{shorten(reader.peek())}'")
        return [ctx, *values], {}

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


BODY = object()
"""Marker converter for a `Body` parameter."""


def command(
    name: str, *, usage: str = "", aliases: Iterable[str] = (), admin: bool = False
) -> Callable[[Callable[..., Any]], Any]:
    """Declare a plugin method as a chat command. The docstring's first line is its summary."""

    def decorate(func: Callable[..., Any]) -> Any:
        spec = _spec_from(func, name, usage, aliases, admin)
        func.__command__ = spec  # type: ignore[attr-defined]
        func.sub = spec.sub  # type: ignore[attr-defined]
        return func

    return decorate


def _spec_from(
    func: Callable[..., Any], name: str, usage: str, aliases: Iterable[str], admin: bool
) -> CommandSpec:
    doc = inspect.cleandoc(func.__doc__ or "")
    summary, _, details = doc.partition("\n")
    return CommandSpec(
        name=name.lower(),
        func=func,
        usage=usage,
        summary=summary.strip(),
        details=details.strip(),
        aliases=tuple(a.lower() for a in aliases),
        admin=admin,
    )


def _parameters(func: Callable[..., Any]) -> list[tuple[str, inspect.Parameter, Any]]:
    cached = getattr(func, "__matrixbot_params__", None)
    if cached is not None:
        return cached
    hints = get_type_hints(func, include_extras=True)
    result = []
    for index, (name, param) in enumerate(inspect.signature(func).parameters.items()):
        if index < 2:  # self, ctx
            continue
        result.append((name, param, _converter_for(hints.get(name, str), name)))
    func.__matrixbot_params__ = result  # type: ignore[attr-defined]
    return result


def _converter_for(hint: Any, name: str) -> Any:
    if hint is Body:
        return BODY
    if get_origin(hint) is Annotated:
        for extra in get_args(hint)[1:]:
            if isinstance(extra, Converter):
                return extra
        hint = get_args(hint)[0]
    args = [a for a in get_args(hint) if a is not type(None)]
    if args:
        hint = args[0]
    if hint is int:
        return Number()
    if hint is str:
        return Word()
    raise TypeError(f"argument '{name}': no converter for {hint!r}")


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


def resolve(spec: CommandSpec, args: str, body: str = "", prefix: str = "!") -> tuple[CommandSpec, str]:
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


def _title_not_sub(parent: CommandSpec, sub: CommandSpec, rest: list[str], body: str) -> bool:
    """Whether "!PARENT SUB words…⏎lines" is a new item titled "SUB words…" rather than SUB: the
    parent takes a title, lines follow, SUB takes only an id and the next word is not one."""
    if not parent.usage.startswith("TITLE") or not body.strip() or not rest:
        return False
    usage = sub.usage.split("⏎")[0].split()
    takes_id = usage == ["[ID]"] or usage[:1] == ["ID"]
    return takes_id and not re.fullmatch(r"[A-Za-z][0-9]+", rest[0].split()[0])


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
        return next(iter(items))
    if not items:
        raise UserError(f"There is no open {noun} in this room.")
    ids = ", ".join(format_ref(letter, n) for n in sorted(items))
    example = re.sub(rf"\b{letter}[0-9]+\b", format_ref(letter, max(items)), example)  # the room's own id
    raise UserError(f"This room has {len(items)} open {noun}s ({ids}): say which, e.g. {example}")
