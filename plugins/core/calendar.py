"""The answers of `!calendar`: a room calendar's address, and how to add it in common calendar apps."""

from __future__ import annotations

from matrixbot import FeedAddress, h

APPS = (
    (
        "Google Calendar",
        "on the web, Other calendars ＋ → From URL; paste the https address (Google fetches it again only every few hours)",
    ),
    (
        "Apple Calendar",
        "open the webcal link; or on a Mac File → New Calendar Subscription, on an iPhone Settings → Calendar → Accounts → Add Account → Other → Add Subscribed Calendar",
    ),
    ("Thunderbird", "File → New → Calendar… → On the Network; paste the https address"),
    (
        "Outlook",
        "Add calendar → Subscribe from web (Outlook on the web and the new Outlook), or Add Calendar → From Internet (classic Outlook); paste the https address",
    ),
)


def render_address(address: FeedAddress, replaced: bool, prefix: str) -> str:
    apps = "".join(f"<li><b>{h(app)}</b>: {h(how)}</li>" for app, how in APPS)
    earlier = " Your earlier address of it stops working now." if replaced else ""
    return (
        "<b>This room's calendar</b>: its meetings, gatherings and deadlines, in your calendar app, "
        f"kept up to date.{earlier}<br>"
        f'Subscribe: <a href="{h(address.webcal)}">{h(address.webcal)}</a><br>'
        f"or paste: <code>{h(address.https)}</code><br>"
        f'The agenda in a browser: <a href="{h(address.page)}">{h(address.page)}</a>'
        f"<ul>{apps}</ul>"
        "This address is yours: whoever has it sees this room's calendar (never its access codes). "
        "It stops working when you leave the room or ask for a new one; a room admin can end every "
        f"address with <code>{h(prefix)}calendar reset</code>."
    )


def render_reset(address: FeedAddress, ended: int, prefix: str) -> str:
    gone = f"{ended} earlier address{'es' if ended != 1 else ''} of this room's calendar stopped working."
    return f"{gone}<br>{render_address(address, False, prefix)}"
