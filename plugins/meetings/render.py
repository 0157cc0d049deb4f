"""Pure HTML rendering of meetings and reminders; every value a user gave goes through `bdi()`, any other text through `h()`.

Before its reveal an access code is shown as `••••••` with when it will be revealed; only
`render_reminder` for a slot that `shows_code` (and listings after the reveal) show the code.
Everything is said in the language of the moment: the caller chooses it (`speaking`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from matrixbot import bdi, format_relative, format_time, h

from .model import SECRET, Meeting, SimpleReminder, Slot
from .texts import _, _n, texts

ShowTime = Callable[[datetime], str]


def times_for(moment: datetime, zone: str, other_zones: Iterable[str]) -> str:
    """The time in the room's zone, then in each other zone of the people it is for."""
    base = format_time(moment, zone)
    extras = [format_time(moment, zone, other_zone=z)[len(base) :] for z in dict.fromkeys(other_zones)]
    return base + "".join(e for e in extras if e)


def length(delta: timedelta) -> str:
    """ "10 minutes", "1 day", "2 hours 5 minutes": how long, rounded to the two largest units as
    `format_relative` rounds ("in 10 minutes"), said as a length rather than a moment."""
    amount = round(abs(delta.total_seconds()))
    if amount < 60:
        return _n("{n} second", "{n} seconds", amount).format(n=amount)
    if amount < 3600 - 30:
        return _minutes(round(amount / 60))
    if amount < 86400 - 30:
        hours, minutes = divmod(round(amount / 60), 60)
        return _hours(hours) + (f" {_minutes(minutes)}" if minutes else "")
    days, hours = divmod(round(amount / 3600), 24)
    return _n("{n} day", "{n} days", days).format(n=days) + (f" {_hours(hours)}" if hours else "")


def _minutes(n: int) -> str:
    return _n("{n} minute", "{n} minutes", n).format(n=n)


def _hours(n: int) -> str:
    return _n("{n} hour", "{n} hours", n).format(n=n)


def before_text(delta: timedelta) -> str:
    """ "10 minutes before", "1 day before", "at the start"."""
    if delta <= timedelta(0):
        return _("at the start")
    return _("{time} before").format(time=length(delta))


def reveal_time(meeting: Meeting) -> str:
    """ "10 minutes before the start", "at the start"."""
    if meeting.reveal_before <= timedelta(0):
        return _("at the start")
    return _("{time} before the start").format(time=length(meeting.reveal_before))


def code_line(meeting: Meeting) -> str:
    if not meeting.code:
        return ""
    if meeting.code_revealed:
        return "<br>" + _("Access code: {code}").format(code=f"<b>{_code(meeting.code)}</b>")
    return "<br>" + _("Access code: {secret} (revealed {when})").format(
        secret=SECRET, when=h(reveal_time(meeting))
    )


def _code(code: str) -> str:
    return f"<code>{h(code)}</code>"


def _link(url: str) -> str:
    return f'<a href="{h(url)}">{h(url)}</a>'


def render_details(meeting: Meeting, slots: list[Slot], show_time: ShowTime, pills: Iterable[str]) -> str:
    """A meeting's fields, as shown on creation, by `!meeting ID` and after an edit; `pills`: whom
    its reminders mention (`mentioned`)."""
    parts = [
        f"<b>{h(meeting.ref)}</b>: <b>{bdi(meeting.title)}</b>",
        "<br>" + _("When: {time}").format(time=show_time(meeting.next_at)),
    ]
    if meeting.duration:
        parts.append(" " + _("(for {length})").format(length=h(length(meeting.duration))))
    if meeting.repeat:
        parts.append("<br>" + _("Repeats: {repeat}").format(repeat=h(meeting.repeat.describe())))
    if meeting.url:
        parts.append("<br>" + _("Call: {link}").format(link=_link(meeting.url)))
    parts.append(code_line(meeting))
    if slots:
        items = ", ".join(f"{show_time(s.due)} ({h(before_text(s.before))})" for s in slots)
        parts.append("<br>" + _("Reminders: {times}").format(times=items))
    else:
        parts.append("<br>" + _("Reminders: none to come for this occurrence"))
    people = (["@room"] if meeting.notify_room else []) + list(pills)
    if people:
        parts.append("<br>" + _("Mentions: {people}").format(people=", ".join(people)))
    else:
        notify, none = texts.keyword_said("notify"), texts.keyword_said("none")
        said = _("Mentions: nobody ({line}): its reminders notify no one")
        parts.append("<br>" + said.format(line=f"<code>{h(notify)}: {h(none)}</code>"))
    return "".join(parts)


