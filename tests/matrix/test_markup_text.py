"""User text cannot forge the bot's lines nor hide in them: every line and paragraph separator in a
value folds to a space, and invisible format characters are dropped except where a language or an
emoji needs them. Checked on the plain body as well as the HTML, with Hypothesis and by example."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from matrixbot.matrix.markup import FSI, INVISIBLE, PDI, Message, bdi, clean, h, isolate, one_line, pill

BREAKS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
"""Every line boundary `str.splitlines` knows."""
ALWAYS_DROPPED = {
    "\u200b": "zero-width space",
    "\u200e": "LRM",
    "\u200f": "RLM",
    "\u061c": "ALM",
    "\ufeff": "BOM",
    "\u2060": "word joiner",
    "\u2062": "invisible times",
    "\u00ad": "soft hyphen",
    "\u3164": "Hangul filler",
    "\uffa0": "halfwidth Hangul filler",
    "\U000e0041": "tag A",
    "\U000e0001": "language tag",
    "\U000e007f": "cancel tag",
    "\ufff9": "interlinear annotation",
}
CONTEXTUAL = "\u200c\u200d\u180e\u115f\u1160"
"""Kept only where a word or an emoji needs them."""
FORGED = "1. Mon 1 Mar 2027 — 99 yes"

# Text weighted towards what matters here: separators, invisibles, joiners, letters of joining
# scripts and emoji around them, and the bot's own HTML-significant characters.
PIECES = st.sampled_from(
    [
        *BREAKS,
        *ALWAYS_DROPPED,
        *CONTEXTUAL,
        "\U0001f3f4",
        "\ufe0f",
        "👩",
        "💻",
        "ب",
        "क",
        "्",
        "ᠠ",
        "ᄀ",
        "ᅡ",
        " ",
        "\t",
        "<",
        "&",
        "a",
        "1.",
    ]
)
TEXT = st.one_of(
    st.text(max_size=40), st.lists(st.one_of(PIECES, st.text(max_size=3)), max_size=30).map("".join)
)


def lines(text: str) -> list[str]:
    return text.splitlines()


@settings(max_examples=400)
@given(TEXT)
def test_a_value_never_breaks_the_bot_s_line(value):
    message = Message.from_html(f"Head<br>Name: {bdi(value)} — {h(value)}.<br>Tail")
    assert lines(message.text) == [
        "Head",
        f"Name: {FSI}{one_line(value)}{PDI} — {one_line(value)}.",
        "Tail",
    ], "the plain body keeps the bot's three lines"
    assert len(lines(message.html)) == 1, "the HTML has no line break of the value's either"
    assert len(lines(isolate(value))) <= 1 and len(lines(pill("@u:x", value))) <= 1


@settings(max_examples=400)
@example("\U0001f3f4\U000e0041\U000e007f")  # found by Hypothesis: a flag's tags are kept
@given(TEXT)
def test_nothing_invisible_survives_but_where_a_word_needs_it(value):
    shown = one_line(value)
    spans = [m.span() for m in INVISIBLE.finditer(shown) if m.group("kept") is not None]
    outside = "".join(c for i, c in enumerate(shown) if not any(a <= i < b for a, b in spans))
    assert not set(outside) & set(ALWAYS_DROPPED), f"{shown!r}: only a flag's tag sequence keeps tags"
    assert one_line(shown) == shown and clean(shown) == shown, "cleaning twice changes nothing"
    leftovers = [m for m in INVISIBLE.finditer(shown) if m.group("kept") is None]
    assert not leftovers, f"{shown!r} keeps {leftovers}"
    for match in re.finditer(f"[{CONTEXTUAL}]", shown):
        kept = INVISIBLE.match(shown, match.start())
        assert kept is not None and kept.group("kept"), "each one left is in a context that keeps it"


@given(TEXT)
def test_a_whole_body_keeps_its_own_line_feeds_only(value):
    assert "\n" in clean(f"a\n{value}"), "a body's own LF is kept by clean()"
    assert not re.search("[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]", clean(value))


@pytest.mark.parametrize("separator", BREAKS)
def test_a_display_name_cannot_start_a_line_of_its_own(separator):
    name = f"mallory{separator}{FORGED}"
    message = Message.from_html(f"<b>P1: Call</b><br>1. Tue 27 Feb — 1 yes<br>Not voted yet: {bdi(name)}")
    assert lines(message.text) == [
        "P1: Call",
        "1. Tue 27 Feb — 1 yes",
        f"Not voted yet: \u2068mallory {FORGED}\u2069",
    ]
    assert "\n" not in message.html and separator not in message.html


@pytest.mark.parametrize(("char", "what"), ALWAYS_DROPPED.items())
def test_invisible_characters_are_dropped(char, what):
    assert one_line(f"mal{char}lory") == "mallory", what
    assert Message.from_html(bdi(f"mal{char}lory")).text == f"{FSI}mallory{PDI}", what


@pytest.mark.parametrize(
    ("word", "kept"),
    [
        ("می\u200cخواهم", "ZWNJ inside a Persian word"),
        ("क्\u200dष", "ZWJ after a Devanagari virama"),
        ("ক্\u200dয", "ZWJ in Bengali"),
        ("👩\u200d💻", "ZWJ in an emoji sequence"),
        ("🏳\ufe0f\u200d🌈", "ZWJ after a variation selector"),
        ("👩🏽\u200d💻", "ZWJ after a skin tone"),
        ("🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f", "tags in the flag of England"),
        ("ᠠ\u180eᠡ", "the Mongolian vowel separator"),
        ("\u115fᅡ", "a Hangul choseong filler in a syllable"),
        ("ᄀ\u1160ᆨ", "a Hangul jungseong filler in a syllable"),
    ],
)
def test_what_a_language_or_an_emoji_needs_is_kept(word, kept):
    assert one_line(word) == word, kept
    message = Message.from_html(bdi(word))
    assert message.text == f"{FSI}{word}{PDI}" and word in message.html, kept


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a\u200db", "ab"),
        ("a\u200cb", "ab"),
        ("\u200dक", "क"),
        ("हि\u200d", "हि"),
        ("💻\u200d", "💻"),
        ("hi\U000e0041\U000e007f", "hi"),
        ("\u115f\u1160", ""),
        ("x\u180ey", "xy"),
        ("ب\u200c\u061c", "ب"),  # before an ALM, which goes: nothing to join
    ],
)
def test_the_same_characters_elsewhere_are_dropped(text, shown):
    assert one_line(text) == shown


def test_runs_of_breaks_and_blanks_fold_to_one_space():
    assert one_line("a \r\n\u2028 \t\n b") == "a b"
    assert one_line("\nlead and trail\n") == " lead and trail "
