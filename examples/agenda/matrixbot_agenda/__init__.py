"""A room's meeting agenda: members put topics on it, support them with 👍, and tick them off."""

from .plugin import Agenda

__all__ = ["Agenda"]
