"""Bounded, tracked background tasks: nothing runs unobserved and shutdown waits for them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from matrixbot.errors import FatalError

log = logging.getLogger(__name__)


class TaskPool:
    """Runs coroutines as tasks, at most `limit` at once; `drain` waits for them (bounded)."""

    def __init__(self, name: str, limit: int) -> None:
        self.name = name
        self._slots = asyncio.Semaphore(limit)
        self._tasks: set[asyncio.Task[None]] = set()

    async def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Wait for a free slot, then start `coro`; exceptions are logged, never lost."""
        await self._slots.acquire()
        task = asyncio.get_running_loop().create_task(self._guard(coro))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _guard(self, coro: Coroutine[Any, Any, None]) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except FatalError as exc:
            log.debug("%s task stopped: %s", self.name, exc)  # reported once, where it arose
        except Exception:
            log.exception("%s task failed", self.name)
        finally:
            self._slots.release()

    async def drain(self, timeout: float) -> None:
        """Let running tasks finish for up to `timeout` seconds, then cancel the rest."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            log.warning("%s: cancelled %d task(s) still running at shutdown", self.name, len(pending))
            await asyncio.wait(pending, timeout=2)


def watch(task: asyncio.Future[Any], what: str) -> None:
    """Log the exception of a task nobody awaits, so none is ever left unretrieved."""

    def done(task: asyncio.Future[Any]) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if isinstance(exc, FatalError):
            log.debug("%s stopped: %s", what, exc)
        elif exc is not None:
            log.error("%s failed", what, exc_info=exc)

    task.add_done_callback(done)
