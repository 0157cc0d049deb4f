"""The library floor: the smallest matrix-nio bot that answers every message (a reply echoing it).

Its only addition to the textbook ten lines is a sync filter with 100 timeline events per room,
so that a burst of 20 is not cut to Synapse's default of 10 (it would lose half otherwise).
Usage: python -m bench.echobot HOMESERVER USER_ID ACCESS_TOKEN
"""

import asyncio
import sys

import nio

FILTER = {"room": {"timeline": {"limit": 100}}}


async def main(url: str, user_id: str, token: str) -> None:
    client = nio.AsyncClient(url, user_id)
    client.user_id, client.access_token = user_id, token

    async def echo(room: nio.MatrixRoom, event: nio.RoomMessageText) -> None:
        if event.sender != user_id:
            reply = {"m.in_reply_to": {"event_id": event.event_id}}
            content = {"msgtype": "m.notice", "body": event.body, "m.relates_to": reply}
            await client.room_send(room.room_id, "m.room.message", content)

    await client.sync(timeout=0, sync_filter=FILTER)  # skip the backlog
    client.add_event_callback(echo, nio.RoomMessageText)  # type: ignore[arg-type]
    print("echo ready", flush=True)
    await client.sync_forever(timeout=30_000, sync_filter=FILTER)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
