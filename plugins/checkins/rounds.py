"""A round's scheduled life: opened with its nudge, close and next round booked at once (moved out of
the room's quiet hours), the question asked, one nudge, the summary. Jobs, so a restart neither loses
nor repeats them."""

from __future__ import annotations

from datetime import datetime

from matrixbot import (
    JobRun,
    Message,
    Outbox,
    Scheduled,
    Tx,
    WorkingHours,
    job,
    moved_note,
    speaking,
)

from .base import CheckinsBase
from .model import Asked, Round, Series, batches, next_opening, round_times, to_ping
from .render import (
    pills,
    render_missed_nudge,
    render_missed_round,
    render_more,
    render_nudge,
    render_nudge_dm,
    render_question,
    render_status,
)
from .texts import _


class Rounds(CheckinsBase):
    """A job runs in its room's language (the core sees to it); a nudge by direct message is
    written in each member's own."""

    # -- scheduled work -----------------------------------------------------------------------

    @job("open")
    async def open_next(self, run: JobRun) -> None:
        """The next round of a repeating series (the previous round scheduled it)."""
        series_id, number = run.payload["series"], run.payload["number"]
        room_id = run.job.room_id or ""
        async with self.db.transaction() as tx:
            series = await self.store.series_in(tx, series_id)
        if series.stopped:
            return
        hours, zone = await self.settings.working_hours(room_id), await self.settings.zone(room_id)
        if run.missed:
            async with self.db.transaction() as tx:
                await self._schedule_next(tx, series, number, hours, zone)
            html = render_missed_round(series.question, number, run.job.due_at, await self._show(room_id))
            await run.outbox.message(room_id, Message.from_html(html))
            return
        users = series.who if series.who is not None else self.rooms.humans(room_id)
        asked = await self._to_ask(room_id, users)
        async with self.db.transaction() as tx:
            round_id = await self._open(tx, series, number, run.now, asked, hours, zone)
        late = run.late_line(series.zone, _("This check-in"))
        await self._ask(run.outbox, await self._round(round_id), late=late, moved=_moved_note(run, zone))

    @job("nudge", nudge=True)
    async def nudge(self, run: JobRun) -> None:
        """Remind, once, the members asked who have not answered (not opted out, not away)."""
        rnd = await self.store.round(run.payload["round"])
        if rnd is None or rnd.closed or rnd.closes_at <= run.now:
            return  # overtaken by the round's close (both late, e.g. after an outage): only the close is said
        show, zone = await self._show(rnd.room_id), await self.settings.zone(rnd.room_id)
        moved = _moved_note(run, zone)
        if run.missed:
            await run.outbox.message(
                rnd.room_id, Message.from_html(render_missed_nudge(rnd, run.job.due_at, show))
            )
            return
        asked, answers = await self.store.asked(rnd.id), await self.store.answers(rnd.id)
        silent = to_ping(asked, answers, await self.store.members(rnd.room_id), run.now)
        prefix = self.prefix
        if await self.settings.get(rnd.room_id, "checkin_nudge") == "dm":
            room_name = self.rooms.name(rnd.room_id)
            for user in silent:
                dm = await self.sender.direct_room(user)
                with speaking(await self.language(rnd.room_id, user)):  # their own language
                    late = run.late_line(rnd.series.zone, _("This reminder"))
                    html = render_nudge_dm(
                        rnd, room_name, show, prefix, late=late, moved=_moved_note(run, zone)
                    )
                await run.outbox.message(dm, Message.from_html(html, mentions=[user]), notify=True)
            return
        names = self._names(rnd.room_id, silent)
        reply = {"m.relates_to": {"m.in_reply_to": {"event_id": rnd.event_id}}} if rnd.event_id else None
        for batch in batches(silent):
            late = run.late_line(rnd.series.zone, _("This reminder"))
            html = render_nudge(rnd, pills(batch, names), show, prefix, late=late, moved=moved)
            await run.outbox.message(
                rnd.room_id, Message.from_html(html, mentions=batch), notify=True, extra=reply
            )

    @job("close")
    async def close(self, run: JobRun) -> None:
        """Close the round and post its summary (said to be late when the bot was offline)."""
        rnd = await self.store.round(run.payload["round"])
        if rnd is None:
            return
        async with self.db.transaction() as tx:
            await self.store.close(tx, rnd.id)
        rnd = await self._round(rnd.id)
        moved = _moved_note(run, await self.settings.zone(rnd.room_id))
        show = await self._show(rnd.room_id)
        html = render_status(rnd, await self._states(rnd), show, summary=True, moved=moved)
        late = run.late_line(rnd.series.zone, _("This summary"))
        summary = await run.outbox.message(rnd.room_id, Message.from_html(html + late))
        await self.store.set_summary(rnd.id, await summary.event_id())

    async def _open(
        self,
        tx: Tx,
        series: Series,
        number: int,
        now: datetime,
        asked: list[Asked],
        hours: WorkingHours | None,
        zone: str,
    ) -> int:
        """Round `number` with its nudge, close and (when repeating) next round scheduled, all at once,
        each moved out of the room's quiet hours (the settings now: a change applies from here on)."""
        times = round_times(now, series, zone, hours)
        round_id, new = await self.store.open_round(tx, series.id, number, now, times.close.at)
        if new:
            await self.store.add_asked(tx, round_id, asked)
            for handler, slot in (("nudge", times.nudge), ("close", times.close)):
                if slot is not None:
                    payload, key = {"round": round_id} | slot.to_payload(), f"r{round_id}:{handler}"
                    await self.jobs.schedule(tx, handler, slot.at, payload, key=key, room_id=series.room_id)
            await self._schedule_next(tx, series, number, hours, zone)
        return round_id

    async def _schedule_next(
        self, tx: Tx, series: Series, number: int, hours: WorkingHours | None, zone: str
    ) -> None:
        if series.every is None or series.stopped:
            return
        every = series.every
        period = await self.times.read(lambda times: times.parse_period(every))
        opens = next_opening(series, period, number + 1, zone, hours)
        payload = {"series": series.id, "number": number + 1} | opens.to_payload()
        key = f"s{series.id}:n{number + 1}"
        await self.jobs.schedule(tx, "open", opens.at, payload, key=key, room_id=series.room_id)

    async def _ask(self, outbox: Outbox, rnd: Round, *, late: str = "", moved: str = "") -> None:
        """Post the question, mentioning the members asked in batches; remember which message it is."""
        asked, answers = await self.store.asked(rnd.id), await self.store.answers(rnd.id)
        ping = to_ping(asked, answers, await self.store.members(rnd.room_id), self.clock.now())
        names = self._names(rnd.room_id, [rnd.series.organiser, *ping])
        groups = batches(ping) or [[]]
        show = await self._show(rnd.room_id)
        organiser = names[rnd.series.organiser]
        with speaking(await self.language(rnd.room_id)):  # a command starts the first round
            html = render_question(
                rnd, organiser, pills(groups[0], names), show, self.prefix, late=late, moved=moved
            )
            more = [render_more(rnd, pills(batch, names)) for batch in groups[1:]]
        question = await outbox.message(rnd.room_id, Message.from_html(html, mentions=groups[0]), notify=True)
        await self.store.set_event(rnd.id, await question.event_id())
        for batch, text in zip(groups[1:], more, strict=True):
            await outbox.message(rnd.room_id, Message.from_html(text, mentions=batch), notify=True)


def _moved_note(run: JobRun, zone: str) -> str:
    """ "moved from Saturday 01:47 to working hours" for a moved job; "" for one on its own time."""
    return moved_note(Scheduled.from_payload(run.job.due_at, run.payload), zone)
