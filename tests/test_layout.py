"""The tree's shape holds: no import cycles, the layers import only downwards, the running bot never
loads the test kits, and the public face `matrixbot` offers what plugins use and stays cheap to import."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import matrixbot

ROOT = Path(__file__).parents[1]


def module_name(path: Path) -> str:
    """The dotted name a source file is imported as (plugins/ ships as matrixbot.plugins)."""
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[0] == "plugins":
        parts.insert(0, "matrixbot")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources() -> dict[str, Path]:
    files = [*(ROOT / "matrixbot").rglob("*.py"), *(ROOT / "plugins").rglob("*.py")]
    return {module_name(p): p for p in files}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports at load time (imports under `if TYPE_CHECKING:` are not run)."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name in known)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    if sub in known:
                        found.add(sub)
                    elif base in known:
                        found.add(base)
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                for field in ("body", "orelse", "finalbody"):
                    inner = getattr(node, field, None)
                    if isinstance(inner, list):
                        visit([n for n in inner if isinstance(n, ast.stmt)])

    visit(tree.body)
    found.discard(name)
    return found


def graph() -> dict[str, set[str]]:
    modules = sources()
    known = set(modules)
    return {name: imports_of(name, path, known) for name, path in modules.items()}


def test_no_module_imports_itself_through_a_cycle():
    edges = graph()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            walk(node)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_the_cycle_check_sees_a_cycle(tmp_path):
    """The checker is not vacuous: two modules importing each other are reported."""
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("from matrixbot.b import x\n")
    b.write_text("import matrixbot.a\n")
    known = {"matrixbot.a", "matrixbot.b"}
    assert imports_of("matrixbot.a", a, known) == {"matrixbot.b"}
    assert imports_of("matrixbot.b", b, known) == {"matrixbot.a"}


def test_matrix_and_time_import_nothing_from_the_layers_above():
    above = ("matrixbot.api", "matrixbot.engine", "matrixbot.plugins", "matrixbot.testing")
    wrong = {
        name: sorted(i for i in imported if i.startswith(above))
        for name, imported in graph().items()
        if name.startswith(("matrixbot.matrix", "matrixbot.time"))
    }
    assert not {k: v for k, v in wrong.items() if v}


def test_the_api_imports_nothing_from_the_engine():
    """Plugins build on the API; the engine runs them (it imports the API, never the reverse)."""
    wrong = {
        name: sorted(i for i in imported if i.startswith("matrixbot.engine"))
        for name, imported in graph().items()
        if name.startswith("matrixbot.api")
    }
    assert not {k: v for k, v in wrong.items() if v}


def test_the_engine_imports_no_plugin():
    """The engine finds every plugin by its entry point, the core's own `core` and `devices` too:
    it never imports one (and so never depends on what a plugin is called or how it is built)."""
    wrong = {
        name: sorted(i for i in imported if i.startswith("matrixbot.plugins"))
        for name, imported in graph().items()
        if name.startswith("matrixbot.engine")
    }
    assert not {k: v for k, v in wrong.items() if v}


def test_time_is_imported_from_outside_only_through_its_init():
    wrong = {
        name: sorted(i for i in imported if i.startswith("matrixbot.time."))
        for name, imported in graph().items()
        if not name.startswith("matrixbot.time")
    }
    assert not {k: v for k, v in wrong.items() if v}


def test_plugins_import_only_the_public_face_and_themselves():
    """Every plugin package, the core's own command sets (core, devices) included, imports
    `matrixbot` and its own modules (relatively), nothing else of the project: what a plugin author
    can do too."""
    shipped = {p.name for p in (ROOT / "plugins").iterdir() if (p / "__init__.py").exists()}
    assert {"checkins", "core", "datepoll", "devices", "meetings", "signups"} <= shipped
    wrong = {}
    for name, imported in graph().items():
        plugin = name.split(".")[2] if name.startswith("matrixbot.plugins.") else None
        if plugin in shipped:
            own = f"matrixbot.plugins.{plugin}"
            bad = sorted(i for i in imported if i != "matrixbot" and not i.startswith(own))
            bad += [
                f"{n.module} (import it relatively: from .x import …)"
                for n in ast.walk(ast.parse(sources()[name].read_text()))
                if isinstance(n, ast.ImportFrom) and n.level == 0 and (n.module or "").startswith(own)
            ]
            if bad:
                wrong[name] = bad
    assert not wrong


def test_the_running_bot_never_imports_the_test_kits():
    code = (
        "import sys, matrixbot, matrixbot.cli, matrixbot.engine.bot\n"
        "from matrixbot.engine.registry import discover\n"
        "plugins = discover()\n"
        "assert {p.name for p in plugins} >= {'checkins', 'datepoll', 'meetings', 'signups'}\n"
        "[getattr(matrixbot, n) for n in matrixbot.__all__]\n"
        "print(sorted(m for m in sys.modules if m.startswith('matrixbot.testing')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


def test_the_public_face_offers_every_name_it_lists_and_loads_lazily():
    for name in matrixbot.__all__:
        assert getattr(matrixbot, name) is not None, name
    code = "import sys, matrixbot\nprint(sorted(m for m in ('nio', 'apscheduler', 'dateparser') if m in sys.modules))\n"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


def test_the_tests_mirror_the_tree():
    """tests/<package>/ for each package of matrixbot/ (tests/plugins/<name>/ for each plugin); besides
    them only tests/ops (the command line, packaging, processes) and tests/reliability (fault suites)."""
    packages = {p.parent.name for p in (ROOT / "matrixbot").glob("*/__init__.py")} | {"plugins"}
    plugins = {p.parent.name for p in (ROOT / "plugins").glob("*/__init__.py")}
    tests = ROOT / "tests"
    folders = {p.parent.relative_to(tests).as_posix() for p in tests.glob("**/__init__.py")} - {"."}
    wrong = sorted(
        f
        for f in folders
        if not (
            f in packages | {"ops", "reliability"}
            or (f.startswith("plugins/") and f.removeprefix("plugins/") in plugins)
        )
    )
    assert not wrong, f"test folders with no source package of that name: {wrong}"


@pytest.mark.parametrize("face", ["matrixbot", "matrixbot.testing"])
def test_a_faces_lazy_names_its_all_and_what_type_checkers_see_agree(face: str) -> None:
    """A name listed in `__all__` but not imported for type checkers would be `Any` to plugin
    authors' mypy (`from matrixbot import Contxt` passed); one imported but not lazily exported
    would pass mypy and fail at run time."""
    module = importlib.import_module(face)
    tree = ast.parse(Path(module.__file__ or "").read_text())
    typed: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom):
                    typed |= {alias.asname or alias.name for alias in stmt.names}
    exports = set(module._EXPORTS)
    assert exports == set(module.__all__), sorted(exports ^ set(module.__all__))
    assert exports == typed, f"lazy only: {sorted(exports - typed)}; typed only: {sorted(typed - exports)}"
    for name, source in module._EXPORTS.items():
        assert getattr(module, name) is getattr(importlib.import_module(source), name), name
