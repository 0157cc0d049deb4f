"""Meetings: reminders that post the call link and its access code at the right moment."""

from .plugin import Meetings

__all__ = ["Meetings"]
