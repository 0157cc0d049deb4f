"""Reading a command line: the command it names (`parse_invocation`), the subcommand it means
(`resolve`, with how an ambiguous line was read), and the item it is about (`resolve_single`: the
one given, or the room's only open one). "Did you mean" comes from `suggest`."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from matrixbot.api.arguments import ID_SHAPE, ArgReader, Ref, format_ref
from matrixbot.errors import UserError
from matrixbot.i18n import _
from matrixbot.time import shorten

if TYPE_CHECKING:
    from matrixbot.api.commands import Command


@dataclass(frozen=True)
class Invocation:
    """A message split into command name, the rest of its first line, and its body lines."""

    name: str
    args: str
    body: str


def parse_invocation(text: str, prefix: str) -> Invocation | None:
    if not text.startswith(prefix):
        return None
    first, _sep, body = text[len(prefix) :].partition("\n")
    words = first.strip().split(None, 1)
    if not words or not re.fullmatch(r"[A-Za-z][\w-]*", words[0]):
        return None
    return Invocation(words[0].lower(), words[1] if len(words) > 1 else "", body)


@dataclass(frozen=True)
class Resolved:
    """A command line followed to the (sub)command it means, and the words left for it."""

    spec: Command[...]
    args: str
    read_as: str = ""
    """How an ambiguous line was read, when it was (said under the answer): "I read 'code review'
    as the title; !meeting code needs an id right after it." Plain text."""


def resolve(spec: Command[...], args: str, body: str = "", prefix: str = "!") -> Resolved:
    """Follow subcommands: `poll close P3` → the `close` spec, and "P3".

    A subcommand that takes an id wins only when an id follows (or nothing does): "!meeting Code
    review call⏎when: …" is a meeting titled "Code review call", not `code`, and the answer says
    how it was read. A lone word close to a subcommand ("!poll clsoe") is refused with "did you
    mean !poll close?" rather than read as a title.
    """
    while spec.subcommands:
        reader = ArgReader(args)
        word = reader.peek()
        sub = spec.subcommands.get(word.lower()) if word else None
        if sub is not None and _title_not_sub(spec, sub, reader.text.split(None, 1)[1:], body):
            note = _("(I read '{title}' as the title; {command} needs an id right after it.)").format(
                title=shorten(args), command=f"{prefix}{spec.full_name} {word.lower() if word else ''}"
            )
            return Resolved(spec, args, note)
        if sub is None:
            if word and not body.strip() and len(args.split()) == 1:
                close = suggest(word.lower(), spec.subcommands)
                if close:
                    raise UserError(
                        _("There is no {command}; did you mean {meant}?").format(
                            command=f"{prefix}{spec.full_name} {shorten(word)}",
                            meant=f"{prefix}{spec.full_name} {close[0]}",
                        )
                    )
            break
        reader.pop()
        spec, args = sub, reader.text
    return Resolved(spec, args)


def _title_not_sub(parent: Command[...], sub: Command[...], rest: list[str], body: str) -> bool:
    """Whether "!PARENT SUB words…⏎lines" is a new item titled "SUB words…" rather than SUB: the
    parent takes a `Title`, lines follow, SUB starts with an id and the next word is not one."""
    if not parent.takes_a_title or not body.strip() or not rest:
        return False
    return sub.starts_with_an_id and not ID_SHAPE.fullmatch(rest[0].split()[0])


def suggest(name: str, names: Iterable[str]) -> list[str]:
    return difflib.get_close_matches(name, list(names), n=3, cutoff=0.6)


def resolve_single(
    items: Mapping[int, Any], letter: str, noun: str, given: int | None, example: str, *, plural: str = ""
) -> int:
    """The item a command means: the one given, or the room's only open one.

    `items` maps the numbers of the room's open items to anything; `example` shows the command
    with an id, for the error when the room has several. `noun` (and `plural`, by default `noun`
    and an s) are said in the language being written, from the catalog of the plugin at work (as
    a `Ref`'s are).
    """
    if given is not None:
        return given
    if len(items) == 1:
        only: int = next(iter(items))
        return only
    ref = Ref(letter, noun, plural)
    if not items:
        # TRANSLATORS: {nouns} is the plural ("polls"), for a language that says this better with it
        none_open = _("There is no open {noun} in this room.")
        raise UserError(none_open.format(noun=ref.said, nouns=ref.said_plural))
    ids = ", ".join(format_ref(letter, n) for n in sorted(items))
    example = re.sub(rf"\b{letter}[0-9]+\b", format_ref(letter, max(items)), example)  # the room's own id
    raise UserError(
        _("This room has {n} open {nouns} ({ids}): say which, e.g. {example}").format(
            n=len(items), nouns=ref.said_plural, ids=ids, example=example
        )
    )
