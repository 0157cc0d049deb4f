"""A room's agenda page: the coming meetings, gatherings and deadlines as one HTML page.

Served beside the feed (the same address without `.ics`), for a browser on a phone: no script at
all, one small inline stylesheet allowed by its hash in a strict Content-Security-Policy, every
piece of user text escaped (`h`, `bdi`). Repeats are resolved into their occurrences, and skipped
ones are shown as skipped; times are in the room's zone, which the page names.

The page is written in the language of the moment: the service chooses the language of whoever holds
the address (theirs, else the room's), and `lang=` names it; its dates are written from CLDR as the
bot's messages are. What the plugins put on the calendar
(titles, kinds, details) is in the room's language: the room's feed is one for all its members.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from matrixbot.api.calendar import WEB_URL, FeedAddress
from matrixbot.calendar.ledger import Entry
from matrixbot.i18n import _, _n, current_language
from matrixbot.matrix.markup import bdi, h
from matrixbot.time import format_date, zone_abbrev

WEEKS = 8
AHEAD = timedelta(weeks=WEEKS)
"""How far ahead the page looks."""
MAX_ROWS = 200
_CHUNK = 32

STYLE = (
    ":root{color-scheme:light dark;font-family:system-ui,sans-serif;line-height:1.4}"
    "body{margin:0 auto;max-width:40rem;padding:1rem;overflow-wrap:anywhere}"
    "h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1rem;margin:1.25rem 0 .25rem;"
    "border-bottom:1px solid #8886}ul{list-style:none;margin:0;padding:0}"
    "li{padding:.4rem 0}.time{font-variant-numeric:tabular-nums;opacity:.8}"
    ".kind{font-size:.8rem;opacity:.7}.off{text-decoration:line-through;opacity:.6}"
    ".note{font-size:.85rem;opacity:.8;white-space:pre-line;margin:.1rem 0 0}"
    ".subscribe{display:inline-block;padding:.5rem .8rem;border:1px solid currentColor;"
    "border-radius:.4rem;text-decoration:none;margin:.5rem 0}"
)
CSP = (
    "default-src 'none'; "
    f"style-src 'sha256-{base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()}'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""No script, no image, no frame, no form: only the page's own stylesheet, allowed by its hash."""


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of an entry, for the page."""

    start: datetime
    end: datetime
    entry: Entry
    skipped: bool = False


def coming(entries: list[Entry], now: datetime, until: datetime) -> list[Occurrence]:
    """The occurrences not yet over at `now` that start before `until`, earliest first: one-off items
    as they are, repeats resolved (skipped occurrences marked), a cancelled repeat by its next one."""
    found: list[Occurrence] = []
    for entry in entries:
        item = entry.item
        if item.repeat is None:
            not_over = item.end > now or item.end == item.start >= now  # a deadline lasts no time
            if not_over and item.start < until:
                found.append(Occurrence(item.start, item.end, entry))
            continue
        first = item.start.astimezone(ZoneInfo(item.zone))
        skipped = {s.timestamp() for s in item.skipped}
        after = max(now - item.duration, first - timedelta(seconds=1))
        wanted = 1 if entry.cancelled else MAX_ROWS
        taken = 0
        while taken < wanted:
            batch = [o for o in item.repeat.occurrences(first, after, _CHUNK) if o < until][: wanted - taken]
            for start in batch:
                found.append(Occurrence(start, start + item.duration, entry, start.timestamp() in skipped))
            taken += len(batch)
            if len(batch) < _CHUNK:
                break
            after = batch[-1]
    found.sort(key=lambda o: (o.start, o.entry.uid))
    return found[:MAX_ROWS]


def render_page(name: str, zone: str, entries: list[Entry], address: FeedAddress, now: datetime) -> str:
    """The page, in the language of the moment (the caller's `speaking`)."""
    tz = ZoneInfo(zone)
    occurrences = coming(entries, now, now + AHEAD)
    days: dict[date, list[str]] = {}
    for occurrence in occurrences:
        local = occurrence.start.astimezone(tz)
        day = local.date() if not occurrence.entry.item.all_day else _item_date(occurrence)
        days.setdefault(day, []).append(_row(occurrence, tz))
    sections = "".join(
        f'<section><h2><time datetime="{day.isoformat()}">{_day(day)}</time></h2><ul>{"".join(rows)}</ul></section>'
        for day, rows in sorted(days.items())
    )
    if not sections:
        nothing = _n(
            "Nothing on the calendar in the next {n} week.",
            "Nothing on the calendar in the next {n} weeks.",
            WEEKS,
        )
        sections = f"<p>{nothing.format(n=WEEKS)}</p>"
    coming_up = _n("Coming up in the next {n} week.", "Coming up in the next {n} weeks.", WEEKS).format(
        n=WEEKS
    )
    zoned = _("Times are in <b>{zone}</b> ({abbreviation}).").format(
        zone=h(zone), abbreviation=h(zone_abbrev(now.astimezone(tz)))
    )
    title = _("{room}: calendar").format(room=h(name))
    subscribe, download = _("Subscribe in your calendar app"), _("download (.ics)")
    return (
        f'<!doctype html><html lang="{h(current_language())}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex, nofollow">'
        f"<title>{title}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{bdi(name)}</h1>"
        f"<p>{coming_up} {zoned}</p>"
        f'<a class="subscribe" href="{h(address.webcal)}">{subscribe}</a> '
        f'<a href="{h(address.https)}">{download}</a></header>'
        f"<main>{sections}</main></body></html>"
    )


def _row(occurrence: Occurrence, tz: ZoneInfo) -> str:
    entry, item = occurrence.entry, occurrence.entry.item
    # TRANSLATORS: said in brackets after an item's kind, a plugin's word ("meeting", "poll deadline"),
    # so a form that fits any noun: a cancelled item, and a repeat's occurrence that does not take place
    state = _("cancelled") if entry.cancelled else _("skipped") if occurrence.skipped else ""
    parts = [f'<span class="time">{_times(occurrence, tz)}</span> <b>{bdi(item.title)}</b>']
    kind = _("{kind} ({state})").format(kind=h(item.kind), state=state) if state else h(item.kind)
    parts.append(f' <span class="kind">{kind}</span>')
    if item.place:
        parts.append(f"<br>📍 {bdi(item.place)}")
    if item.url and WEB_URL.fullmatch(item.url) and not state:
        parts.append(f'<br><a href="{h(item.url)}" rel="noreferrer noopener">{h(item.url)}</a>')
    if item.details and not state:
        parts.append(f'<p class="note">{bdi(item.details)}</p>')
    css = ' class="off"' if state else ""
    return f'<li{css} data-uid="{h(entry.uid)}">{"".join(parts)}</li>'


def _times(occurrence: Occurrence, tz: ZoneInfo) -> str:
    item = occurrence.entry.item
    if item.all_day:
        last = (occurrence.end.astimezone(ZoneInfo(item.zone)) - timedelta(days=1)).date()
        return (
            _("all day")
            if last <= _item_date(occurrence)
            else _("all day, until {day}").format(day=_day(last))
        )
    start, end = occurrence.start.astimezone(tz), occurrence.end.astimezone(tz)
    iso = start.isoformat()
    if end == start:
        return f'<time datetime="{iso}">{start:%H:%M}</time> {h(zone_abbrev(start))}'
    until = f"{end:%H:%M}" if end.date() == start.date() else f"{_day(end.date())}, {end:%H:%M}"
    return f'<time datetime="{iso}">{start:%H:%M}–{until}</time> {h(zone_abbrev(end))}'


def _item_date(occurrence: Occurrence) -> date:
    return occurrence.start.astimezone(ZoneInfo(occurrence.entry.item.zone)).date()


def _day(day: date) -> str:
    """ "Tue 5 Mar 2024"; "Di., 5. März 2024"."""
    return format_date(day)
