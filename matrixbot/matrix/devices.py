"""The bot's encryption session and the devices it knows: what a plugin may see and change of
end-to-end encryption, without holding the matrix-nio client."""

from __future__ import annotations

from dataclasses import dataclass

import nio
from nio.crypto import OlmDevice

from matrixbot.matrix import crypto


@dataclass(frozen=True)
class Device:
    """A member's device as the bot sees it."""

    id: str
    display_name: str
    trust: str
    """"verified", "ignored" or "not verified"."""


class Devices:
    """Over matrix-nio's client, or over nothing (a transport without encryption: a test's)."""

    def __init__(self, client: nio.AsyncClient | None, device_id: str = "") -> None:
        self._client = client
        self._device_id = device_id

    @property
    def enabled(self) -> bool:
        """Whether the bot runs with end-to-end encryption (`e2ee.enabled`)."""
        return self._client is not None and self._client.olm is not None

    @property
    def device_id(self) -> str:
        return (self._client.device_id if self._client else None) or self._device_id

    @property
    def fingerprint(self) -> str:
        """The bot device's ed25519 key, grouped in fours as Element shows it ("" without encryption)."""
        return crypto.fingerprint(self._client) if self._client else ""

    def of(self, user_id: str) -> list[Device]:
        """The member's active devices the bot knows (none without encryption)."""
        if self._client is None or not self.enabled:
            return []
        return [
            Device(d.id, d.display_name or "", _trust(d))
            for d in self._client.device_store.active_user_devices(user_id)
        ]

    def trust(self, user_id: str, device_id: str) -> bool:
        """Verify the member's device (and stop ignoring it); False when the bot does not know it."""
        if self._client is None or not self.enabled:
            return False
        device = self._client.device_store[user_id].get(device_id)
        if device is None:
            return False
        self._client.unignore_device(device)
        self._client.verify_device(device)
        return True


def _trust(device: OlmDevice) -> str:
    return "verified" if device.verified else "ignored" if device.ignored else "not verified"
