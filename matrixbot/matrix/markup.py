"""HTML message bodies: escaping, pills, and the plain-text body derived from the HTML.

Plugins write one HTML string (user values such as titles and names through `bdi`, any other
text through `h`) and the plain body is derived from it, so the two never drift apart.

Nothing the bot repeats can forge its words or hide in them:
- No control character (C0 but newline and tab, DEL, C1) and no bidi embedding, override or
  isolate: `h` drops them from each piece and `Message.from_html` from the whole, so a title cannot
  ring a terminal's bell, hide text or reorder the bot's own words. User values are isolated
  (`<bdi>` in HTML, FSI … PDI in the plain body) so that a right-to-left title stays in its span.
- No line break inside a piece: `h`, `bdi` and `isolate` fold every line and paragraph separator
  (LF, CR, VT, FF, NEL, U+2028, U+2029, the C0 separators 1C–1E) to a space, so a display name
  cannot start a line of its own ("1. Mon 1 Mar — 99 yes") in the plain body of a tally. In HTML
  a newline was only a space already; only the bot's own `<br>` and blocks break lines.
- No invisible format character (`INVISIBLE`): zero-width space, LRM/RLM/ALM, word joiner, BOM,
  soft hyphen, tag characters, Hangul fillers and the like are dropped, so two names that look
  alike are alike, and nothing unseen rides along. Kept where a language needs them inside a
  word: ZWJ and ZWNJ between letters of scripts that join or conjoin them (Arabic, Persian,
  Syriac, N'Ko, Mongolian, the Brahmic scripts such as Devanagari, Bengali, Tamil, Sinhala,
  Tibetan, Myanmar, Khmer), ZWJ between the pictographs of an emoji sequence (👩‍💻, 🏳️‍🌈),
  the Mongolian vowel separator between Mongolian letters, tag characters in a flag (🏴 England),
  and a Hangul filler inside a conjoining syllable.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_BLOCK_BREAKS = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "pre", "blockquote", "table", "ul", "ol"}


_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""C0 controls but tab and newline, DEL, C1 controls, bidi embeddings/overrides (LRE RLE PDF LRO
RLO) and isolates (LRI RLI FSI PDI: the bot adds its own, balanced)."""
FSI, PDI = "\u2068", "\u2069"

_BREAK = "\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029"
"""Every line boundary Python's `str.splitlines` knows: LF, CR, VT, FF, FS GS RS, NEL, LS, PS."""
_LINE_BREAKS = re.compile(f"[ \t]*[{_BREAK}][{_BREAK} \t]*")
"""A run of line breaks with the blanks around it: one space in its place."""
_ANY_BREAK = re.compile(f"[{_BREAK}]")
_ODD_BREAKS = re.compile("[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
"""Line breaks but LF, which no HTML body of the bot's own needs (clients may break a line at them)."""

_JOINING = (
    "\u0600-\u061b\u061d-\u06ff\u0700-\u074f\u0750-\u077f\u07c0-\u07ff\u0840-\u085f\u0860-\u089f\u08a0-\u08ff"
    "\u0900-\u0dff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff\u1800-\u180d\u180f-\u18af\u1900-\u194f\u1a20-\u1aaf"
    "\u1b00-\u1bbf\ua800-\ua82f\ua840-\ua8ff\ua900-\ua95f\ua980-\ua9df\uaa00-\uaa7f\uaae0-\uaaff"
    "\uabc0-\uabff\ufb50-\ufdff\ufe70-\ufefe\U00010a00-\U00010a5f\U00011000-\U000111ff"
)
"""Scripts whose letters join or conjoin, where ZWJ and ZWNJ choose a form: Arabic (Persian, Urdu
…), Syriac, N'Ko, Mandaic, the Brahmic scripts of South Asia (Devanagari to Sinhala), Tibetan,
Myanmar, Khmer, Mongolian, Limbu, Tai Tham, Balinese, Sundanese, and their extensions; without
the invisible characters among them (ALM, the Mongolian vowel separator), which are dropped."""
_PICTOGRAPHS = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u231a-\u23ff\u24c2\u25aa-\u25fe"
    "\u2600-\u27bf\u2934\u2935\u2b05-\u2b55\u3030\u303d\u3297\u3299\U0001f000-\U0001faff"
)
"""Characters that take part in emoji sequences (the skin-tone modifiers are among them)."""
_MONGOLIAN = "\u1820-\u18aa"

