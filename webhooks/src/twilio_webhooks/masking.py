"""Credentials out of everything the receiver and the tap print: ``mask_credentials``.

A store URL can carry a password in three places: ``user:password@``, a query
parameter (``?password=…``, ``sslpassword=…``) and, as a libpq DSN, ``password=…``.
Errors quote the URL, and libpq's quote the offending piece of it, so every message
that may hold a URL goes through this one function before it is printed or logged.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

MASK = "***"
# A parameter whose name holds one of these is a credential: password, sslpassword,
# passfile, token, secret, api_key, sslkey, auth, credentials, sig, user…
_SENSITIVE = re.compile(r"pass|pwd|secret|token|key|auth|cred|sig|user", re.IGNORECASE)
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]*")
# name=value, as in a query string or a libpq DSN; a DSN value may be 'quoted'.
_PAIR = re.compile(r"\b([A-Za-z_][A-Za-z0-9_.-]*)(\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&;,'\"<>]*)")
_SHORTEST = 4  # known values shorter than this are not masked on their own (too common)


def _userinfo(url: str) -> str:
    """The URL with ``user:password@`` masked (an unencoded ``/`` in a password included)."""
    scheme, _, rest = url.partition("://")
    head = rest.split("?", 1)[0].split("#", 1)[0]
    if "@" not in head:
        return url
    return f"{scheme}://{MASK}@{rest[head.rindex('@') + 1 :]}"


def _pair(match: re.Match[str]) -> str:
    name, equals, value = match.groups()
    if not value or not _SENSITIVE.search(name):
        return match.group(0)
    return f"{name}{equals}{MASK}"


def secrets_of(url: str) -> set[str]:
    """The secret values in a URL or DSN (not the user name), as written and decoded."""
    found = set()
    head = url.partition("://")[2].split("?", 1)[0].split("#", 1)[0]
    if "@" in head:
        found.add(head[: head.rindex("@")].partition(":")[2])  # the password, if any
    for match in _PAIR.finditer(url):
        name, _, value = match.groups()
        if value and _SENSITIVE.search(name) and "user" not in name.lower():
            found.add(value.strip("'"))
    return {v for value in found for v in (value, unquote(value)) if len(v) >= _SHORTEST}


def mask_credentials(text: str, *known: str) -> str:
    """``text`` with every URL's user and password, every credential-like ``name=value``
    (query parameters and DSN pairs alike) masked as ``***``; and any secret of the
    ``known`` URLs or DSNs too, wherever it appears (libpq quotes bits of a bad DSN)."""
    text = _PAIR.sub(_pair, _URL.sub(lambda m: _userinfo(m.group(0)), text))
    for url in known:
        for secret in sorted(secrets_of(url), key=len, reverse=True):
            text = text.replace(secret, MASK)
    return text
