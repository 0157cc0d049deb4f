"""The agenda's messages, as HTML. Every piece of user text goes through `bdi` (escaped, isolated).

Said in the language of the moment (`_`): the caller chooses it (a reply: the member's; a topic's
own message, which the room reacts to: the room's).
"""

from __future__ import annotations

from collections.abc import Callable

from matrixbot import bdi, h

from .model import SUPPORT, Topic
from .texts import _, _n

Names = Callable[[str], str]
"""A user id to the name the room shows for them."""


def render_agenda(topics: list[Topic], names: Names, prefix: str) -> str:
    """The open topics in running order (the caller sorts), or how to start an agenda."""
    if not topics:
        return _("The agenda is empty. Add a topic with {command}").format(
            command=f"{h(prefix)}agenda add TITLE"
        )
    items = "".join(f"<li>{_line(t, names)}</li>" for t in topics)
    head = _n("<b>Agenda</b> ({n} open)", "<b>Agenda</b> ({n} open)", len(topics)).format(n=len(topics))
    support = _("React {emoji} to a topic's message to support it.").format(emoji=SUPPORT)
    return f"{head}<ol>{items}</ol>{support}"


def render_added(topic: Topic) -> str:
    return _("Added {topic} to the agenda. React {emoji} to this message to support it.").format(
        topic=_head(topic), emoji=SUPPORT
    )


def render_done(topic: Topic) -> str:
    return _("Done: {topic}. It is off the agenda.").format(topic=_head(topic))


def _head(topic: Topic) -> str:
    return f"<b>{h(topic.ref)}</b> {bdi(topic.title)}"


def _line(topic: Topic, names: Names) -> str:
    support = f" · {SUPPORT} {topic.support}" if topic.support else ""
    notes = "".join(f"<br>{bdi(line)}" for line in topic.notes.splitlines())
    proposer = _("(from {name})").format(name=bdi(names(topic.proposer)))
    return f"{_head(topic)} {proposer}{support}{notes}"
