"""The core's commands (help, plugins, set): always on."""

from .plugin import CorePlugin

__all__ = ["CorePlugin"]