def render_created(details: str, prefix: str, code_note: str) -> str:
    return (
        _("Scheduled {details}").format(details=details)
        + "<br>"
        + _("React 👍 to this message to be mentioned in its reminders.")
        + " "
        + _("Get it for your calendar with {command}.").format(command=f"<code>{h(prefix)}meeting ics</code>")
        + code_note
    )


def render_updated(details: str, code_note: str) -> str:
    return _("Updated {details}").format(details=details) + code_note


def render_cancelled(meeting: Meeting, show_time: ShowTime) -> str:
    said = (
        _("Cancelled {meeting} {title} ({when}), all occurrences; no reminders will go out.")
        if meeting.repeat
        else _("Cancelled {meeting} {title} ({when}); no reminders will go out.")
    )
    return said.format(
        meeting=h(meeting.ref), title=f"<b>{bdi(meeting.title)}</b>", when=show_time(meeting.next_at)
    )


def render_skipped(meeting: Meeting, following: datetime, show_time: ShowTime) -> str:
    return _("Skipped {meeting} on {when}. Next: {next}.").format(
        meeting=h(meeting.ref), when=show_time(meeting.next_at), next=show_time(following)
    )


def render_list(meetings: list[tuple[Meeting, Slot | None]], show_time: ShowTime) -> str:
    if not meetings:
        return _("No upcoming meetings in this room.")
    items = []
    for meeting, slot in meetings:
        repeat = f", {h(meeting.repeat.describe())}" if meeting.repeat else ""
        if slot:
            nxt = "; " + _("next reminder {time}").format(time=show_time(slot.due))
        else:
            nxt = "; " + _("no reminder to come")
        code = ""
        if meeting.code and not meeting.code_revealed:
            code = "; " + _("access code {secret}").format(secret=SECRET)
        items.append(
            f"<li><b>{h(meeting.ref)}</b> {bdi(meeting.title)}: {show_time(meeting.next_at)}{repeat}{nxt}{code}</li>"
        )
    return _("Upcoming meetings:") + f"<ul>{''.join(items)}</ul>"


def render_reminder(
    meeting: Meeting,
    slot: Slot,
    now: datetime,
    when: str,
    pills: Iterable[str],
    *,
    room: bool,
    late_due: str | None,
    late_reason: str | None = None,
) -> str:
    """The reminder itself: what, when (relative and absolute), the link, the code once revealed."""
    title = f"<b>{bdi(meeting.title)}</b>"
    if slot.occurrence <= now:
        text = "🔔 " + _("{title} is starting now ({when}).").format(title=title, when=when)
    else:
        soon = h(format_relative(slot.occurrence - now))
        text = "🔔 " + _("{title} is {soon} ({when}).").format(title=title, soon=soon, when=when)
    if meeting.url:
        text += "<br>" + _("Call: {link}").format(link=_link(meeting.url))
    if meeting.code and slot.shows_code:
        text += "<br>" + _("Access code: {code}").format(code=f"<b>{_code(meeting.code)}</b>")
    elif meeting.code:
        text += "<br>" + _("The access code will be posted {when}.").format(when=h(reveal_time(meeting)))
    people = (["@room"] if room else []) + list(pills)
    if people:
        text += f"<br>{' '.join(people)}"
    return text + render_late(late_due, late_reason)


