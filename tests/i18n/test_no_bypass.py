"""Everything the bot says goes through the catalogs: an AST check of the modules that are
translated, so a new sentence cannot skip them.

For each module covered (`COVERED`), it finds:
- a call that sends or refuses text (`ctx.reply`, `ctx.say`, `Message.from_html`, `UserError`,
  `UsageError`, `require_admin`, `check_size`, `late_line`, a `CalendarItem`'s words…) given a
  string literal or an f-string with words in it, not a translation (`_(...)`, `_n(...)`, their
  `.format(...)`);
- any other string literal that reads as prose (two words or more, outside `{placeholders}` and
  `<tags>`) and is not in a translation call, a docstring, a log line, an error meant for
  developers or operators (`ValueError`, `ConfigError`, …), SQL or a pattern; the few that are
  meant so are listed in `ALLOWED`, with why;
- a translation call inside an f-string (the catalog tools do not look inside f-strings);
- `_` assigned in a module that translates with it (`for _, x in …` would hide the function).

Plugins not translated yet are listed in `SKIPPED`: the next step of issue 26 moves each into
`COVERED` (and gives it a catalog: docs/writing-plugins.md, "Languages").
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from matrixbot.i18n.extract import declared

ROOT = Path(__file__).parents[2]
COVERED = sorted(
    [
        *(ROOT / "matrixbot" / "api").glob("*.py"),
        *(
            ROOT / "matrixbot" / "engine" / f"{name}.py"
            for name in ("dispatch", "hello", "unreadable", "gaps", "moves")
        ),
        *(
            p
            for p in (ROOT / "matrixbot" / "time").glob("*.py")
            if p.name not in ("cldr_data.py", "vocabulary.py")
        ),
        *(ROOT / "matrixbot" / "i18n").glob("*.py"),
        ROOT / "matrixbot" / "matrix" / "sender.py",
        ROOT / "matrixbot" / "matrix" / "rooms.py",
        ROOT / "matrixbot" / "matrix" / "outages.py",
        ROOT / "matrixbot" / "calendar" / "service.py",
        ROOT / "matrixbot" / "calendar" / "page.py",
        *(ROOT / "plugins" / "core").glob("*.py"),
        *(ROOT / "plugins" / "devices").glob("*.py"),
        *(ROOT / "plugins" / "datepoll").glob("*.py"),
        *(ROOT / "examples" / "agenda" / "matrixbot_agenda").glob("*.py"),  # the model for plugin authors
    ]
)
SKIPPED = {
    "plugins/meetings": "not translated yet: the next step of issue 26",
    "plugins/checkins": "not translated yet: the next step of issue 26",
    "plugins/signups": "not translated yet: the next step of issue 26",
}
"""Plugins whose texts are still English only. Move one into COVERED once it has its catalog.
(The engine's other modules say nothing to members; sync.py's reason for leaving an invite it
refuses is English still, shown to the inviter by their client.)"""

EXTRACTED = {
    "_",
    "_n",
    "_p",
    "_np",
    "N_",
    "gettext",
    "ngettext",
    "pgettext",
    "npgettext",
    "keyword",
    "keyword_said",
}
"""The calls the catalog tools take texts from (matrixbot.i18n.extract)."""
TRANSLATE = EXTRACTED | {"declared"}
SENDS = {  # call name: the positions (or keywords) whose text members read
    "reply": (0,),
    "say": (0,),
    "from_html": (0,),
    "UserError": (0,),
    "UsageError": (0,),
    "PermissionDenied": (0,),
    "TimeParseError": (0,),
    "DateRefused": (0,),
    "MessageTooLarge": (0,),
    "require_admin": (0, "role"),
    "refusal": (0, "role"),
    "require_owner": (0,),
    "check_size": (1,),
    "check_text": (1,),
    "late_line": (1,),
    "CalendarItem": ("title", "kind", "details"),
}
QUIET = {  # calls whose text is for developers, operators or the log, not for members
    "debug",
    "info",
    "warning",
    "error",
    "exception",
    "critical",
    "log",
    "ValueError",
    "TypeError",
    "AssertionError",
    "RuntimeError",
    "LookupError",
    "KeyError",
    "NotImplementedError",
    "AttributeError",
    "SendError",
    "SendPending",
    "StorageUnavailable",
    "FatalError",
    "ConfigError",
    "StartupError",
    "SyncFailed",
    "MissingExtra",
    "NotStarted",
    "compile",
    "sub",
    "search",
    "match",
    "fullmatch",
    "findall",
    "finditer",
    "split",
    "execute",
    "fetch_all",
    "fetch_one",
    "fetch_value",
    "executemany",
    "getLogger",
    "ContextVar",
    "ArgumentParser",
    "add_argument",
    "Setting",
    "Ref",
    "Shown",
}
ALLOWED = {
    "matrixbot/calendar/page.py": {
        ":root{": "the page's stylesheet",
        "<!doctype html>": "markup: a tag cut by a placeholder",
        "<section><h2><time datetime=": "markup",
        "<time datetime=": "markup",
        '" rel="noreferrer noopener">': "markup",
    },
    "matrixbot/engine/gaps.py": {"it took over ": "why a gap was not filled, for the log"},
    "matrixbot/i18n/cldr.py": {'"""CLDR patterns': "the header of the generated data file"},
    "matrixbot/matrix/outages.py": {"homeserver unreachable: ": "a trouble's detail, for the log"},
    "matrixbot/matrix/sender.py": {
        "room not known yet: ": "why a send waits, for the log",
        "could not share the room key: ": "why a send waits, for the log",
    },
    "matrixbot/time/durations.py": {"zero one two": "the number words the parser reads"},
    "matrixbot/time/words.py": {"am pm noon": "the English words the parser reads"},
    "matrixbot/time/parse.py": {"3-4pm Monday": "texts the parser reads to warm up", "tomorrow 9am": "ditto"},
    "matrixbot/time/examples.py": {
        "tomorrow 9am": "an English example the parser reads",
        "in 2 weeks": "ditto",
    },
    "plugins/core/calendar.py": {"Google Calendar": "an app's name", "Apple Calendar": "an app's name"},
    "plugins/datepoll/model.py": {"late but in time": "a value of an enum", "too late": "a value of an enum"},
}
"""Prose that is not said to members, by module, with why."""

