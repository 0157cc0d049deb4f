"""Pure HTML rendering of meetings and reminders; every value a user gave goes through `bdi()`, any other text through `h()`.

Before its reveal an access code is shown as `••••••` with when it will be revealed; only
`render_reminder` for a slot that `shows_code` (and listings after the reveal) show the code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from matrixbot import bdi, format_relative, format_time, h

from .model import SECRET, Meeting, SimpleReminder, Slot

ShowTime = Callable[[datetime], str]


def times_for(moment: datetime, zone: str, other_zones: Iterable[str]) -> str:
    """The time in the room's zone, then in each other zone of the people it is for."""
    base = format_time(moment, zone)
    extras = [format_time(moment, zone, other_zone=z)[len(base) :] for z in dict.fromkeys(other_zones)]
    return base + "".join(e for e in extras if e)


def before_text(delta: timedelta) -> str:
    """ "10 minutes before", "1 day before", "at the start"."""
    if delta <= timedelta(0):
        return "at the start"
    return f"{format_relative(delta).removeprefix('in ')} before"


def reveal_time(meeting: Meeting) -> str:
    """ "10 minutes before the start", "at the start"."""
    text = before_text(meeting.reveal_before)
    return text + " the start" if text.endswith("before") else text


def code_line(meeting: Meeting) -> str:
    if not meeting.code:
        return ""
    if meeting.code_revealed:
        return f"<br>Access code: <b>{_code(meeting.code)}</b>"
    return f"<br>Access code: {SECRET} (revealed {reveal_time(meeting)})"


def _code(code: str) -> str:
    return f"<code>{h(code)}</code>"


def _link(url: str) -> str:
    return f'<a href="{h(url)}">{h(url)}</a>'


def render_details(meeting: Meeting, slots: list[Slot], show_time: ShowTime, pills: Iterable[str]) -> str:
    """A meeting's fields, as shown on creation, by `!meeting ID` and after an edit; `pills`: whom
    its reminders mention (`mentioned`)."""
    parts = [
        f"<b>{h(meeting.ref)}</b>: <b>{bdi(meeting.title)}</b>",
        f"<br>When: {show_time(meeting.next_at)}",
    ]
    if meeting.duration:
        parts.append(f" (for {h(format_relative(meeting.duration).removeprefix('in '))})")
    if meeting.repeat:
        parts.append(f"<br>Repeats: {h(meeting.repeat.describe())}")
    if meeting.url:
        parts.append(f"<br>Call: {_link(meeting.url)}")
    parts.append(code_line(meeting))
    if slots:
        items = ", ".join(f"{show_time(s.due)} ({before_text(s.before)})" for s in slots)
        parts.append(f"<br>Reminders: {items}")
    else:
        parts.append("<br>Reminders: none to come for this occurrence")
    people = (["@room"] if meeting.notify_room else []) + list(pills)
    if people:
        parts.append(f"<br>Mentions: {', '.join(people)}")
    else:
        parts.append("<br>Mentions: nobody (<code>notify: none</code>): its reminders notify no one")
    return "".join(parts)


def render_created(details: str, prefix: str, code_note: str) -> str:
    return (
        f"Scheduled {details}<br>React 👍 to this message to be mentioned in its reminders. "
        f"Get it for your calendar with <code>{h(prefix)}meeting ics</code>.{code_note}"
    )


