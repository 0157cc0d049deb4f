"""Date polls: propose dates, vote (native poll, !vote or reactions), close and pick the winner."""

from plugins.datepoll.model import PollWinner
from plugins.datepoll.plugin import DatePoll

__all__ = ["DatePoll", "PollWinner"]
