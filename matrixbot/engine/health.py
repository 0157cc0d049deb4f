"""GET /health and GET /metrics on a small aiohttp server, when `http.listen` is set.

/health answers 200 when the last sync succeeded within SYNC_MAX_AGE and the scheduler runs
(and the database reports no fault), else 503; the JSON body says which part is failing, so a
supervisor (Docker's HEALTHCHECK, a load balancer, a person with curl) can tell why.
"""

from __future__ import annotations

import sqlite3
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from matrixbot import metrics
from matrixbot.errors import StartupError

if TYPE_CHECKING:
    from matrixbot.engine.bot import Bot

SYNC_MAX_AGE = 60.0
"""Seconds since the last good sync after which the bot counts as not keeping up (long polls take 30)."""


def health_of(bot: Bot) -> tuple[bool, dict[str, Any]]:
    """Whether the bot is healthy, and a small report of each part."""
    last_ok = bot.syncer.last_ok if bot.syncer is not None else None
    age = None if last_ok is None else time.monotonic() - last_ok
    sync_ok = age is not None and age <= SYNC_MAX_AGE
    scheduler_ok = bot.scheduler is not None and bot.scheduler.running
    fault = bot.db.fault if bot.db is not None else "not open"
    healthy = sync_ok and scheduler_ok and fault is None
    report = {
        "status": "ok" if healthy else "failing",
        "sync": {"ok": sync_ok, "seconds_since_last": None if age is None else round(age, 1)},
        "scheduler": {"ok": scheduler_ok},
        "database": {"ok": fault is None, "fault": fault},
    }
    return healthy, report


class HealthServer:
    """The bot's HTTP endpoints; started before login so a port clash stops the start at once."""

    def __init__(self, bot: Bot, runner: web.AppRunner) -> None:
        self._bot = bot
        self._runner = runner

    @classmethod
    async def start(cls, bot: Bot, host: str, port: int) -> HealthServer:
        app = web.Application()
        runner = web.AppRunner(app, access_log=None)
        server = cls(bot, runner)
        app.router.add_get("/health", server.health)
        app.router.add_get("/metrics", server.metrics)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            await runner.cleanup()
            raise StartupError(f"http.listen {host}:{port}: {exc.strerror or exc}") from None
        return server

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def health(self, request: web.Request) -> web.Response:
        healthy, report = health_of(self._bot)
        return web.json_response(report, status=200 if healthy else 503)

    async def metrics(self, request: web.Request) -> web.Response:
        bot = self._bot
        last_ok = bot.syncer.last_ok if bot.syncer is not None else None
        metrics.SYNC_AGE.set(float("nan") if last_ok is None else time.monotonic() - last_ok)
        metrics.SCHEDULER_RUNNING.set(int(bot.scheduler is not None and bot.scheduler.running))
        metrics.ROOMS.set(len(bot.client.rooms) if bot.client is not None else 0)
        if bot.db is not None:
            try:
                backlog = await bot.db.fetch_value("SELECT COUNT(*) FROM inbox WHERE state = 'pending'")
            except (sqlite3.Error, ValueError):  # a closed or failing database: leave the last value
                pass
            else:
                metrics.INBOX_BACKLOG.set(backlog or 0)
        body = generate_latest(metrics.REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
