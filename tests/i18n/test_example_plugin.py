"""The example third-party plugin (examples/agenda, the model docs/writing-plugins.md points at)
compiles its catalogs as matrixbot does: its `build_catalogs.py` is a copy of matrixbot's (the same
`compile_catalog` and `BuildPy`, so a fix to one is made to both), declared as setuptools' build_py
with Babel to build with, and its `.po` files ship. Its translations and its words are checked with
matrixbot's own (test_complete.py, test_no_bypass.py); its stories run in German in its own tests."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "agenda"


def build_step(path: Path) -> dict[str, str]:
    """The definitions of a build_catalogs.py that do the work (its `main` names its own folders)."""
    tree = ast.parse(path.read_text())
    return {
        node.name: ast.dump(node)
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name != "main"
    }


def test_the_example_plugin_compiles_its_catalogs_with_matrixbot_s_build_step() -> None:
    ours, its = build_step(ROOT / "build_catalogs.py"), build_step(EXAMPLE / "build_catalogs.py")
    assert set(ours) == {"compile_catalog", "BuildPy"}
    assert its == ours, "examples/agenda/build_catalogs.py is a copy of build_catalogs.py: copy it again"
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())
    assert any(r.startswith("babel") for r in project["build-system"]["requires"])
    assert project["tool"]["setuptools"]["cmdclass"] == {"build_py": "build_catalogs.BuildPy"}
    assert project["tool"]["setuptools"]["package-data"]["matrixbot_agenda"] == ["locale/*/LC_MESSAGES/*.po"]
