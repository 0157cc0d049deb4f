"""The maubot peer's plugin: `!ping` (any words after it) is answered with a reply, as our `!help`.

It runs in maubot's own venv (bench/.venv-maubot), never imported by the bench itself. It logs
READY from the moment a command sent will be answered, as our bot logs "matrixbot started": both
measure start → first answer from spawn, with the person asking as soon as that line appears.
On an empty store that is after the first sync (whose events maubot skips, as we skip history);
on a restart (a sync token stored, and the bench sets `ignore_first_sync: false`, so that maubot,
like our bot, handles what arrived while it was down) it is as soon as the plugin starts.
"""

from typing import Any

from maubot import MessageEvent, Plugin
from maubot.handlers import command, event
from mautrix.client import InternalEventType

READY = "pingbot ready"
ANSWER = "pong: a one-command maubot plugin, the bench's peer (no database, no encryption)."


class PingBot(Plugin):
    said_ready = False

    async def start(self) -> None:
        if await self.client.sync_store.get_next_batch():
            self._ready()

    @event.on(InternalEventType.SYNC_SUCCESSFUL)
    async def synced(self, _: Any) -> None:
        self._ready()

    def _ready(self) -> None:
        if not self.said_ready:
            self.said_ready = True
            self.log.info(READY)

    @command.new("ping")
    @command.argument("words", pass_raw=True, required=False)
    async def ping(self, evt: MessageEvent, words: str) -> None:
        await evt.reply(ANSWER)
