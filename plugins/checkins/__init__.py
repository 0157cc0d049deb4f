"""Check-ins: rounds that find out who is still active, and keep in regular touch."""

from .plugin import Checkins

__all__ = ["Checkins"]
