"""Every message of every translated package has a translation in every shipped language, kept so:
the catalogs hold exactly the texts the code says now (no new one missing, no old one left), none
untranslated or fuzzy, and each translation uses only the placeholders the code fills in (a wrong
`{name}` would fail when said). Fix with `make catalogs-refresh`, then translate what it marks.

A package takes part once it has a `locale/` folder; matrixbot and the core's own plugins and
datepoll must. Also: the CLDR data the time layer writes dates with is Babel's, as generated."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from matrixbot.i18n.cldr import tables
from matrixbot.i18n.refresh import messages
from matrixbot.time.cldr_data import TABLES

ROOT = Path(__file__).parents[2]
LANGUAGES = ("de", "es", "fr")
"""The languages the bot ships besides English (`matrixbot.i18n.languages`)."""
LOCALIZED = sorted(
    p.parent for p in [ROOT / "matrixbot" / "locale", *(ROOT / "plugins").glob("*/locale")] if p.is_dir()
)
REQUIRED = {"matrixbot", "core", "devices", "datepoll"}


def fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def tags(text: str) -> list[str]:
    return sorted(re.findall(r"</?[a-z]+[^>]*>", text))


def test_the_packages_that_must_be_translated_are() -> None:
    assert {folder.name for folder in LOCALIZED} >= REQUIRED


@pytest.fixture(scope="module", params=LOCALIZED, ids=lambda p: p.name)
def package(request: pytest.FixtureRequest) -> tuple[Path, set[tuple[str | None, str]]]:
    return request.param, messages(request.param)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_has_a_translation(
    package: tuple[Path, set[tuple[str | None, str]]], language: str
) -> None:
    folder, said = package
    po = folder / "locale" / language / "LC_MESSAGES" / f"{folder.name}.po"
    assert po.exists(), f"{po} is missing: python -m matrixbot.i18n.refresh --add {language} {folder}"
    with po.open("rb") as file:
        catalog = read_po(file, locale=language)
    held = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}
    wrong = [
        f"not in the catalog (make catalogs-refresh): {key}" for key in sorted(said - held.keys(), key=str)
    ]
    wrong += [f"no longer said (make catalogs-refresh): {key}" for key in sorted(held.keys() - said, key=str)]
    for key, message in held.items():
        forms = [message.string] if isinstance(message.string, str) else list(message.string or ())
        if (
            message.fuzzy
            or not all(forms)
            or len(forms) != (1 if isinstance(message.id, str) else catalog.num_plurals)
        ):
            wrong.append(f"not translated{' (fuzzy)' if message.fuzzy else ''}: {key}")
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        allowed = set().union(*map(fields, ids), *map(fields, message.auto_comments))
        for form in forms:
            if not fields(form) <= allowed:
                wrong.append(f"{sorted(fields(form) - allowed)} is not filled in by the code: {key}")
            if tags(form) != tags(ids[0]):
                wrong.append(f"its HTML tags differ from the English: {key}")
            if key[0] == "keyword" and not re.fullmatch(r"[^\s|]+(\|[^\s|]+)*", form):
                wrong.append(f"a keyword is words (one each) separated by |: {key}")
    assert not wrong, f"{po.relative_to(ROOT)}:\n" + "\n".join(wrong)


def test_the_template_is_up_to_date(package: tuple[Path, set[tuple[str | None, str]]]) -> None:
    """The .pot a new language starts from holds what the code says (make catalogs-refresh)."""
    folder, said = package
    with (folder / "locale" / f"{folder.name}.pot").open("rb") as file:
        held = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(file) if m.id}
    assert held == said


def test_the_time_layer_s_cldr_data_is_babel_s() -> None:
    assert tables(sorted(TABLES)) == TABLES, "write it again: make catalogs-refresh"
    assert sorted(TABLES) == list(LANGUAGES)


EXAMPLE = ROOT / "examples" / "agenda" / "matrixbot_agenda"
"""The example third-party plugin, the model for plugin authors: it ships German only."""


def test_the_example_plugin_is_complete_in_the_languages_it_ships() -> None:
    example = (EXAMPLE, messages(EXAMPLE))
    shipped = sorted(p.parent.parent.name for p in (EXAMPLE / "locale").glob("*/LC_MESSAGES/*.po"))
    assert "de" in shipped, "the example plugin ships a German catalog (issue 26)"
    test_the_template_is_up_to_date(example)
    for language in shipped:
        test_every_message_has_a_translation(example, language)
