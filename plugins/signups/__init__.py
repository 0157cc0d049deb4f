"""Signup lists: talk slots and places for knowledge-share sessions and in-person gatherings."""

from .plugin import Signups

__all__ = ["Signups"]