_PROSE = re.compile(r"[^\W\d_]{2,}\s+[^\W\d_]{2,}")
_HIDDEN = re.compile(r"\{[^{}]*\}|<[^<>]*>")


def prose(text: str) -> bool:
    """Whether a literal reads as words to a person: two words or more outside placeholders and tags."""
    return bool(_PROSE.search(_HIDDEN.sub(" ", text)))


def name_of(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def words_in(node: ast.expr) -> Iterator[str]:
    """The literal text an argument is made of, outside translation calls."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                yield part.value
    elif isinstance(node, ast.BinOp):
        yield from words_in(node.left)
        yield from words_in(node.right)
    elif isinstance(node, ast.IfExp):
        yield from words_in(node.body)
        yield from words_in(node.orelse)


def problems(path: Path) -> list[str]:
    source = path.read_text()
    tree = ast.parse(source)
    where = path.relative_to(ROOT).as_posix()
    allowed = ALLOWED.get(where, {})
    found: list[str] = []
    exempt: set[int] = set()  # ids of string nodes that are fine where they are
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                exempt.add(id(body[0].value))
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            exempt.add(id(node.value))  # a docstring of an attribute ("""…""" after it)
    exempt_texts = {text for _line, _func, text, _c in declared(tree) if isinstance(text, str)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):  # keys are data (what a text is matched against), not said
            exempt.update(id(k) for k in node.keys if k is not None)
        if isinstance(node, ast.Assert) and node.msg is not None:  # for developers
            exempt.update(id(inner) for inner in ast.walk(node.msg))
    translating = any(
        isinstance(n, ast.ImportFrom) and any(a.name == "_" for a in n.names) for n in ast.walk(tree)
    )
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = name_of(node)
            if name in TRANSLATE or name in QUIET or (name == "format" and _translated(node.func)):
                for inner in ast.walk(node):
                    exempt.add(id(inner))
            if name in SENDS and name not in TRANSLATE:
                for position in SENDS[name]:
                    given = (
                        node.args[position]
                        if isinstance(position, int) and len(node.args) > position
                        else next((k.value for k in node.keywords if k.arg == position), None)
                    )
                    if given is not None and any(prose(w) for w in words_in(given)):
                        found.append(f"{where}:{node.lineno}: {name}(…) is given words not in the catalog")
        if isinstance(node, ast.JoinedStr):
            for inner in ast.walk(node):
                if (
                    isinstance(inner, ast.Call)
                    and name_of(inner) in EXTRACTED
                    and inner.args
                    and (isinstance(inner.args[0], ast.Constant))
                ):
                    found.append(
                        f"{where}:{inner.lineno}: {name_of(inner)}('…') inside an f-string is not extracted"
                    )
        if translating and isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
            found.append(f"{where}:{node.lineno}: `_` is assigned here, hiding the translation function")
        if isinstance(node, ast.arg) and node.arg == "_" and translating:
            found.append(f"{where}:{node.lineno}: `_` is a parameter here, hiding the translation function")
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in exempt:
            text = node.value
            if (
                not prose(text)
                or _sql(text)
                or _COMMAND.fullmatch(text)
                or text in exempt_texts
                or any(text.startswith(a) for a in allowed)
            ):
                continue
            found.append(f"{where}:{node.lineno}: prose outside the catalog: {text[:60]!r}")
    return found


def _translated(func: ast.expr) -> bool:
    """`_("…").format`: the receiver is a translation call."""
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Call)
        and name_of(func.value) in TRANSLATE
    )


_COMMAND = re.compile(r"![a-z-]+(?: [a-z-]+)?(?: [A-Z][0-9]+)?(?: [0-9]+)*")
"""A command with an id and numbers, and no other words (`!poll close P3`): the same in every language."""


def _sql(text: str) -> bool:
    return bool(
        re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|WITH|DROP)\b", text)
        or re.search(r"\b(LIKE|ESCAPE|WHERE|VALUES)\b.*\?", text)
    )


@pytest.mark.parametrize("path", COVERED, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_what_a_covered_module_says_goes_through_the_catalog(path: Path) -> None:
    assert not problems(path), "\n".join(problems(path))


def test_every_plugin_is_covered_or_skipped_with_a_reason() -> None:
    plugins = {p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "plugins").glob("*/__init__.py")}
    covered = {p.parent.relative_to(ROOT).as_posix() for p in COVERED if p.parts[-3] == "plugins"}
    assert plugins == covered | set(SKIPPED), sorted(plugins ^ (covered | set(SKIPPED)))
    assert not covered & set(SKIPPED)


def test_the_check_finds_words_that_skip_the_catalog(tmp_path: Path) -> None:
    """The check is not vacuous: each kind of bypass in a module is found."""
    module = ROOT / "plugins" / "datepoll" / "bypass_probe.py"
    module.write_text(
        "from .texts import _\n"
        "async def f(ctx, n):\n"
        "    await ctx.reply(f'Your vote in P{n} is counted.')\n"
        "    raise UserError('There is no such poll here.')\n"
        "    note = f\"<b>{_('Closes')}</b>\"\n"
        "    for _, x in []:\n"
        "        pass\n"
        "    return 'the poll has ended'\n"
    )
    try:
        found = problems(module)
    finally:
        module.unlink()
    assert any("reply(…)" in f for f in found)
    assert any("UserError(…)" in f for f in found)
    assert any("inside an f-string" in f for f in found)
    assert any("`_` is assigned" in f for f in found)
    assert any("'the poll has ended'" in f for f in found)
