"""The URL Twilio signed, rebuilt from the request.

Twilio signs the full URL it called. Behind a TLS-terminating proxy the receiver
sees ``http://10.0.0.5:8080/…`` while Twilio called ``https://hooks.example.com/…``,
so the URL is rebuilt from, in order: the configured public URL; else, when (and
only when) the peer is a trusted proxy, what that proxy forwarded: RFC 7239
``Forwarded`` (``proto``, ``host``), then ``X-Forwarded-Proto``/``Host``/``Port``;
else the request itself. Of forwarded values, only the one the nearest proxy
added (the last) counts: anything before it came from further away, a client
included. The path and query string are used exactly as received (raw), as
Twilio signed them.
"""

from __future__ import annotations

import ipaddress
import re

from starlette.types import Scope

from .config import Settings

# One name=value of a Forwarded element, the value a token or a quoted-string; a comma
# after it ends the element (RFC 7239 section 4).
_FORWARDED_PAIR = re.compile(r'([^=;,\s]+)=("(?:[^"\\]|\\.)*"|[^;,"\s]*)\s*(,?)')
_QUOTED_PAIR = re.compile(r"\\(.)")


def _joined(scope: Scope, name: bytes) -> str:
    """Every line of a header, in order, as one comma-separated list."""
    return b",".join([v for k, v in scope["headers"] if k == name]).decode("latin-1")


def _header(scope: Scope, name: bytes) -> str | None:
    """The value the nearest proxy set: the last of the comma-separated list (that is,
    of the header's last line)."""
    for key, value in reversed(scope["headers"]):
        if key == name:
            return value.decode("latin-1").rsplit(",", 1)[-1].strip() or None
    return None


def _forwarded(scope: Scope) -> dict[str, str]:
    """The parameters of the last ``Forwarded`` element, names in lower case."""
    element: dict[str, str] = {}
    for name, value, comma in _FORWARDED_PAIR.findall(_joined(scope, b"forwarded")):
        quoted = value.startswith('"')
        element[name.lower()] = _QUOTED_PAIR.sub(r"\1", value[1:-1]) if quoted else value
        if comma:
            element = {}
    return element


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
        forwarded = _forwarded(scope)
        scheme = (forwarded.get("proto") or _header(scope, b"x-forwarded-proto") or scheme).lower()
        if forwarded.get("host"):  # RFC 7239: the Host the proxy received, port included
            host = forwarded["host"]
        else:
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
