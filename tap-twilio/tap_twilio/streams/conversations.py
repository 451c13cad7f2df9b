"""Conversations v1 (``conversations.twilio.com/v1``): conversations, their messages and
participants, users, and each user's conversations.

Conversations lists allow at most 100 records a page, users 50.
"""

from __future__ import annotations

from typing import ClassVar

from tap_twilio.privacy import Fields
from tap_twilio.streams.base import ProductChildStream, ProductStream


class ConversationsStream(ProductStream):
    """Conversations: chats across SMS, WhatsApp and in-app messaging, with their state."""

    name = "conversations"
    api = "conversations"
    path = "/v1/Conversations"
    records_key = "conversations"
    max_page_size = 100
    spec = ("twilio_conversations_v1", "conversations.v1.conversation")
    child_context_keys: ClassVar[dict[str, str]] = {"conversation_sid": "sid"}


class ConversationMessagesStream(ProductChildStream):
    """Every message of every conversation; ``author`` is a phone address for SMS users."""

    parent_stream_type = ConversationsStream
    name = "conversation_messages"
    selected_by_default = False  # one request per conversation, every run: see ChildStream
    api = "conversations"
    path = "/v1/Conversations/{conversation_sid}/Messages"
    records_key = "messages"
    max_page_size = 100
    spec = ("twilio_conversations_v1", "conversations.v1.conversation.conversation_message")
    private_fields = Fields(bodies=("body",), phones=("author",))


class ConversationParticipantsStream(ProductChildStream):
    """Chat users (``identity``) and SMS/WhatsApp customers (``messaging_binding``)."""

    parent_stream_type = ConversationsStream
    name = "conversation_participants"
    selected_by_default = False  # one request per conversation, every run: see ChildStream
    api = "conversations"
    path = "/v1/Conversations/{conversation_sid}/Participants"
    records_key = "participants"
    max_page_size = 100
    spec = ("twilio_conversations_v1", "conversations.v1.conversation.conversation_participant")
    private_fields = Fields(phones=("messaging_binding.address", "messaging_binding.proxy_address"))


class UsersStream(ProductStream):
    """Conversations users (agents and app users)."""

    name = "users"
    api = "conversations"
    path = "/v1/Users"
    records_key = "users"
    max_page_size = 50
    spec = ("twilio_conversations_v1", "conversations.v1.user")
    child_context_keys: ClassVar[dict[str, str]] = {"user_sid": "sid"}


class UserConversationsStream(ProductChildStream):
    """The conversations each user takes part in: one row per (user, conversation)."""

    parent_stream_type = UsersStream
    name = "user_conversations"
    api = "conversations"
    path = "/v1/Users/{user_sid}/Conversations"
    records_key = "conversations"
    max_page_size = 50
    primary_keys = ("user_sid", "conversation_sid")
    spec = ("twilio_conversations_v1", "conversations.v1.user.user_conversation")


STREAMS = (
    ConversationsStream,
    ConversationMessagesStream,
    ConversationParticipantsStream,
    UsersStream,
    UserConversationsStream,
)
