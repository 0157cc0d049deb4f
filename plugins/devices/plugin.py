"""The bot's encryption identity, for people who verify it, and device trust for owners."""

from __future__ import annotations

from matrixbot import Context, PermissionDenied, Plugin, UserError, UserId, command, h
from matrixbot.matrix import crypto


class DevicesPlugin(Plugin):
    name = "devices"
    description = "The bot's encryption session, and device trust."

    @command("device", usage="| list @USER | trust @USER DEVICE")
    async def device(self, ctx: Context) -> None:
        """Show the bot's session (device id and key), to verify it from your app.

        In Element Web, type /verify DEVICE KEY in any room (without spaces in the key)."""
        client = self.services.raw_client
        if client.olm is None:
            raise UserError("End-to-end encryption is off for this bot (e2ee.enabled in its config).")
        key = crypto.fingerprint(client)
        await ctx.reply(
            f"My session: device <code>{h(client.device_id)}</code>, key <code>{h(key)}</code>.<br>"
            f"To verify it in Element Web: <code>/verify {h(client.device_id)} {h(key.replace(' ', ''))}</code>"
        )

    @device.sub("list", usage="@USER")
    async def list_devices(self, ctx: Context, user: UserId) -> None:
        """List a member's devices as the bot sees them, and whether it trusts them."""
        client = self.services.raw_client
        devices = list(client.device_store.active_user_devices(user)) if client.olm else []
        if not devices:
            raise UserError(f"I know no encryption devices of {user}.")
        rows = "".join(
            f"<li><code>{h(d.id)}</code> {h(d.display_name or '')} — "
            f"{'verified' if d.verified else 'ignored' if d.ignored else 'not verified'}</li>"
            for d in devices
        )
        await ctx.reply(f"Devices of {h(user)}:<ul>{rows}</ul>")

    @device.sub("trust", usage="@USER DEVICE")
    async def trust(self, ctx: Context, user: UserId, device_id: str) -> None:
        """Trust a member's device (owners only; matters with e2ee trust: verified-only)."""
        if ctx.sender not in self.rooms.owners:
            raise PermissionDenied("Only the bot's owners can trust devices.")
        client = self.services.raw_client
        device = client.device_store[user].get(device_id) if client.olm else None
        if device is None:
            raise UserError(f"{user} has no device {device_id} that I know of: see !device list {user}.")
        client.unignore_device(device)
        client.verify_device(device)
        await ctx.reply(f"I now trust {h(user)}'s device <code>{h(device_id)}</code>.")
