"""The bot's encryption identity, for people who verify it, and device trust for owners."""

from __future__ import annotations

from matrixbot import Context, Plugin, UserError, UserId, command, h


class DevicesPlugin(Plugin):
    name = "devices"
    description = "The bot's encryption session, and device trust."

    @command("device")
    async def device(self, ctx: Context) -> None:
        """Show the bot's session (device id and key), to verify it from your app.

        In Element Web, type /verify DEVICE KEY in any room (without spaces in the key)."""
        devices = self.services.devices
        if not devices.enabled:
            raise UserError("End-to-end encryption is off for this bot (e2ee.enabled in its config).")
        device, key = devices.device_id, devices.fingerprint
        await ctx.reply(
            f"My session: device <code>{h(device)}</code>, key <code>{h(key)}</code>.<br>"
            f"To verify it in Element Web: <code>/verify {h(device)} {h(key.replace(' ', ''))}</code>"
        )

    @device.sub("list")
    async def list_devices(self, ctx: Context, user: UserId) -> None:
        """List a member's devices as the bot sees them, and whether it trusts them."""
        devices = self.services.devices.of(user)
        if not devices:
            raise UserError(f"I know no encryption devices of {user}.")
        rows = "".join(f"<li><code>{h(d.id)}</code> {h(d.display_name)} — {d.trust}</li>" for d in devices)
        await ctx.reply(f"Devices of {h(user)}:<ul>{rows}</ul>")

    @device.sub("trust")
    async def trust(self, ctx: Context, user: UserId, device: str) -> None:
        """Trust a member's device (owners only; matters with e2ee trust: verified-only)."""
        await ctx.require_owner("trust devices")
        if not self.services.devices.trust(user, device):
            raise UserError(f"{user} has no device {device} that I know of: see !device list {user}.")
        await ctx.reply(f"I now trust {h(user)}'s device <code>{h(device)}</code>.")
