"""Refresh a package's catalogs: extract its texts into `locale/<domain>.pot` and bring each
language's `.po` up to date with it (new texts untranslated, changed ones fuzzy, gone ones dropped).

    python -m matrixbot.i18n.refresh plugins/datepoll                 # its languages as they are
    python -m matrixbot.i18n.refresh --add de matrixbot_agenda        # and start a German catalog

The domain is the folder's name (`datepoll`), as `Translations(__package__)` reads it. `make
catalogs-refresh` runs this for matrixbot and each plugin it ships, and writes the CLDR data the
time layer uses. Needs Babel (a dev dependency).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from matrixbot.i18n.extract import COMMENT_TAGS, KEYWORDS, extract

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

SKIP = ("testing", "locale", "__pycache__")
"""Folders of a package that say nothing to members (matrixbot's test kit speaks to developers)."""


def template(folder: Path) -> Catalog:
    """The catalog of every text the package at `folder` says."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    domain = folder.resolve().name
    catalog = Catalog(project=domain, domain=domain, charset="utf-8", creation_date=_fixed())
    found = extract_from_dir(
        str(folder),
        method_map=[("**.py", extract)],  # type: ignore[list-item]  # a callable works as well as a name
        keywords=KEYWORDS,
        comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
        callback=None,
        directory_filter=lambda path: not any(part in SKIP for part in Path(path).parts),
    )
    for filename, lineno, message, comments, context in found:
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def messages(folder: Path) -> set[tuple[str | None, str]]:
    """(context, text) of each message of the package at `folder` (its plural's singular)."""
    found = template(folder)
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in found if m.id}


def refresh(folder: Path, add: Sequence[str] = ()) -> list[Path]:
    """Write the template and update (or, for `add`, start) each language's catalog; the paths written."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    domain = folder.resolve().name
    locale = folder / "locale"
    pot = template(folder)
    written = [locale / f"{domain}.pot"]
    locale.mkdir(exist_ok=True)
    with written[0].open("wb") as file:
        write_po(file, pot, width=100, omit_header=False, include_lineno=False, sort_by_file=True)
    languages = sorted({p.parent.parent.name for p in locale.glob(f"*/LC_MESSAGES/{domain}.po")} | set(add))
    for language in languages:
        po = locale / language / "LC_MESSAGES" / f"{domain}.po"
        if po.exists():
            with po.open("rb") as file:
                catalog = read_po(file, locale=language, domain=domain)
        else:
            po.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(
                locale=language,
                domain=domain,
                project=domain,
                creation_date=_fixed(),
                revision_date=_fixed(),
                last_translator="matrixbot's translators (README: Languages)",
                language_team=f"{language} (README: Languages)",
                fuzzy=False,
            )
        catalog.update(pot, update_creation_date=False)
        with po.open("wb") as file:
            write_po(file, catalog, width=100, ignore_obsolete=True, include_lineno=False, sort_by_file=True)
        written.append(po)
    return written


def _fixed() -> datetime:
    """A fixed date for the files' headers: a refresh that changes no text changes no file."""
    return datetime(2026, 1, 1, tzinfo=UTC)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m matrixbot.i18n.refresh", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "folders", nargs="+", type=Path, help="package folders, each with (or to get) a locale/"
    )
    parser.add_argument("--add", action="append", default=[], metavar="LANG", help="start a catalog for LANG")
    args = parser.parse_args(argv)
    for folder in args.folders:
        for path in refresh(folder, args.add):
            print(path)


if __name__ == "__main__":
    main()
