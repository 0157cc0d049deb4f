"""From an incoming event to the plugin code that handles it.

Events go into their room's lane (`lanes.py`): handled in order within a room (a later `!vote`
must win over an earlier one), in time order with the room's due jobs, rooms taking turns.
The room's next event is handled as soon as a handler returns, while the posts it made last are
still on their way (the send window, matrix/posting.py); the event is marked handled once they are
sent and the room's earlier events are marked, so what a crash cuts short is handled again in
order.
Whatever a handler raises stays in that handler: a `UserError` becomes a one-line answer, anything
else an apology and a logged traceback.

Except when the outcome is not final, and the event is then neither answered nor marked done:
- a storage fault (`StorageUnavailable`: the database is locked or the disk full): the event is
  handled again from the start once the database can be written (with backoff);
- a send that failed for a passing reason (`SendPending`: network, 5xx, 429 beyond the sender's
  retries): the event is handled again after a pause or, when the bot is stopping, left in the
  inbox for the next start.
Either way the room's later events wait behind it. A handler run again posts through an outbox
with the same transaction ids (derived from the event id), so an answer it had already sent is not
posted twice; its writes were rolled back, or are re-done idempotently by `Database.execute`.
Event handlers (reactions, votes) of every plugin run again too.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from matrixbot import metrics
from matrixbot.api.commands import parse_invocation, suggest
from matrixbot.api.context import Context
from matrixbot.api.plugin import Plugin
from matrixbot.config import Config
from matrixbot.db import Database
from matrixbot.engine.hello import Greeter
from matrixbot.engine.lanes import Lanes, Work
from matrixbot.engine.moves import RoomMoves
from matrixbot.engine.reactions import ReactionLog
from matrixbot.engine.registry import Registry
from matrixbot.errors import FatalError, SendError, SendPending, StorageUnavailable, UserError
from matrixbot.i18n import _, any_of, speaking
from matrixbot.lifecycle import Lifecycle
from matrixbot.logformat import log_context
from matrixbot.matrix.events import (
    POLL_RESPONSE_TYPES,
    RoomEvent,
    as_membership,
    as_poll_response,
    as_reaction,
    command_text,
)
from matrixbot.matrix.markup import Message, h
from matrixbot.matrix.posting import Posts
from matrixbot.matrix.sender import Sender
from matrixbot.time import shorten

log = logging.getLogger(__name__)

RETRY_PAUSE = 30.0
"""Seconds before an event whose answer could not be sent (a passing failure) is handled again."""


class Dispatcher:
    def __init__(
        self,
        config: Config,
        registry: Registry,
        db: Database,
        sender: Sender,
        lanes: Lanes,
        moves: RoomMoves,
        lifecycle: Lifecycle,
        *,
        on_handled: Callable[[RoomEvent], Awaitable[None]],
    ) -> None:
        self._life = lifecycle
        self._config = config
        self._registry = registry
        self._db = db
        self._sender = sender
        self._reactions = ReactionLog(db)
        self._on_handled = on_handled
        self._moves = moves
        self.lanes = lanes
        self._marking: dict[str, asyncio.Task[bool]] = {}
        """Per room, the latest handled event still waiting for its posts (see `_finish`)."""
        self._finishing: set[asyncio.Task[bool]] = set()
        self.greeter = Greeter(config, registry, db, sender)

    async def settle(self, timeout: float) -> None:
        """Wait until no room has work being handled or posts of handled events in flight (or left
        for the next start), at most `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        await self.lanes.settle(timeout)
        while self._finishing and (left := deadline - loop.time()) > 0:
            await asyncio.wait(list(self._finishing), timeout=left)
            await self.lanes.settle(max(0.0, deadline - loop.time()))

    def submit(self, event: RoomEvent) -> None:
        """Queue an event in its room's lane, at the time it was sent; never waits."""
        work = functools.partial(self._handle_and_mark, event)
        self.lanes.add(Work(event.room_id, event.sent.at().timestamp(), False, work, event.sender))

    async def _handle_and_mark(self, event: RoomEvent) -> bool:
        """Handle `event`; the room's next work may start while its posts are still in flight. It
        is marked handled once they are sent and the room's events before it are marked."""
        posts = Posts(self._sender.window, event.sender, until_sent=True)
        if not await self._handle_until_final(event, posts):
            return False
        previous = self._marking.get(event.room_id)
        if not posts and previous is None:
            await self._on_handled(event)
            return True
        finishing = asyncio.get_running_loop().create_task(self._finish(event, posts, previous))
        self._marking[event.room_id] = finishing
        self._finishing.add(finishing)
        finishing.add_done_callback(lambda done: self._finished(event.room_id, done))
        return True

    async def _finish(self, event: RoomEvent, posts: Posts, previous: asyncio.Task[bool] | None) -> bool:
        """Wait for the event's posts, then mark it after the room's earlier events; True if marked.

        A room's events are marked in their order: if one is left for the next start (its posts
        could not go before the bot stopped), so are the ones after it, and they are handled again
        in order, with the same transaction ids."""
        sent = await self._settle_posts(event, posts)
        if previous is not None and not await previous:
            return False
        if sent:
            await self._on_handled(event)
        return sent

    async def _settle_posts(self, event: RoomEvent, posts: Posts) -> bool:
        try:
            await posts.settle()
        except SendPending as exc:  # only when stopping: the posts are retried until then
            log.warning("%s left for the next start: %s", event.event_id, exc)
            return False
        except SendError as exc:  # refused for good (e.g. 403): said once, never retried
            log.warning("%s in %s: %s", event.event_id, event.room_id, exc)
        except asyncio.CancelledError:
            return False
        except Exception:
            log.exception("a post for %s in %s failed", event.event_id, event.room_id)
        return True

    def _finished(self, room_id: str, task: asyncio.Task[bool]) -> None:
        self._finishing.discard(task)
        if self._marking.get(room_id) is task:
            del self._marking[room_id]

    async def _handle_until_final(self, event: RoomEvent, posts: Posts) -> bool:
        """Handle `event` again from the start until its outcome is final; False if stopping first.

        Any exception but a storage fault or a passing send failure is logged, and the event counts
        as handled (it would fail again).
        """
        attempt = 0
        closing = self._life.closing
        while True:
            try:
                with posts.collecting():
                    await self._route(event)
                return True
            except StorageUnavailable:
                attempt += 1
                await self._db.pause(attempt)
            except SendPending as exc:
                if closing.is_set():
                    log.warning("%s left for the next start: %s", event.event_id, exc)
                    return False
                log.warning("%s not finished (%s); trying again in %.0fs", event.event_id, exc, RETRY_PAUSE)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(closing.wait(), RETRY_PAUSE)
            except FatalError:
                raise
            except SendError as exc:  # refused for good (e.g. 403): said once, never retried
                log.warning("%s in %s: %s", event.event_id, event.room_id, exc)
                return True
            except Exception:
                log.exception("event %s in %s could not be handled", event.event_id, event.room_id)
                return True

    async def drain(self, timeout: float) -> None:
        """Let the work under way finish for up to `timeout` seconds, then cancel it; the posts of
        handled events get what is left of the time (a post not sent leaves its event for the next
        start)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        await self.lanes.drain(timeout)
        if self._finishing:
            await asyncio.wait(list(self._finishing), timeout=max(0.1, deadline - loop.time()))
        for task in list(self._finishing):
            task.cancel()

    async def handle(self, event: RoomEvent) -> None:
        """Handle one event and wait for what it posted (raising what a post raised)."""
        posts = Posts(self._sender.window, event.sender, until_sent=True)
        with posts.collecting():
            await self._route(event)
        await posts.settle()

    async def _route(self, event: RoomEvent) -> None:
        log_context(replace=True, room=event.room_id, event_id=event.event_id)
        bot = self._sender.rooms.bot_user_id
        if event.sender == bot and event.type == "m.room.member":
            await self.greeter.arrived(event)  # the bot's own join: its hello, once per room
        if event.sender == bot or event.sender in self._config.ignore_users:
            return
        if event.type == "m.room.message":
            await self._message(event)
        elif event.type == "m.reaction":
            reaction = as_reaction(event)
            if reaction:
                await self._reactions.record(reaction)
                await self._to_plugins(event.room_id, "reaction", reaction)
        elif event.type == "m.room.redaction" and event.redacts:
            await self._redaction(event)
        elif event.type in POLL_RESPONSE_TYPES:
            response = as_poll_response(event)
            if response:
                await self._to_plugins(event.room_id, "poll_response", response)
        elif event.type == "m.room.tombstone" and event.state_key == "":
            await self._moves.upgraded(event)
        elif event.type == "m.room.member":
            change = as_membership(event)
            if change:
                await self._to_plugins(event.room_id, "member", change)

    async def _redaction(self, event: RoomEvent) -> None:
        removed = await self._reactions.remove(event)
        if removed is not None:
            await self._to_plugins(event.room_id, "reaction", removed)

    async def _message(self, event: RoomEvent) -> None:
        if event.msgtype == "m.notice" or event.is_edit:
            return
        invocation = parse_invocation(command_text(event), self._config.prefix)
        if invocation is None:
            await self._to_plugins(event.room_id, "message", event)
            return
        log.debug("command %r from %s in %s", invocation.name, event.sender, event.room_id)
        outbox = self._sender.outbox(f"event:{event.event_id}")
        spec = self._registry.commands.get(invocation.name)
        if spec is None:
            started = time.perf_counter()
            with speaking(await self._registry.settings.language(event.room_id, event.sender)):
                text = self._unknown(invocation.name, await self._registry.enabled(event.room_id))
            await outbox.message(event.room_id, Message.from_html(h(text)), reply_to=event)
            metrics.command_done(None, "refused", started)
            return
        plugin = self._registry.plugins[spec.plugin]
        ctx = await Context.made(event, plugin.services, outbox)
        if spec.plugin not in await self._registry.enabled(event.room_id):
            with speaking(ctx.language):
                await ctx.refuse(await self._off(ctx, invocation.name, spec.plugin))
            return
        await spec.invoke(plugin, ctx, invocation.args, invocation.body)

    async def _off(self, ctx: Context, name: str, plugin: str) -> UserError:
        """A command of a plugin that is off here: who may turn it on, by name."""
        prefix = self._config.prefix
        said = _("{command} belongs to the {plugin} plugin, which is off in this room.").format(
            command=f"{prefix}{name}", plugin=plugin
        )
        turn = _("{admin} can turn it on with {command}.")
        admin, admin_html = await ctx.room_admin()
        command = f"{prefix}enable {plugin}"
        return UserError(
            f"{said} " + turn.format(admin=admin[:1].upper() + admin[1:], command=command),
            html=f"{h(said)} "
            + turn.format(admin=admin_html[:1].upper() + admin_html[1:], command=h(command)),
        )

    def _unknown(self, name: str, enabled: set[str]) -> str:
        prefix = self._config.prefix
        names = [n for n, s in self._registry.commands.items() if s.plugin in enabled]
        close = suggest(name, names)
        said = _("I don't know {command}.").format(command=f"{prefix}{shorten(name)}")
        if close:
            said += " " + _("Did you mean {commands}?").format(commands=any_of(prefix + c for c in close))
        return said + " " + _("Try {command}.").format(command=f"{prefix}help")

    async def _to_plugins(self, room_id: str, kind: str, payload: Any) -> None:
        for name in sorted(await self._registry.enabled(room_id)):
            plugin: Plugin = self._registry.plugins[name]
            for handler in plugin.event_handlers(kind):
                try:
                    await handler(payload)
                except (asyncio.CancelledError, StorageUnavailable, SendPending, FatalError):
                    raise
                except UserError as exc:
                    log.info("%s %s handler refused: %s", name, kind, exc.message)
                except SendError as exc:  # refused for good (e.g. 403): said once, never retried
                    log.warning("%s %s handler could not post: %s", name, kind, exc)
                except Exception:
                    log.exception("%s %s handler failed", name, kind)
