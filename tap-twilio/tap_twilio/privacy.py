"""Keeping message bodies and phone numbers out of the warehouse, at the source.

Two settings, ``privacy_message_bodies`` and ``privacy_phone_numbers``, each
``keep`` (default), ``drop`` (the value becomes null) or ``hash``: an
HMAC-SHA256 of the value under the secret ``hash_key``, hex-encoded. The same
number hashes the same way in every stream and every run, so joins still work,
and without the key nobody can test a guess. A channel prefix stays readable:
``whatsapp:+14155550100`` becomes ``whatsapp:<hash of +14155550100>``.

Each stream declares which of its fields carry what (see ``TwilioStream``):
message bodies, phone numbers, display copies of numbers (``(415) 555-0100``,
nulled whenever numbers are not kept: their hash would join nothing), and
free-form blobs that may hold both (Studio ``context``, nulled unless both are
kept). Nested fields are dotted paths: ``messaging_binding.address``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tap_twilio.errors import ConfigError

KEEP, DROP, HASH = "keep", "drop", "hash"
MODES = (KEEP, DROP, HASH)
MIN_KEY_LENGTH = 16


@dataclass(frozen=True)
class Fields:
    """What a stream's sensitive fields carry, as dotted paths."""

    bodies: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    phone_displays: tuple[str, ...] = ()
    blobs: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.bodies or self.phones or self.phone_displays or self.blobs)


class Privacy:
    """The privacy settings, applied to records."""

    def __init__(self, *, bodies: str = KEEP, phones: str = KEEP, key: str | None = None) -> None:
        for setting, mode in (
            ("privacy_message_bodies", bodies),
            ("privacy_phone_numbers", phones),
        ):
            if mode not in MODES:
                raise ConfigError(f"{setting} must be one of {', '.join(MODES)}, not {mode!r}")
        if HASH in (bodies, phones) and len(key or "") < MIN_KEY_LENGTH:
            raise ConfigError(
                f"hash_key must be set ({MIN_KEY_LENGTH}+ characters) when "
                "privacy_message_bodies or privacy_phone_numbers is 'hash'"
            )
        self.bodies = bodies
        self.phones = phones
        self._key = (key or "").encode()

    @property
    def keeps_everything(self) -> bool:
        return self.bodies == KEEP and self.phones == KEEP

    def hash(self, value: str) -> str:
        """HMAC-SHA256 of ``value``, hex-encoded."""
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()

    def hash_address(self, value: str) -> str:
        """The hash of a phone address; a channel prefix (``whatsapp:``) is kept in clear."""
        channel, colon, rest = value.partition(":")
        if colon and channel.isalpha():
            return channel + colon + self.hash(rest)
        return self.hash(value)

    def apply(self, record: dict, fields: Fields) -> dict:
        """``record`` with its sensitive fields dropped or hashed, in place."""
        if self.keeps_everything or not fields.any:
            return record
        self._each(record, fields.bodies, self.bodies, self.hash)
        self._each(record, fields.phones, self.phones, self.hash_address)
        if self.phones != KEEP:
            self._each(record, fields.phone_displays, DROP, self.hash)
        self._each(record, fields.blobs, DROP, self.hash)
        return record

    @staticmethod
    def _each(record: dict, paths: Iterable[str], mode: str, hasher: Callable[[str], str]) -> None:
        if mode == KEEP:
            return
        for path in paths:
            *parents, leaf = path.split(".")
            node: Any = record
            for name in parents:
                node = node.get(name) if isinstance(node, dict) else None
            if not isinstance(node, dict) or node.get(leaf) is None:
                continue
            value = node[leaf]
            node[leaf] = hasher(value) if mode == HASH and isinstance(value, str) else None
