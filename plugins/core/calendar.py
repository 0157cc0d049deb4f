"""The answers of `!calendar`: a room calendar's address, and how to add it in common calendar apps."""

from __future__ import annotations

from matrixbot import N_, FeedAddress, h

from .texts import _, _n

APPS = (
    (
        "Google Calendar",
        N_(
            "on the web, Other calendars ＋ → From URL; paste the https address (Google fetches it "
            "again only every few hours)"
        ),
    ),
    (
        "Apple Calendar",
        N_(
            "open the webcal link; or on a Mac File → New Calendar Subscription, on an iPhone Settings "
            "→ Calendar → Accounts → Add Account → Other → Add Subscribed Calendar"
        ),
    ),
    ("Thunderbird", N_("File → New → Calendar… → On the Network; paste the https address")),
    (
        "Outlook",
        N_(
            "Add calendar → Subscribe from web (Outlook on the web and the new Outlook), or Add "
            "Calendar → From Internet (classic Outlook); paste the https address"
        ),
    ),
)
"""Each app, and how to subscribe in it (its menus as its English version names them: a translation
names them as that language's version does)."""


def render_address(address: FeedAddress, replaced: bool, prefix: str) -> str:
    apps = "".join(f"<li><b>{h(app)}</b>: {h(_(how))}</li>" for app, how in APPS)
    earlier = " " + _("Your earlier address of it stops working now.") if replaced else ""
    head = _(
        "{title}: its meetings, gatherings and deadlines, in your calendar app, kept up to date."
    ).format(title="<b>" + _("This room's calendar") + "</b>")
    subscribe = _("Subscribe: {link}").format(link=f'<a href="{h(address.webcal)}">{h(address.webcal)}</a>')
    paste = _("or paste: {address}").format(address=f"<code>{h(address.https)}</code>")
    page = _("The agenda in a browser: {link}").format(
        link=f'<a href="{h(address.page)}">{h(address.page)}</a>'
    )
    yours = _(
        "This address is yours: whoever has it sees this room's calendar (never its access codes). It "
        "stops working when you leave the room or ask for a new one; a room admin can end every "
        "address with {command}."
    ).format(command=f"<code>{h(prefix)}calendar reset</code>")
    return f"{head}{earlier}<br>{subscribe}<br>{paste}<br>{page}<ul>{apps}</ul>{yours}"


def render_reset(address: FeedAddress, ended: int, prefix: str) -> str:
    gone = _n(
        "{n} earlier address of this room's calendar stopped working.",
        "{n} earlier addresses of this room's calendar stopped working.",
        ended,
    ).format(n=ended)
    return f"{gone}<br>{render_address(address, False, prefix)}"
