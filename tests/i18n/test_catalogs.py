"""A package's catalogs: read on first use in the language being written, plural forms as each
language has them, keywords members may type, declared texts from the right catalog."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from build_catalogs import compile_catalog
from matrixbot.errors import UserError
from matrixbot.i18n import Translations, _, _n, all_of, any_of, current_language, declared, keywords, speaking
from matrixbot.i18n.languages import check_language


def test_english_is_the_message_itself_and_loads_no_catalog():
    texts = Translations("matrixbot.plugins.datepoll")
    assert texts.gettext("That poll") == "That poll"
    assert texts.ngettext("{n} option", "{n} options", 1) == "{n} option"
    assert texts.ngettext("{n} option", "{n} options", 0) == "{n} options"
    assert texts._loaded == {}, "English needs no catalog"


def test_a_language_is_read_when_first_used_and_kept():
    texts = Translations("matrixbot.plugins.datepoll")
    with speaking("de"):
        assert texts.gettext("That poll") == "Diese Umfrage"
    assert set(texts._loaded) == {"de"}
    with speaking("es"):
        assert texts.gettext("That poll") == "Esa encuesta"
    assert set(texts._loaded) == {"de", "es"}


@pytest.mark.parametrize(
    ("language", "forms"),
    [
        ("en", ["0 options", "1 option", "2 options"]),
        ("de", ["0 Optionen", "1 Option", "2 Optionen"]),
        ("es", ["0 opciones", "1 opción", "2 opciones"]),
        ("fr", ["0 option", "1 option", "2 options"]),  # French says 0 in the singular
    ],
)
def test_plural_forms_follow_each_language(language, forms):
    texts = Translations("matrixbot.plugins.datepoll")
    with speaking(language):
        said = [texts.ngettext("{n} option", "{n} options", n).format(n=n) for n in (0, 1, 2)]
    assert said == forms


def test_the_language_is_the_one_set_for_the_block_and_nests():
    assert current_language() == "en"
    with speaking("de"):
        assert _("now") == "jetzt"
        with speaking("fr"):
            assert _("now") == "maintenant"
        assert _("now") == "jetzt"
    assert _("now") == "now"


def test_a_language_without_a_catalog_speaks_english():
    with speaking("it"):
        assert _("now") == "now"
        assert _n("{n} day", "{n} days", 2) == "{n} days"


def test_keywords_are_english_and_the_language_s_own():
    texts = Translations("matrixbot.plugins.datepoll")
    assert texts.keyword("maybe") == {"maybe"}
    with speaking("de"):
        assert {"maybe", "vielleicht"} <= texts.keyword("maybe")
        assert texts.keyword_said("maybe") == "vielleicht"
    with speaking("fr"):
        assert "peut-être" in texts.keyword("maybe")
    with speaking("es", texts):
        assert "quizás" in texts.keyword("maybe")
        assert "cierra" in keywords("closes"), "a key of `key: value` lines, from the plugin at work"


def test_declared_texts_come_from_the_plugin_at_work_else_matrixbot():
    datepoll = Translations("matrixbot.plugins.datepoll")
    with speaking("de"):
        assert declared("poll") == "poll", "no plugin at work: matrixbot's catalog has no 'poll'"
        assert declared("poll", datepoll) == "Umfrage"
        with speaking("de", datepoll):
            assert declared("poll") == "Umfrage"
            assert declared("its organiser") == "wer es organisiert", "matrixbot's, as the plugin has none"


def test_words_are_joined_as_the_language_joins_them():
    assert any_of(["!poll", "!polls", "!vote"]) == "!poll or !polls or !vote"
    with speaking("es"):
        assert any_of(["a", "b"]) == "a o b"
        assert all_of(["a", "b", "c"]) == "a y b y c"


def test_a_catalog_left_uncompiled_is_said_once_in_the_log(tmp_path: Path, caplog, monkeypatch):
    package = tmp_path / "uncompiled"
    (package / "locale" / "de" / "LC_MESSAGES").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "locale" / "de" / "LC_MESSAGES" / "uncompiled.po").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    texts = Translations("uncompiled")
    with caplog.at_level(logging.WARNING), speaking("de"):
        assert texts.gettext("Hello") == "Hello"
        assert texts.gettext("Hello") == "Hello"
    assert [r.message for r in caplog.records].count(caplog.records[0].message) == 1
    assert "not compiled" in caplog.records[0].message
    assert texts.languages() == ["de"]


def test_a_compiled_catalog_is_read(tmp_path: Path, monkeypatch):
    package = tmp_path / "shipped"
    folder = package / "locale" / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    catalog = Catalog(locale="fr", domain="shipped")
    catalog.add("Hello", "Bonjour")
    catalog.add(("{n} cat", "{n} cats"), ("{n} chat", "{n} chats", "{n} chats"))  # one, many, other
    catalog.add("Fuzzy", "Flou", flags=["fuzzy"])
    with (folder / "shipped.po").open("wb") as file:
        write_po(file, catalog)
    compile_catalog(folder / "shipped.po", folder / "shipped.mo")
    monkeypatch.syspath_prepend(str(tmp_path))
    texts = Translations("shipped")
    with speaking("fr"):
        assert texts.gettext("Hello") == "Bonjour"
        assert texts.ngettext("{n} cat", "{n} cats", 2) == "{n} chats"
        assert texts.gettext("Fuzzy") == "Fuzzy", "a fuzzy translation is not used"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("de", "de"),
        ("Deutsch", "de"),
        ("german", "de"),
        ("de-AT", "de"),
        ("ES", "es"),
        ("Español", "es"),
        ("espanol", "es"),
        ("fr_FR", "fr"),
        ("français", "fr"),
        ("English", "en"),
    ],
)
def test_a_language_is_read_by_its_code_or_its_name(typed, code):
    assert check_language(typed) == code


def test_an_unknown_language_lists_them_and_says_what_was_likely_meant():
    with pytest.raises(UserError) as refused:
        check_language("deutch")
    assert refused.value.message == (
        "I don't speak 'deutch'. Languages: de (Deutsch), en (English), es (español), fr (français). "
        "Did you mean de (Deutsch)?"
    )
    with pytest.raises(UserError, match=r"I don't speak 'klingon'\. Languages: .*\(français\)\.$"):
        check_language("klingon")
