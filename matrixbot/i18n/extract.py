"""What goes into a package's catalog: the texts its code says, found in its source.

Besides the calls of the translation functions (`_`, `_n`, `_p`, `N_`, `.keyword`), the texts a
plugin *declares* are taken, so an author marks none of them: each command's docstring (its summary,
and each paragraph of its details, as `!help` shows them) and `example=`, a plugin class's
`description` and `removes`, a `Setting`'s help, a `Ref`'s nouns (and the noun given to
`resolve_single`), the keys of `body.fields([...])` (words members type). This is a Babel extraction method (`pybabel extract -F` could name it too); the
catalog tools (`python -m matrixbot.i18n.refresh`) and the completeness test use it.

Babel is needed only here, never by the running bot.
"""

from __future__ import annotations

import ast
import io
from collections.abc import Iterator
from typing import Any

from matrixbot.i18n import help_texts
from matrixbot.i18n.catalogs import KEYWORD

KEYWORDS: dict[str, Any] = {
    "_": None,
    "gettext": None,
    "N_": None,
    "_n": (1, 2),
    "ngettext": (1, 2),
    "_p": ((1, "c"), 2),
    "pgettext": ((1, "c"), 2),
    "_np": ((1, "c"), 2, 3),
    "npgettext": ((1, "c"), 2, 3),
    "keyword": None,
    "keyword_said": None,
}
"""The translation functions, as Babel's keyword specs."""
COMMENT_TAGS = ["TRANSLATORS:"]

Found = tuple[int, Any, Any, Any]
"""What an extraction method yields: (line, function name, message(s), comments)."""


def extract(fileobj: io.BufferedIOBase, keywords: Any, comment_tags: Any, options: Any) -> Iterator[Found]:
    """Babel's extraction of the translation calls, and the declared texts (see the module)."""
    from babel.messages.extract import extract_python

    source = fileobj.read()
    for lineno, funcname, messages, comments in extract_python(
        io.BytesIO(source), keywords, comment_tags, options
    ):
        if funcname in ("keyword", "keyword_said"):
            yield lineno, "pgettext", (KEYWORD, messages), comments
        else:
            yield lineno, funcname, messages, comments
    yield from declared(ast.parse(source))


def declared(tree: ast.AST) -> Iterator[Found]:
    """The texts a module declares (see the module's docstring), as (line, "gettext", text, [])."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
            map(_declares_command, node.decorator_list)
        ):
            summary, paragraphs = help_texts(ast.get_docstring(node))
            for text in (summary, *paragraphs):
                if text:
                    yield node.lineno, "gettext", text, []
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call):
                    yield from _keyword_text(decorator, "example")
        elif isinstance(node, ast.ClassDef):
            for statement in node.body:
                if isinstance(statement, ast.Assign | ast.AnnAssign):
                    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                    names = {t.id for t in targets if isinstance(t, ast.Name)}
                    if names & {"description", "removes"} and _text(statement.value):
                        yield statement.lineno, "gettext", _text(statement.value), []
        elif isinstance(node, ast.Call):
            yield from _call_texts(node)


def _declares_command(decorator: ast.expr) -> bool:
    """`@command(...)` or `@poll.sub(...)`."""
    if not isinstance(decorator, ast.Call):
        return False
    func = decorator.func
    return (isinstance(func, ast.Name) and func.id == "command") or (
        isinstance(func, ast.Attribute) and func.attr == "sub"
    )


def _call_texts(call: ast.Call) -> Iterator[Found]:
    name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
    if name == "Setting" and len(call.args) > 1 and _text(call.args[1]):
        yield call.lineno, "gettext", _text(call.args[1]), []
    elif name in ("fields", "changes") and call.args and isinstance(call.args[0], ast.List | ast.Tuple):
        for key in call.args[0].elts:  # the keys of `key: value` lines, typed in the language too
            if _text(key):
                yield call.lineno, "pgettext", (KEYWORD, _text(key)), []
    elif name in ("Ref", "resolve_single"):
        where = 1 if name == "Ref" else 2
        noun = _text(call.args[where]) if len(call.args) > where else ""
        plural = next((_text(k.value) for k in call.keywords if k.arg == "plural"), "")
        if name == "Ref" and len(call.args) > 2:
            plural = _text(call.args[2])
        if noun:
            yield call.lineno, "gettext", noun, []
            yield call.lineno, "gettext", plural or f"{noun}s", []


def _keyword_text(call: ast.Call, keyword: str) -> Iterator[Found]:
    for given in call.keywords:
        if given.arg == keyword and _text(given.value):
            yield call.lineno, "gettext", _text(given.value), []


def _text(node: ast.expr | None) -> str:
    """A string literal's text ("" for anything else, an f-string too)."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "N_" and node.args:
        return _text(node.args[0])
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""
