"""Device verification for encrypted rooms: always on."""

from .plugin import DevicesPlugin

__all__ = ["DevicesPlugin"]
