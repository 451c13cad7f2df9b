"""Conversations: customers (real ones, on SMS or WhatsApp) talking with the agents.

Each conversation has the customer as an SMS/WhatsApp participant bound to one
of the account's numbers, one agent (a Conversations user) as a chat
participant, and a few messages alternating between them. Messages arrive over
minutes; a conversation turns ``inactive`` a day after its last message and
``closed`` two days later.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from ..store import Store
from ..timefmt import DAY, day_iso
from ..world import Account, make_sid

CONVERSATIONS_PER_MESSAGE = 0.02  # conversations started per message of traffic
AGENTS = (("ana", "Ana Lima"), ("ben", "Ben Okafor"), ("chloe", "Chloé Martin"))
# Message k of a conversation is line k // 2 of its author's lines (customers speak first).
_CUSTOMER_LINES = (
    "Hi, I have a question about order {n}",
    "Can I move my delivery to Friday?",
    "Thanks, that helps!",
)
_AGENT_LINES = (
    "Hi! This is {agent}. How can I help?",
    "Sure, I have updated it for you.",
    "You're welcome, have a nice day!",
)


@dataclass(frozen=True)
class User:
    sid: str
    account_sid: str
    chat_service_sid: str
    identity: str
    friendly_name: str
    role_sid: str
    created: int


@dataclass(frozen=True)
class Participant:
    sid: str
    identity: str | None  # set for chat users (agents)
    binding: dict | None  # set for SMS/WhatsApp customers: {type, address, proxy_address}
    role_sid: str
    created: int


@dataclass(frozen=True)
class ConversationMessage:
    sid: str
    index: int
    author: str  # the customer's address or the agent's identity
    participant_sid: str
    body: str
    created: int


@dataclass(frozen=True)
class Conversation:
    sid: str
    account_sid: str
    chat_service_sid: str
    messaging_service_sid: str  # the account's service: SMS and WhatsApp go out through it
    friendly_name: str
    created: int
    customer: Participant
    agent: Participant
    user: User
    messages: tuple[ConversationMessage, ...]

    def state_at(self, now: int) -> tuple[str, int]:
        """(state, date_updated) at ``now``: updated by each message and state change."""
        last = self.messages[-1].created
        updated = max([self.created] + [m.created for m in self.messages if m.created <= now])
        if now >= last + 3 * DAY:
            return "closed", last + 3 * DAY
        if now >= last + DAY:
            return "inactive", last + DAY
        return "active", updated

    def visible_messages(self, now: int) -> list[ConversationMessage]:
        return [m for m in self.messages if m.created <= now]

    def participants(self, now: int) -> list[Participant]:
        return [p for p in (self.customer, self.agent) if p.created <= now]


def chat_service_sid(seed: int, account: Account) -> str:
    return make_sid("IS", seed, "chat-service", account.sid)


def users(seed: int, account: Account) -> list[User]:
    """The account's agents, created a month after the account."""
    slug = account.friendly_name.lower().replace(" ", "-")
    return [
        User(
            sid=make_sid("US", seed, "conversations-user", account.sid, handle),
            account_sid=account.sid,
            chat_service_sid=chat_service_sid(seed, account),
            identity=f"{handle}@{slug}",
            friendly_name=name,
            role_sid=make_sid("RL", seed, "role", account.sid, "agent"),
            created=account.created + (30 + i) * DAY,
        )
        for i, (handle, name) in enumerate(AGENTS)
    ]


def conversations(store: Store, account: Account, day: int) -> list[Conversation]:
    """Conversations started on ``day``, sorted by (created, sid)."""

    def build() -> list[Conversation]:
        world = store.world
        if day < world.history_start_day:
            return []
        seed = world.seed
        index = account.index
        rng = random.Random(f"{seed}:conversations:{index}:{day}")
        mean = store.generator.messages_per_day * account.share * CONVERSATIONS_PER_MESSAGE
        count = max(0, round(rng.gauss(mean, math.sqrt(mean)))) if mean > 0 else 0
        agents = users(seed, account)
        customer_role = make_sid("RL", seed, "role", account.sid, "customer")
        result = []
        for i in range(count):
            sid = make_sid("CH", seed, "conversation", index, day, i)
            customer = rng.choice(account.customers)
            local = [n for n in account.numbers if n.iso_country == customer.iso_country]
            number = rng.choice(local or account.numbers)
            whatsapp = index in (0, 1) and rng.random() < 0.3
            prefix = "whatsapp:" if whatsapp else ""
            created = day * DAY + rng.randrange(DAY - 4 * 3600)
            user = rng.choice(agents)
            them = Participant(
                sid=make_sid("MB", seed, "participant", sid, "customer"),
                identity=None,
                binding={
                    "type": "whatsapp" if whatsapp else "sms",
                    "address": prefix + customer.e164,
                    "proxy_address": prefix + number.e164,
                },
                role_sid=customer_role,
                created=created,
            )
            agent = Participant(
                sid=make_sid("MB", seed, "participant", sid, "agent"),
                identity=user.identity,
                binding=None,
                role_sid=user.role_sid,
                created=created + rng.randint(5, 60),
            )
            messages = []
            at = created
            for k in range(rng.randint(2, 6)):
                if k % 2 == 0:
                    author, who = prefix + customer.e164, them
                    body = _CUSTOMER_LINES[k // 2].format(n=rng.randint(10000, 99999))
                else:
                    at = max(at, agent.created)
                    author, who = user.identity, agent
                    body = _AGENT_LINES[k // 2].format(agent=user.friendly_name)
                messages.append(
                    ConversationMessage(
                        sid=make_sid("IM", seed, "conversation-message", sid, k),
                        index=k,
                        author=author,
                        participant_sid=who.sid,
                        body=body,
                        created=at,
                    )
                )
                at += rng.randint(30, 900)
            result.append(
                Conversation(
                    sid=sid,
                    account_sid=account.sid,
                    chat_service_sid=user.chat_service_sid,
                    messaging_service_sid=account.messaging_service_sid,
                    friendly_name=f"Support {day_iso(day)} #{i + 1}",
                    created=created,
                    customer=them,
                    agent=agent,
                    user=user,
                    messages=tuple(messages),
                )
            )
        result.sort(key=lambda c: (c.created, c.sid))
        return result

    return store.derived("conversations", account, day, build)
