from matrixbot.matrix.events import (
    RoomEvent,
    as_poll_response,
    as_reaction,
    command_text,
    strip_reply_fallback,
)
from matrixbot.matrix.markup import Message, h, html_to_text, pill


def event(content, type_="m.room.message", **kw):
    return RoomEvent(event_id="$e", room_id="!r:x", sender="@a:x", type=type_, content=content, **kw)


def test_user_text_is_escaped_and_plain_body_derived():
    message = Message.from_html(f"Poll <b>{h('<script>&')}</b><br>1. {h('a<b')}", mentions=["@a:x", "@a:x"])
    assert "<script>" not in message.html and "&lt;script&gt;&amp;" in message.html
    assert message.text == "Poll <script>&\n1. a<b"
    content = message.content("m.text")
    assert content["m.mentions"] == {"user_ids": ["@a:x"]} and content["msgtype"] == "m.text"


def test_pill_and_lists_become_readable_text():
    assert (
        html_to_text(f"Hi {pill('@bob:x', 'Bob')}<ul><li>one</li><li>two</li></ul>")
        == "Hi \u2068Bob\u2069\n• one\n• two"
    )


def test_reply_fallback_is_stripped():
    body = "> <@a:x> !poll old\n> more\n\n!vote 1 2"
    assert strip_reply_fallback(body) == "!vote 1 2"
    assert strip_reply_fallback("> quoted without blank") == "> quoted without blank"


def test_pills_become_user_ids_in_commands():
    content = {
        "body": "!checkin history Alice Smith",
        "formatted_body": '!checkin history <a href="https://matrix.to/#/@alice:x">Alice Smith</a>',
    }
    assert command_text(event(content)) == "!checkin history @alice:x"


def test_poll_responses_unstable_and_stable():
    relates = {"m.relates_to": {"rel_type": "m.reference", "event_id": "$poll"}}
    unstable = event(
        {"org.matrix.msc3381.poll.response": {"answers": ["a1", 3]}, **relates},
        "org.matrix.msc3381.poll.response",
    )
    read = as_poll_response(unstable)
    assert read is not None and read.answers == ("a1",)
    stable = as_poll_response(event({"m.selections": ["b"], **relates}, "m.poll.response"))
    assert stable is not None and stable.poll_event_id == "$poll"
    assert as_poll_response(event({}, "m.poll.response")) is None


def test_reactions():
    reaction = event(
        {"m.relates_to": {"rel_type": "m.annotation", "event_id": "$t", "key": "👍"}}, "m.reaction"
    )
    read = as_reaction(reaction)
    assert read is not None and read.key == "👍"
    assert as_reaction(event({"m.relates_to": {}}, "m.reaction")) is None


def test_thread_and_reply_relations():
    threaded = event(
        {
            "body": "x",
            "m.relates_to": {
                "rel_type": "m.thread",
                "event_id": "$root",
                "is_falling_back": True,
                "m.in_reply_to": {"event_id": "$last"},
            },
        }
    )
    assert threaded.thread_root == "$root" and threaded.reply_to is None
    reply = event({"body": "x", "m.relates_to": {"m.in_reply_to": {"event_id": "$q"}}})
    assert reply.reply_to == "$q" and reply.thread_root is None
    assert RoomEvent.from_json(reply.to_json()) == reply


def test_the_time_an_event_was_sent_is_trusted_only_between_its_subject_and_its_receipt() -> None:
    from datetime import UTC, datetime

    from matrixbot.matrix.events import Sent

    def ms(text: str) -> int:
        return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)

    created = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    sent = Sent(ms("2027-03-01 12:05"), received=ms("2027-03-01 13:00"))
    assert sent.at(created) == datetime(2027, 3, 1, 12, 5, tzinfo=UTC), "sent while down: its own time"
    future = Sent(ms("2027-03-01 14:00"), received=ms("2027-03-01 13:00"))
    assert future.at(created) == datetime(2027, 3, 1, 13, 0, tzinfo=UTC), "stamped in the future: receipt"
    before = Sent(ms("2027-03-01 11:00"), received=ms("2027-03-01 13:00"))
    assert before.at(created) == datetime(2027, 3, 1, 13, 0, tzinfo=UTC), "before its subject: receipt"
    assert before.at() == datetime(2027, 3, 1, 11, 0, tzinfo=UTC), "no subject: only receipt bounds it"
    assert Sent(ms("2027-03-01 12:05")).at(created) == datetime(2027, 3, 1, 12, 5, tzinfo=UTC)
    assert Sent(ms("2027-03-01 11:00")).at(created) == created, "receipt unknown: never before its subject"