INVISIBLE = re.compile(
    # kept: what a language or an emoji needs, in the context where it needs it
    f"(?P<kept>(?<=[{_JOINING}])[\u200c\u200d](?=[{_JOINING}])"
    f"|(?<=[{_PICTOGRAPHS}\ufe0f])\u200d(?=[{_PICTOGRAPHS}])"
    f"|(?<=[{_MONGOLIAN}])\u180e(?=[{_MONGOLIAN}])"
    "|\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f"
    "|\u115f(?=[\u1161-\u11a7\ud7b0-\ud7c6])|(?<=[\u1100-\u115e\ua960-\ua97c])\u1160)"
    # dropped: the same characters anywhere else, and those no text needs
    "|[\u200c\u200d\u180e\U000e0000-\U000e007f\u115f\u1160]"
    "|[\u00ad\u061c\u200b\u200e\u200f\u2060-\u2064\u206a-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a]"
)
"""Invisible format characters: the zero-width space, non-joiner and joiner, LRM, RLM, ALM, the
word joiner and invisible operators, the BOM, the soft hyphen, the Mongolian vowel separator, the
tag characters, the Hangul fillers, the interlinear annotation, shorthand and musical format
controls; the group `kept` matches those a language or an emoji sequence needs where they stand."""


_MAY_HIDE = re.compile(
    "[\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u2060-\u2064\u206a-\u206f\u3164\ufeff\uffa0"
    "\ufff9-\ufffb\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e007f]"
)
"""Any character `INVISIBLE` may drop: one quick scan spares most text the slower one."""


def _drop_invisible(match: re.Match[str]) -> str:
    return match.group() if match.group("kept") is not None else ""


def _visible(text: str) -> str:
    text = _UNSAFE.sub("", text)
    return INVISIBLE.sub(_drop_invisible, text) if _MAY_HIDE.search(text) else text


def clean(text: object) -> str:
    """`text` without control characters, bidi controls and invisible format characters, line
    breaks other than LF as spaces: for anything the bot repeats (a whole body keeps its LFs)."""
    return _visible(_ODD_BREAKS.sub(" ", str(text)))


def one_line(text: object) -> str:
    """`text` cleaned, each run of line breaks (with the blanks around it) folded to one space:
    a value that must stay on its line (a name, a title, an option)."""
    text = str(text)
    return _visible(_LINE_BREAKS.sub(" ", text) if _ANY_BREAK.search(text) else text)


def h(text: object) -> str:
    """Escape text for an HTML body (quotes too: values may land in attributes), cleaned and on
    one line (in HTML a newline is a space anyway; the plain body derived from it must agree)."""
    return html.escape(one_line(text), quote=True)


def bdi(text: object) -> str:
    """A value a user gave (title, name, note, option…) for an HTML body: escaped, cleaned, on one
    line and isolated, so its direction cannot reorder the words around it."""
    return f"<bdi>{h(text)}</bdi>"


def isolate(text: object) -> str:
    """The plain-text twin of `bdi`, for content that has no HTML (a poll's question)."""
    return f"{FSI}{one_line(text)}{PDI}"


def pill(user_id: str, name: str | None = None) -> str:
    """A mention pill; Element renders it as the person's name and it carries the user id."""
    return f'<a href="https://matrix.to/#/{h(user_id)}">{bdi(name or user_id)}</a>'


@dataclass(frozen=True)
class Message:
    """A message body: HTML plus its plain-text twin, and whom it mentions."""

    html: str
    text: str
    mentions: tuple[str, ...] = field(default=())
    room_mention: bool = False

    @classmethod
    def from_html(
        cls, markup: str, *, mentions: tuple[str, ...] | list[str] = (), room: bool = False
    ) -> Message:
        markup = clean(markup)
        return cls(markup, html_to_text(markup), tuple(dict.fromkeys(mentions)), room)

    def content(self, msgtype: str = "m.notice") -> dict[str, object]:
        content: dict[str, object] = {
            "msgtype": msgtype,
            "body": self.text,
            "format": "org.matrix.custom.html",
            "formatted_body": self.html,
        }
        mentions: dict[str, object] = {}
        if self.mentions:
            mentions["user_ids"] = list(self.mentions)
        if self.room_mention:
            mentions["room"] = True
        content["m.mentions"] = mentions
        return content


def html_to_text(markup: str) -> str:
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    lines = [line.rstrip() for line in "".join(parser.parts).split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "bdi":
            self.parts.append(FSI)
        elif tag == "li":
            self._newline()
            self.parts.append("• ")
        elif tag in ("td", "th") and self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("  ")
        elif tag in _BLOCK_BREAKS:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag == "bdi":
            self.parts.append(PDI)
        elif tag in _BLOCK_BREAKS:
            self._newline()

    def handle_data(self, data: str) -> None:
        self.parts.append(clean(data))  # a character reference may spell a control character

    def _newline(self) -> None:
        if self.parts and not "".join(self.parts[-2:]).endswith("\n"):
            self.parts.append("\n")
