"""Conversations v1 (``/conversations/v1``): conversations, their messages and
participants, users (the agents) and each user's conversations."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..apis import PREFIXES
from ..emulator import Emulator
from ..errors import bad_request, not_found
from ..http import emulator
from ..products import conversations
from ..products.conversations import Conversation, ConversationMessage, Participant, User
from ..timefmt import iso_z
from ..world import Account
from .product import InstantRange, account_of, meta_list, page_request

MOUNT = PREFIXES["conversations"]
VERSION = "/v1"
API = MOUNT + VERSION  # absolute path, for the URLs records carry
STATES = ("initializing", "inactive", "active", "closed")


def _all(emu: Emulator, account: Account, days: range | None = None) -> list[Conversation]:
    """Conversations created by now, on ``days`` (default: the whole history)."""
    now = emu.clock.now()
    store = emu.store
    days = days or range(store.first_day(account), store.today + 1)
    return [
        c
        for day in days
        for c in conversations.conversations(store, account, day)
        if c.created <= now
    ]


def _conversation(request: Request) -> tuple[Emulator, Conversation]:
    emu = emulator(request)
    sid = request.path_params["ConversationSid"]
    for conversation in _all(emu, account_of(request)):
        if conversation.sid == sid:
            return emu, conversation
    raise not_found(request.url.path)


def render_conversation(conv: Conversation, now: int, base: str) -> dict:
    state, updated = conv.state_at(now)
    url = f"{base}{API}/Conversations/{conv.sid}"
    return {
        "account_sid": conv.account_sid,
        "attributes": "{}",
        "bindings": {},
        "chat_service_sid": conv.chat_service_sid,
        "date_created": iso_z(conv.created),
        "date_updated": iso_z(updated),
        "friendly_name": conv.friendly_name,
        "links": {
            k: f"{url}/{k.title()}" for k in ("participants", "messages", "webhooks", "export")
        },
        "messaging_service_sid": conv.messaging_service_sid,
        "sid": conv.sid,
        "state": state,
        "timers": {},
        "unique_name": None,
        "url": url,
    }


async def list_conversations(request: Request) -> Response:
    """Filters: ``StartDate``/``EndDate`` (on ``date_created``, inclusive) and ``State``."""
    emu = emulator(request)
    account = account_of(request)
    page = page_request(request, max_page_size=100)
    filters = dict(page.filters)
    window = InstantRange(filters, "StartDate", "EndDate")
    state = filters.get("State")
    if state is not None and state not in STATES:
        raise bad_request(20001, f"Invalid State value: {state}")
    now = emu.clock.now()
    days = window.days(emu.store.first_day(account), emu.store.today)
    rows = [
        c
        for c in _all(emu, account, days)
        if window.contains(c.created) and (state is None or c.state_at(now)[0] == state)
    ]
    return meta_list(
        request,
        page,
        rows,
        "conversations",
        lambda c, base: render_conversation(c, now, base),
        key=lambda c: (c.created, c.sid),
    )


def render_message(conv: Conversation, message: ConversationMessage, base: str) -> dict:
    url = f"{base}{API}/Conversations/{conv.sid}/Messages/{message.sid}"
    to_customer = message.participant_sid == conv.agent.sid
    return {
        "account_sid": conv.account_sid,
        "attributes": "{}",
        "author": message.author,
        "body": message.body,
        "content_sid": None,
        "conversation_sid": conv.sid,
        "date_created": iso_z(message.created),
        "date_updated": iso_z(message.created),
        "delivery": (
            {
                "delivered": "all",
                "failed": "none",
                "read": "none",
                "sent": "all",
                "total": 1,
                "undelivered": "none",
            }
            if to_customer
            else None
        ),
        "index": message.index,
        "links": {
            "channel_metadata": f"{url}/ChannelMetadata",
            "delivery_receipts": f"{url}/Receipts",
        },
        "media": None,
        "participant_sid": message.participant_sid,
        "sid": message.sid,
        "url": url,
    }


async def list_messages(request: Request) -> Response:
    """``Order``: ``asc`` (default, oldest first) or ``desc``."""
    emu, conv = _conversation(request)
    page = page_request(request, max_page_size=100)
    order = dict(page.filters).get("Order", "asc")
    if order not in ("asc", "desc"):
        raise bad_request(20001, f"Invalid Order value: {order}")
    return meta_list(
        request,
        page,
        conv.visible_messages(emu.clock.now()),
        "messages",
        lambda m, base: render_message(conv, m, base),
        key=(lambda m: m.index) if order == "desc" else (lambda m: -m.index),
    )


def render_participant(conv: Conversation, p: Participant, now: int, base: str) -> dict:
    read = conv.visible_messages(now)[-1] if p.identity else None
    return {
        "account_sid": conv.account_sid,
        "attributes": "{}",
        "conversation_sid": conv.sid,
        "date_created": iso_z(p.created),
        "date_updated": iso_z(p.created),
        "identity": p.identity,
        "last_read_message_index": read.index if read else None,
        "last_read_timestamp": iso_z(read.created) if read else None,
        "messaging_binding": p.binding,
        "role_sid": p.role_sid,
        "sid": p.sid,
        "url": f"{base}{API}/Conversations/{conv.sid}/Participants/{p.sid}",
    }


async def list_participants(request: Request) -> Response:
    emu, conv = _conversation(request)
    now = emu.clock.now()
    page = page_request(request, max_page_size=100)
    return meta_list(
        request,
        page,
        conv.participants(now),
        "participants",
        lambda p, base: render_participant(conv, p, now, base),
        key=lambda p: (-p.created, p.sid),  # oldest first
    )


def render_user(user: User, base: str) -> dict:
    url = f"{base}{API}/Users/{user.sid}"
    return {
        "account_sid": user.account_sid,
        "attributes": "{}",
        "chat_service_sid": user.chat_service_sid,
        "date_created": iso_z(user.created),
        "date_updated": iso_z(user.created),
        "friendly_name": user.friendly_name,
        "identity": user.identity,
        "is_notifiable": None,
        "is_online": False,
        "links": {"user_conversations": f"{url}/Conversations"},
        "role_sid": user.role_sid,
        "sid": user.sid,
        "url": url,
    }


async def list_users(request: Request) -> Response:
    emu = emulator(request)
    account = account_of(request)
    page = page_request(request, max_page_size=50)
    now = emu.clock.now()
    return meta_list(
        request,
        page,
        [u for u in conversations.users(emu.world.seed, account) if u.created <= now],
        "users",
        render_user,
        key=lambda u: (u.created, u.sid),
    )


def render_user_conversation(user: User, conv: Conversation, now: int, base: str) -> dict:
    state, updated = conv.state_at(now)
    participant = f"{base}{API}/Conversations/{conv.sid}/Participants/{conv.agent.sid}"
    return {
        "account_sid": conv.account_sid,
        "attributes": "{}",
        "chat_service_sid": conv.chat_service_sid,
        "conversation_sid": conv.sid,
        "conversation_state": state,
        "created_by": "system",
        "date_created": iso_z(conv.agent.created),
        "date_updated": iso_z(updated),
        "friendly_name": conv.friendly_name,
        "last_read_message_index": conv.visible_messages(now)[-1].index,
        "links": {
            "conversation": f"{base}{API}/Conversations/{conv.sid}",
            "participant": participant,
        },
        "notification_level": "default",
        "participant_sid": conv.agent.sid,
        "timers": {},
        "unique_name": None,
        "unread_messages_count": 0,
        "url": f"{base}{API}/Users/{user.sid}/Conversations/{conv.sid}",
        "user_sid": user.sid,
    }


async def list_user_conversations(request: Request) -> Response:
    """The conversations a user (agent) takes part in."""
    emu = emulator(request)
    account = account_of(request)
    sid = request.path_params["UserSid"]
    user = next((u for u in conversations.users(emu.world.seed, account) if u.sid == sid), None)
    if user is None:
        raise not_found(request.url.path)
    page = page_request(request, max_page_size=50)
    now = emu.clock.now()
    rows = [c for c in _all(emu, account) if c.user.sid == sid and c.agent.created <= now]
    return meta_list(
        request,
        page,
        rows,
        "conversations",
        lambda c, base: render_user_conversation(user, c, now, base),
        key=lambda c: (c.agent.created, c.sid),
    )


ROUTES = [
    Route(f"{VERSION}/Conversations", list_conversations),
    Route(f"{VERSION}/Conversations/{{ConversationSid}}/Messages", list_messages),
    Route(f"{VERSION}/Conversations/{{ConversationSid}}/Participants", list_participants),
    Route(f"{VERSION}/Users", list_users),
    Route(f"{VERSION}/Users/{{UserSid}}/Conversations", list_user_conversations),
]
