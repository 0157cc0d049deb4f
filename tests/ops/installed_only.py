"""Run matrixbot as if only `matrixbot[EXTRA]` were installed: `python -m tests.ops.installed_only
EXTRA ARGS…` runs `matrixbot ARGS…` with every import of an installed distribution outside that
extra's dependency closure refused, as a fresh `pip install 'matrixbot[EXTRA]'` would have it.

The dev venv holds pytest, hypothesis and the rest besides; a module of theirs imported on the way
to a command (the demo once imported pytest through the test kit) would pass in the venv and crash
for a user. The closure is read from the installed metadata, so it follows pyproject.toml.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib import metadata
from importlib.machinery import ModuleSpec
from types import ModuleType

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def closure(name: str, extras: set[str]) -> set[str]:
    """The canonical names of `name` and every distribution it requires with `extras`, recursively."""
    seen: set[str] = set()
    todo = [(name, extras)]
    while todo:
        dist_name, wanted = todo.pop()
        key = f"{canonicalize_name(dist_name)}[{','.join(sorted(wanted))}]"
        if key in seen:
            continue
        seen.add(key)
        try:
            requires = metadata.requires(dist_name) or []
        except metadata.PackageNotFoundError:
            continue  # an optional dependency not installed here: nothing of it can be imported
        for line in requires:
            req = Requirement(line)
            if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in wanted or {""}):
                todo.append((req.name, set(req.extras)))
    return {k.split("[")[0] for k in seen}


class OnlyInstalled:
    """A finder that refuses top-level modules of distributions outside `allowed`."""

    def __init__(self, allowed: set[str]) -> None:
        self.allowed = allowed
        self.owners = metadata.packages_distributions()

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        top = fullname.partition(".")[0]
        owners = {canonicalize_name(d) for d in self.owners.get(top, [])}
        if top in sys.stdlib_module_names or not owners or owners & self.allowed:
            return None  # the normal finders decide
        raise ModuleNotFoundError(f"No module named {top!r} (not installed by this extra)", name=top)


def only_their_entry_points(allowed: set[str]) -> None:
    """Hide the entry points of distributions outside `allowed` (a plugin package installed in the
    dev venv, such as the example's, would not be there after a fresh install)."""
    everything = metadata.entry_points

    def entry_points(*, group: str) -> metadata.EntryPoints:
        return metadata.EntryPoints(
            point
            for point in everything(group=group)
            if point.dist is None or canonicalize_name(point.dist.name) in allowed
        )

    metadata.entry_points = entry_points  # type: ignore[assignment]


def main() -> int:
    extra, *args = sys.argv[1:]
    allowed = closure("matrixbot", {extra})
    only_their_entry_points(allowed)
    sys.meta_path.insert(0, OnlyInstalled(allowed))
    from matrixbot.cli import main as matrixbot

    return matrixbot(args)


if __name__ == "__main__":
    sys.exit(main())
