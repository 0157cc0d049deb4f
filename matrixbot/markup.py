"""HTML message bodies: escaping, pills, and the plain-text body derived from the HTML.

Plugins write one HTML string (escaping every piece of user text with `h`) and the plain body is
derived from it, so the two never drift apart.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from html.parser import HTMLParser

_BLOCK_BREAKS = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "pre", "blockquote", "table", "ul", "ol"}


def h(text: object) -> str:
    """Escape user text for an HTML body (quotes too: values may land in attributes)."""
    return html.escape(str(text), quote=True)


def pill(user_id: str, name: str | None = None) -> str:
    """A mention pill; Element renders it as the person's name and it carries the user id."""
    return f'<a href="https://matrix.to/#/{h(user_id)}">{h(name or user_id)}</a>'


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
        elif tag == "li":
            self._newline()
            self.parts.append("• ")
        elif tag in ("td", "th") and self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("  ")
        elif tag in _BLOCK_BREAKS:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_BREAKS:
            self._newline()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def _newline(self) -> None:
        if self.parts and not "".join(self.parts[-2:]).endswith("\n"):
            self.parts.append("\n")
