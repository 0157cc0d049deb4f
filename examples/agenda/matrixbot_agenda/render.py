"""The agenda's messages, as HTML. Every piece of user text goes through `bdi` (escaped, isolated)."""

from __future__ import annotations

from collections.abc import Callable

from matrixbot import bdi, h

from .model import SUPPORT, Topic

Names = Callable[[str], str]
"""A user id to the name the room shows for them."""


def render_agenda(topics: list[Topic], names: Names, prefix: str) -> str:
    """The open topics in running order (the caller sorts), or how to start an agenda."""
    if not topics:
        return f"The agenda is empty. Add a topic with {h(prefix)}agenda add TITLE"
    items = "".join(f"<li>{_line(t, names)}</li>" for t in topics)
    return f"<b>Agenda</b> ({len(topics)} open)<ol>{items}</ol>React {SUPPORT} to a topic's message to support it."


def render_added(topic: Topic) -> str:
    return f"Added {_head(topic)} to the agenda. React {SUPPORT} to this message to support it."


def render_done(topic: Topic) -> str:
    return f"Done: {_head(topic)}. It is off the agenda."


def _head(topic: Topic) -> str:
    return f"<b>{h(topic.ref)}</b> {bdi(topic.title)}"


def _line(topic: Topic, names: Names) -> str:
    support = f" · {SUPPORT} {topic.support}" if topic.support else ""
    notes = "".join(f"<br>{bdi(line)}" for line in topic.notes.splitlines())
    return f"{_head(topic)} (from {bdi(names(topic.proposer))}){support}{notes}"
