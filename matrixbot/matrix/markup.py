"""HTML message bodies: escaping, pills, and the plain-text body derived from the HTML.

Plugins write one HTML string (user values such as titles and names through `bdi`, any other
text through `h`) and the plain body is derived from it, so the two never drift apart.

Nothing the bot repeats carries a control character (C0 but newline and tab, DEL, C1) or a bidi
embedding, override or isolate: `h` drops them from each piece and `Message.from_html` from the
whole, so a title cannot ring a terminal's bell, hide text or reorder the bot's own words. User
values are isolated (`<bdi>` in HTML, FSI … PDI in the plain body) so that a right-to-left title
stays inside its own span.
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


def clean(text: object) -> str:
    """`text` without control characters and bidi controls, for anything the bot repeats."""
    return _UNSAFE.sub("", str(text))


def h(text: object) -> str:
    """Escape text for an HTML body (quotes too: values may land in attributes), cleaned."""
    return html.escape(clean(text), quote=True)


def bdi(text: object) -> str:
    """A value a user gave (title, name, note, option…) for an HTML body: escaped, cleaned and
    isolated, so its direction cannot reorder the words around it."""
    return f"<bdi>{h(text)}</bdi>"


def isolate(text: object) -> str:
    """The plain-text twin of `bdi`, for content that has no HTML (a poll's question)."""
    return f"{FSI}{clean(text)}{PDI}"


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
