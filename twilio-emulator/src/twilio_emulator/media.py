"""Media files attached to messages: exactly ``num_media`` per message, from (seed, message)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from .activity import MEDIA_TYPES, Message
from .world import make_sid


@dataclass(frozen=True, slots=True)
class Media:
    sid: str
    account_sid: str
    message_sid: str
    content_type: str
    created: int


def media_of(seed: int, message: Message) -> list[Media]:
    """The message's media, in the order they were attached (an MMS has 1 to 3)."""
    rng = random.Random(f"{seed}:media:{message.sid}")
    return [
        Media(
            sid=make_sid("ME", seed, "media", message.sid, i),
            account_sid=message.account_sid,
            message_sid=message.sid,
            content_type=rng.choice(MEDIA_TYPES),
            created=message.created,
        )
        for i in range(message.num_media)
    ]
