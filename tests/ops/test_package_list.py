"""pyproject.toml names its packages one by one (plugins/ ships as matrixbot.plugins), so a new
folder must be added there or a fresh install lacks it: these checks find one that was not."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[2]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def package_of(folder: Path) -> str:
    parts = folder.relative_to(ROOT).parts
    if parts[0] == "plugins":
        parts = ("matrixbot", *parts)
    return ".".join(parts)


def shipped_folders() -> list[Path]:
    return sorted(
        init.parent
        for top in ("matrixbot", "plugins")
        for init in (ROOT / top).rglob("__init__.py")
        if "__pycache__" not in init.parts
    )


def test_every_package_folder_is_listed():
    missing = sorted({package_of(f) for f in shipped_folders()} - set(SETUPTOOLS["packages"]))
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_every_package_with_a_catalog_ships_it():
    with_catalogs = {package_of(f) for f in shipped_folders() if any(f.glob("locale/*/LC_MESSAGES/*.po"))}
    missing = sorted(with_catalogs - set(SETUPTOOLS["package-data"]))
    assert not missing, f"add locale/*/LC_MESSAGES/*.po to [tool.setuptools.package-data] for: {missing}"
