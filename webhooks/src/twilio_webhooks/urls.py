"""The URL Twilio signed, rebuilt from the request.

Twilio signs the full URL it called. Behind a TLS-terminating proxy the receiver
sees ``http://10.0.0.5:8080/…`` while Twilio called ``https://hooks.example.com/…``,
so the URL is rebuilt from, in order: the configured public URL; else the
proxy's ``X-Forwarded-Proto``/``Host``/``Port`` when (and only when) the peer is a
trusted proxy; else the request itself. The path and query string are used
exactly as received (raw), as Twilio signed them.
"""

from __future__ import annotations

import ipaddress

from starlette.types import Scope

from .config import Settings


def _header(scope: Scope, name: bytes) -> str | None:
    """The value the nearest proxy set: the last of a comma-separated list."""
    for key, value in scope["headers"]:
        if key == name:
            text = value.decode("latin-1")
            return text.rsplit(",", 1)[-1].strip() or None
    return None


def _trusted(scope: Scope, settings: Settings) -> bool:
    client = scope.get("client")
    if not settings.trusted_proxies or not client:
        return False
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:
        return False
    return any(address in network for network in settings.trusted_proxies)


def public_url(scope: Scope, settings: Settings) -> str:
    target = scope.get("raw_path") or scope["path"].encode()
    path = target.decode("latin-1")
    query = scope.get("query_string", b"").decode("latin-1")
    if query:
        path += "?" + query
    if settings.public_url:
        return settings.public_url + path
    scheme = scope.get("scheme", "http")
    host = _header(scope, b"host")
    if _trusted(scope, settings):
        scheme = (_header(scope, b"x-forwarded-proto") or scheme).lower()
        host = _header(scope, b"x-forwarded-host") or host
        port = _header(scope, b"x-forwarded-port")
        if host and port and ":" not in host.rsplit("]", 1)[-1]:
            default = {"https": "443", "http": "80"}.get(scheme)
            if port != default:
                host = f"{host}:{port}"
    if not host:
        server = scope.get("server")
        host = f"{server[0]}:{server[1]}" if server else "localhost"
    return f"{scheme}://{host}{path}"
