"""Compile the gettext catalogs (`locale/<lang>/LC_MESSAGES/<domain>.po` → `.mo`) of every package.

The `.po` files are committed; the `.mo` files the bot reads are made when it is built or installed,
never committed. setuptools runs this as its `build_py` step (pyproject.toml:
`[tool.setuptools.cmdclass]`, with Babel in `[build-system] requires`): into the wheel for
`pip install .`, and into the source tree for an editable install (`pip install -e .`, which `make`
does), whose packages are read from there. `make catalogs` (and so `make test`) runs it by hand,
`python build_catalogs.py [FILE.po ...]`, to compile again a catalog that was edited since.

A plugin package copies the example plugin's copy of this file (examples/agenda/build_catalogs.py, which
compiles one package's catalogs) beside its pyproject.toml, and declares it the same way.
"""

from __future__ import annotations

import sys
from pathlib import Path

from setuptools.command.build_py import build_py  # type: ignore[import-untyped]


def compile_catalog(po: Path, mo: Path) -> None:
    """Write `po` compiled as `mo`; a fuzzy or untranslated message is left out (it stays English)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as file:
        catalog = read_po(file)
    mo.parent.mkdir(parents=True, exist_ok=True)
    with mo.open("wb") as file:
        write_mo(file, catalog, use_fuzzy=False)


class BuildPy(build_py):  # type: ignore[misc]
    """setuptools' `build_py`, then each package's catalogs compiled beside its code."""

    def run(self) -> None:
        super().run()
        for package in self.packages or ():
            source = Path(self.get_package_dir(package))
            built = source if self.editable_mode else Path(self.build_lib, *package.split("."))
            for po in sorted(source.glob("locale/*/LC_MESSAGES/*.po")):
                compile_catalog(po, built / po.relative_to(source).with_suffix(".mo"))


def main(paths: list[str]) -> None:
    """Compile the catalogs given (or every catalog under matrixbot/ and plugins/) in place."""
    found = [Path(p) for p in paths] or sorted(
        p for top in ("matrixbot", "plugins") for p in Path(top).glob("**/locale/*/LC_MESSAGES/*.po")
    )
    for po in found:
        compile_catalog(po, po.with_suffix(".mo"))


if __name__ == "__main__":
    main(sys.argv[1:])