def render_list(meetings: list[tuple[Meeting, Slot | None]], show_time: ShowTime) -> str:
    if not meetings:
        return "No upcoming meetings in this room."
    items = []
    for meeting, slot in meetings:
        repeat = f", {h(meeting.repeat.describe())}" if meeting.repeat else ""
        nxt = f"; next reminder {show_time(slot.due)}" if slot else "; no reminder to come"
        code = f"; access code {SECRET}" if meeting.code and not meeting.code_revealed else ""
        items.append(
            f"<li><b>{h(meeting.ref)}</b> {bdi(meeting.title)}: {show_time(meeting.next_at)}{repeat}{nxt}{code}</li>"
        )
    return f"Upcoming meetings:<ul>{''.join(items)}</ul>"


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
    soon = format_relative(slot.occurrence - now)
    if slot.occurrence <= now:
        soon = "starting now"
    text = f"🔔 <b>{bdi(meeting.title)}</b> is {soon} ({when})."
    if meeting.url:
        text += f"<br>Call: {_link(meeting.url)}"
    if meeting.code and slot.shows_code:
        text += f"<br>Access code: <b>{_code(meeting.code)}</b>"
    elif meeting.code:
        text += f"<br>The access code will be posted {reveal_time(meeting)}."
    people = (["@room"] if room else []) + list(pills)
    if people:
        text += f"<br>{' '.join(people)}"
    return text + render_late(late_due, late_reason)


def render_late(due: str | None, reason: str | None) -> str:
    """The note on a reminder that goes out late, on a line of its own: when it was due, and why
    when that is known ("the bot was offline", "the homeserver was unreachable", …)."""
    if due is None:
        return ""
    why = f"; {h(reason)}" if reason else ""
    return f"<br><i>This reminder was due {h(due)}{why}.</i>"


def render_missed(meeting: Meeting, slot: Slot, due: str) -> str:
    return (
        f"⚠️ I missed the reminder for <b>{bdi(meeting.title)}</b> ({h(meeting.ref)}) "
        f"that was due {due}: the bot was offline."
    )


def render_code_note(removed: bool | None, prefix: str) -> str:
    """Under a confirmation: what became of the command's message, which showed the access code."""
    if removed is None:
        return ""
    if removed:
        return "<br>I removed your message, since it showed the access code."
    return (
        "<br>⚠️ Your message shows the access code to everyone here, and I may not remove it. "
        f"Next time leave out <code>code:</code> and send <code>{h(prefix)}meeting code ID CODE</code> "
        "to me in a direct message."
    )


def code_refusal_note(removed: bool, undone: str, prefix: str) -> str:
    """After a refusal (plain text): what was not done, and what became of the message that showed
    the access code."""
    how = f"send the code to me in a direct message ({prefix}meeting code ID CODE)"
    if removed:
        return f"{undone} I removed your message, since it showed the access code: {how}."
    return f"{undone} ⚠️ Your message shows the access code to everyone here, and I may not remove it: next time {how}."


def render_code_set(meeting: Meeting) -> str:
    return (
        f"The access code of {h(meeting.ref)} ({bdi(meeting.title)}) is set. "
        f"It will be revealed in the room {reveal_time(meeting)}."
    )


def render_reminder_line(reminder: SimpleReminder, show_time: ShowTime) -> str:
    repeat = f", {h(reminder.repeat.describe())}" if reminder.repeat else ""
    return f"<b>{h(reminder.ref)}</b> {show_time(reminder.due_at)}{repeat}: {bdi(reminder.text)}"


def render_reminder_created(reminder: SimpleReminder, show_time: ShowTime) -> str:
    return (
        f"Reminder {render_reminder_line(reminder, show_time)}"
        "<br>React 👍 to this message to be mentioned when it goes out."
    )


def render_reminders(reminders: list[SimpleReminder], show_time: ShowTime) -> str:
    if not reminders:
        return "No reminders in this room."
    items = "".join(f"<li>{render_reminder_line(r, show_time)}</li>" for r in reminders)
    return f"Reminders:<ul>{items}</ul>"


def render_simple_reminder(
    reminder: SimpleReminder, pills: Iterable[str], late_due: str | None, late_reason: str | None = None
) -> str:
    text = f"⏰ {bdi(reminder.text)}"
    people = list(pills)
    if people:
        text += f"<br>{' '.join(people)}"
    return text + render_late(late_due, late_reason)


def render_simple_missed(reminder: SimpleReminder, due: str) -> str:
    return f"⚠️ I missed reminder {h(reminder.ref)} ({bdi(reminder.text)}) that was due {due}: the bot was offline."
