"""Typed calls between plugins: `services.provider(CONTRACT)` finds the plugin offering a Protocol."""

from datetime import UTC, datetime

from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.meetings import Meetings

from matrixbot import POLL_WINNERS, Contract, Plugin, PollWinner, PollWinners
from matrixbot.testing.fakebot import FakeBot


class Winners(Plugin):
    name = "winners"
    description = "offers PollWinners, for this test"

    async def winner_for_meeting(
        self, room_id: str, poll_number: int, option: int | None = None
    ) -> PollWinner:
        start = datetime(2024, 3, 5, 15, tzinfo=UTC)
        return PollWinner(f"poll {poll_number} in {room_id}", start, None, "UTC", poll_number)


async def test_provider_returns_the_first_loaded_plugin_offering_it(tmp_path):
    bot = await FakeBot.create(tmp_path, plugins=[Meetings, Winners, DatePoll])
    try:
        meetings = bot.plugin(Meetings)
        found = meetings.services.provider(POLL_WINNERS)
        assert found is bot.plugin(Winners)
        assert (await found.winner_for_meeting("!r", 3)).title == "poll 3 in !r"
    finally:
        await bot.stop()


async def test_provider_is_none_when_no_plugin_offers_it(tmp_path):
    bot = await FakeBot.create(tmp_path, plugins=[Meetings])
    try:
        assert bot.plugin(Meetings).services.provider(POLL_WINNERS) is None
    finally:
        await bot.stop()


def test_a_plugin_offers_a_contract_by_having_its_methods():
    assert POLL_WINNERS.offered_by(DatePoll.__new__(DatePoll)), "the datepoll plugin offers PollWinners"
    assert not POLL_WINNERS.offered_by(Meetings.__new__(Meetings))
    contract: Contract[PollWinners] = Contract(PollWinners)
    assert contract.offered_by(Winners.__new__(Winners))
    assert not contract.offered_by(object())
