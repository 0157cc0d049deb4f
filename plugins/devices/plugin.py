"""The bot's encryption identity, for people who verify it, and device trust for owners."""

from __future__ import annotations

from matrixbot import N_, Context, Plugin, UserError, UserId, command, h

from .texts import _, texts

TRUST = {"verified": N_("verified"), "ignored": N_("ignored"), "not verified": N_("not verified")}
"""How far the bot trusts a device, as `Devices` says it, for the catalog."""


class DevicesPlugin(Plugin):
    name = "devices"
    description = "The bot's encryption session, and device trust."
    translations = texts

    @command("device")
    async def device(self, ctx: Context) -> None:
        """Show the bot's session (device id and key), to verify it from your app.

        In Element Web, type /verify DEVICE KEY in any room (without spaces in the key)."""
        devices = self.services.devices
        if not devices.enabled:
            raise UserError(_("End-to-end encryption is off for this bot (e2ee.enabled in its config)."))
        device, key = devices.device_id, devices.fingerprint
        session = _("My session: device {device}, key {key}.").format(
            device=f"<code>{h(device)}</code>", key=f"<code>{h(key)}</code>"
        )
        verify = _("To verify it in Element Web: {command}").format(
            command=f"<code>/verify {h(device)} {h(key.replace(' ', ''))}</code>"
        )
        await ctx.reply(f"{session}<br>{verify}")

    @device.sub("list")
    async def list_devices(self, ctx: Context, user: UserId) -> None:
        """List a member's devices as the bot sees them, and whether it trusts them."""
        devices = self.services.devices.of(user)
        if not devices:
            raise UserError(_("I know no encryption devices of {user}.").format(user=user))
        rows = "".join(
            f"<li><code>{h(d.id)}</code> {h(d.display_name)} — {h(_(TRUST.get(d.trust, d.trust)))}</li>"
            for d in devices
        )
        await ctx.reply(_("Devices of {user}:").format(user=h(user)) + f"<ul>{rows}</ul>")

    @device.sub("trust")
    async def trust(self, ctx: Context, user: UserId, device: str) -> None:
        """Trust a member's device (owners only; matters with e2ee trust: verified-only)."""
        await ctx.require_owner(_("trust devices"))
        if not self.services.devices.trust(user, device):
            raise UserError(
                _("{user} has no device {device} that I know of: see {command}.").format(
                    user=user, device=device, command=f"!device list {user}"
                )
            )
        await ctx.reply(
            _("I now trust {user}'s device {device}.").format(
                user=h(user), device=f"<code>{h(device)}</code>"
            )
        )