def render_late(due: str | None, reason: str | None) -> str:
    """The note on a reminder that goes out late, on a line of its own: when it was due, and why
    when that is known ("the bot was offline", "the homeserver was unreachable", …)."""
    if due is None:
        return ""
    if reason:
        said = _("This reminder was due {due}; {why}.").format(due=h(due), why=h(reason))
    else:
        said = _("This reminder was due {due}.").format(due=h(due))
    return f"<br><i>{said}</i>"


def render_missed(meeting: Meeting, slot: Slot, due: str) -> str:
    said = _("I missed the reminder for {title} ({meeting}) that was due {due}: the bot was offline.")
    return "⚠️ " + said.format(title=f"<b>{bdi(meeting.title)}</b>", meeting=h(meeting.ref), due=due)


def render_code_note(removed: bool | None, prefix: str) -> str:
    """Under a confirmation: what became of the command's message, which showed the access code."""
    if removed is None:
        return ""
    if removed:
        return "<br>" + _("I removed your message, since it showed the access code.")
    key = texts.keyword_said("code")
    return "<br>⚠️ " + _(
        "Your message shows the access code to everyone here, and I may not remove it. Next time "
        "leave out {key} and send {command} to me in a direct message."
    ).format(key=f"<code>{h(key)}:</code>", command=f"<code>{h(prefix)}meeting code ID CODE</code>")


def code_refusal_note(removed: bool, undone: str, prefix: str) -> str:
    """After a refusal (plain text): what was not done, and what became of the message that showed
    the access code."""
    if removed:
        said = _(
            "I removed your message, since it showed the access code: send the code to me in a "
            "direct message ({command})."
        ).format(command=f"{prefix}meeting code ID CODE")
    else:
        said = "⚠️ " + _(
            "Your message shows the access code to everyone here, and I may not remove it: next time "
            "send the code to me in a direct message ({command})."
        ).format(command=f"{prefix}meeting code ID CODE")
    return f"{undone} {said}"


def render_code_set(meeting: Meeting) -> str:
    return _("The access code of {meeting} ({title}) is set. It will be revealed in the room {when}.").format(
        meeting=h(meeting.ref), title=bdi(meeting.title), when=h(reveal_time(meeting))
    )


def render_reminder_line(reminder: SimpleReminder, show_time: ShowTime) -> str:
    repeat = f", {h(reminder.repeat.describe())}" if reminder.repeat else ""
    return f"<b>{h(reminder.ref)}</b> {show_time(reminder.due_at)}{repeat}: {bdi(reminder.text)}"


def render_reminder_created(reminder: SimpleReminder, show_time: ShowTime) -> str:
    return (
        _("Reminder {reminder}").format(reminder=render_reminder_line(reminder, show_time))
        + "<br>"
        + _("React 👍 to this message to be mentioned when it goes out.")
    )


def render_reminders(reminders: list[SimpleReminder], show_time: ShowTime) -> str:
    if not reminders:
        return _("No reminders in this room.")
    items = "".join(f"<li>{render_reminder_line(r, show_time)}</li>" for r in reminders)
    return _("Reminders:") + f"<ul>{items}</ul>"


def render_reminder_cancelled(reminder: SimpleReminder) -> str:
    return _("Cancelled reminder {reminder}: {text}").format(
        reminder=h(reminder.ref), text=bdi(reminder.text)
    )


def render_simple_reminder(
    reminder: SimpleReminder, pills: Iterable[str], late_due: str | None, late_reason: str | None = None
) -> str:
    text = f"⏰ {bdi(reminder.text)}"
    people = list(pills)
    if people:
        text += f"<br>{' '.join(people)}"
    return text + render_late(late_due, late_reason)


def render_simple_missed(reminder: SimpleReminder, due: str) -> str:
    said = _("I missed reminder {reminder} ({text}) that was due {due}: the bot was offline.")
    return "⚠️ " + said.format(reminder=h(reminder.ref), text=bdi(reminder.text), due=due)
