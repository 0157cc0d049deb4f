"""Date polls: propose dates, vote (native poll, !vote or reactions), close and pick the winner."""

from matrixbot import PollWinner

from .plugin import DatePoll

__all__ = ["DatePoll", "PollWinner"]
