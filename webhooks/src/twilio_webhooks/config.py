"""The receiver's settings. Secrets come from the environment only, never from argv.

- ``TWILIO_WEBHOOKS_AUTH_TOKENS``: the auth tokens Twilio signs with, comma-separated:
  during a rotation both the old and the new one; one per subaccount whose
  callbacks come here.
- ``TWILIO_WEBHOOKS_SHARED_KEYS``: ``keyId=secret,…`` for webhooks signed with a
  SharedKey (the ``X-Twilio-Webhooks-Signature-Settings`` header names the key).
- ``TWILIO_WEBHOOKS_STORE_URL``: the store (may hold a PostgreSQL password).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_STORE = "sqlite:///var/lib/twilio-webhooks/events.sqlite3"
DEFAULT_MAX_BODY = 1024 * 1024
DEFAULT_HEALTH_TIMEOUT = 2.0  # seconds /healthz waits for its heartbeat commit
# Seconds a request's whole body may take to arrive: Twilio sends at most a few hundred
# kB at once; a client slower than this only holds a connection (and memory) open.
DEFAULT_BODY_TIMEOUT = 10.0

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ConfigError(ValueError):
    """A setting is wrong; the message names it and says what to do."""


@dataclass(frozen=True)
class Settings:
    auth_tokens: tuple[str, ...] = field(repr=False)
    shared_keys: Mapping[str, str] = field(default_factory=dict, repr=False)
    store_url: str = field(default="", repr=False)
    # The URL Twilio calls, up to the path (scheme, host, port, any prefix a proxy strips).
    public_url: str | None = None
    # Peers whose Forwarded and X-Forwarded-Proto/Host/Port are believed. Empty: nobody's.
    trusted_proxies: tuple[Network, ...] = ()
    max_body_bytes: int = DEFAULT_MAX_BODY
    health_timeout: float = DEFAULT_HEALTH_TIMEOUT
    body_timeout: float = DEFAULT_BODY_TIMEOUT

    def __post_init__(self) -> None:
        if not self.auth_tokens and not self.shared_keys:
            raise ConfigError(
                "no signing secret: set TWILIO_WEBHOOKS_AUTH_TOKENS (comma-separated auth "
                "tokens) or TWILIO_WEBHOOKS_SHARED_KEYS (keyId=secret,...)"
            )
        if self.public_url is not None and not self.public_url.startswith(("https://", "http://")):
            raise ConfigError("--public-url must start with https:// or http://")
        if self.max_body_bytes < 1024:
            raise ConfigError("--max-body-bytes must be at least 1024")
        if not self.health_timeout > 0:
            raise ConfigError("--health-timeout must be more than 0 seconds")
        if not self.body_timeout > 0:
            raise ConfigError("--body-timeout must be more than 0 seconds")


def parse_tokens(text: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in text.split(",") if t.strip())


def parse_shared_keys(text: str) -> dict[str, str]:
    keys = {}
    for item in (i.strip() for i in text.split(",")):
        if not item:
            continue
        key_id, sep, secret = item.partition("=")
        if not sep or not key_id.strip() or not secret.strip():
            raise ConfigError(
                "TWILIO_WEBHOOKS_SHARED_KEYS must look like keyId=secret,keyId2=secret2"
            )
        keys[key_id.strip()] = secret.strip()
    return keys


def parse_proxies(values: list[str]) -> tuple[Network, ...]:
    networks = []
    for value in values:
        for item in (v.strip() for v in value.split(",")):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ConfigError(
                    f"--trusted-proxy {item!r} is not an IP address or CIDR network"
                ) from None
    return tuple(networks)


def from_environment(
    environ: Mapping[str, str] | None = None,
    *,
    store_url: str | None = None,
    public_url: str | None = None,
    trusted_proxies: list[str] | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY,
    health_timeout: float = DEFAULT_HEALTH_TIMEOUT,
    body_timeout: float = DEFAULT_BODY_TIMEOUT,
) -> Settings:
    env = os.environ if environ is None else environ
    return Settings(
        auth_tokens=parse_tokens(env.get("TWILIO_WEBHOOKS_AUTH_TOKENS", "")),
        shared_keys=parse_shared_keys(env.get("TWILIO_WEBHOOKS_SHARED_KEYS", "")),
        store_url=store_url or env.get("TWILIO_WEBHOOKS_STORE_URL") or DEFAULT_STORE,
        public_url=public_url.rstrip("/") if public_url else None,
        trusted_proxies=parse_proxies(trusted_proxies or []),
        max_body_bytes=max_body_bytes,
        health_timeout=health_timeout,
        body_timeout=body_timeout,
    )
