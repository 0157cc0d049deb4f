"""Error answers as nio returns them, with the HTTP status (and headers) the bot reads from them."""

from __future__ import annotations

from types import SimpleNamespace

import nio


def error_answer(
    status: int,
    errcode: str | None = None,
    retry_after_ms: int | None = None,
    *,
    headers: dict[str, str] | None = None,
) -> nio.ErrorResponse:
    response = nio.ErrorResponse("refused", errcode, retry_after_ms)
    # nio keeps the aiohttp response; the bot reads only its status and headers
    response.transport_response = SimpleNamespace(status=status, headers=headers or {})  # type: ignore[assignment]
    return response
